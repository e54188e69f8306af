"""Issue 20: escalations, the staff WhatsApp numbers they go to, and who may see and handle them."""

import django.db.models.deletion
import prima.clock
import reminders.models
from django.conf import settings
from django.db import migrations, models

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0013_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Escalation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rule', models.CharField(choices=[('MISSED_IN_A_ROW', 'Doses missed in a row'), ('VERIFICATION_EXPIRED', 'Verification question unanswered'), ('NOT_YET_TWICE', 'Said not yet twice'), ('EMERGENCY_UNHANDLED', 'Emergency not handled')], max_length=32, verbose_name='rule')),
                ('local_date', models.DateField(help_text="The patient's own date when it was raised.", verbose_name='date')),
                ('count', models.PositiveSmallIntegerField(default=0, help_text='Doses missed in a row, or times the patient said not yet.', verbose_name='how many')),
                ('raised_at', models.DateTimeField(db_default=prima.clock.DatabaseNow(), verbose_name='raised at')),
                ('coordinators_told_at', models.DateTimeField(blank=True, null=True, verbose_name='coordinators told at')),
                ('handled_at', models.DateTimeField(blank=True, null=True, verbose_name='handled at')),
                ('handling', models.CharField(blank=True, choices=[('CALLED', 'Called the patient'), ('VISITED', 'Visited the patient'), ('RESOLVED', 'Resolved')], max_length=16, verbose_name='how it was handled')),
            ],
            options={
                'verbose_name': 'escalation',
                'verbose_name_plural': 'escalations',
                'ordering': ['-raised_at'],
            },
        ),
        migrations.CreateModel(
            name='StaffProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', reminders.models.PhoneNumberField(blank=True, help_text='Alerts about patients who need someone are sent here.', max_length=20, verbose_name='WhatsApp number')),
            ],
            options={
                'verbose_name': 'staff WhatsApp number',
                'verbose_name_plural': 'staff WhatsApp numbers',
            },
        ),
        migrations.AlterField(
            model_name='message',
            name='kind',
            field=models.CharField(choices=[('REMINDER', 'Reminder'), ('FOLLOW_UP', 'Follow-up'), ('REPLY', 'Reply to the patient'), ('VERIFICATION', 'Verification'), ('NOTICE', 'Notice of a new number'), ('ESCALATION', 'Alert to staff')], default='REMINDER', max_length=16, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='escalation',
            name='handled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='handled by'),
        ),
        migrations.AddField(
            model_name='escalation',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='escalations', to='reminders.patient', verbose_name='patient'),
        ),
        migrations.AddField(
            model_name='escalation',
            name='volunteer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='volunteer told'),
        ),
        migrations.AddField(
            model_name='message',
            name='escalation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, db_index=False, related_name='messages', to='reminders.escalation', verbose_name='escalation'),
        ),
        migrations.AddField(
            model_name='staffprofile',
            name='user',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='staff_profile', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddIndex(
            model_name='escalation',
            index=models.Index(condition=models.Q(('handled_at__isnull', True)), fields=['raised_at'], name='escalation_unhandled_idx'),
        ),
        migrations.AddConstraint(
            model_name='escalation',
            constraint=models.UniqueConstraint(fields=('patient', 'rule', 'local_date'), name='one_escalation_per_rule_day'),
        ),
        migrations.RunPython(migrate_roles, migrations.RunPython.noop),
    ]
