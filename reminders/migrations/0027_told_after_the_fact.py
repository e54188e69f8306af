"""Escalations say who was told only after the WhatsApp went out (issue 27): the fields; 0028 fills them."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0026_one_voice_per_phone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='escalation',
            name='passed_on_at',
            field=models.DateTimeField(blank=True, help_text='When PRIMA turned to the coordinators: nobody handled it in time, or the volunteer could not be told.', null=True, verbose_name='passed on to coordinators at'),
        ),
        migrations.AddField(
            model_name='escalation',
            name='volunteer_told_at',
            field=models.DateTimeField(blank=True, help_text='When the WhatsApp to the volunteer went out.', null=True, verbose_name='volunteer told at'),
        ),
        migrations.AddField(
            model_name='staffnotification',
            name='escalation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='reminders.escalation', verbose_name='escalation'),
        ),
        migrations.AlterField(
            model_name='escalation',
            name='coordinators_told_at',
            field=models.DateTimeField(blank=True, help_text='When the first WhatsApp to a coordinator went out.', null=True, verbose_name='coordinators told at'),
        ),
        migrations.AlterField(
            model_name='escalation',
            name='volunteer',
            field=models.ForeignKey(blank=True, help_text="The patient's volunteer, alerted first; empty when they had no staff WhatsApp number.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='volunteer alerted'),
        ),
    ]
