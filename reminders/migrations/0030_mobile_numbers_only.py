"""Issue 29: patients', caregivers' and staff numbers typed in a form must be mobiles (WhatsApp
lives on one); a validator only, no SQL. Rows stored before keep their numbers."""

import reminders.models.fields
import reminders.phones
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0029_volunteers'),
    ]

    operations = [
        migrations.AlterField(
            model_name='caregiver',
            name='phone',
            field=reminders.models.fields.PhoneNumberField(help_text='Any spelling: 0812…, 62812…, +62 812…', max_length=20, validators=[reminders.phones.validate_mobile], verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='phone',
            field=reminders.models.fields.PhoneNumberField(help_text='Any spelling: 0812…, 62812…, +62 812…', max_length=20, unique=True, validators=[reminders.phones.validate_mobile], verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='staffprofile',
            name='phone',
            field=reminders.models.fields.PhoneNumberField(blank=True, help_text='Alerts about patients who need someone are sent here.', max_length=20, validators=[reminders.phones.validate_mobile], verbose_name='WhatsApp number'),
        ),
    ]
