"""Patient names refuse control characters (they break emails about the patient)."""

import reminders.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0007_roles_for_pauses_and_notifications'),
    ]

    operations = [
        migrations.AlterField(
            model_name='patient',
            name='name',
            field=models.CharField(max_length=200, validators=[reminders.models.validate_printable], verbose_name='name'),
        ),
    ]
