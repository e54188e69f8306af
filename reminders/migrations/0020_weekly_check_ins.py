"""Issue 20: the weekly check-in (one per patient and week), its answer on the reply, the rule
that makes an unwell answer an escalation, and who may see check-ins."""

import datetime
import django.db.models.deletion
from django.db import migrations, models

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0019_roles_for_caregivers'),
    ]

    operations = [
        migrations.AddField(
            model_name='escalation',
            name='detail',
            field=models.CharField(blank=True, help_text='The answer to the weekly check-in.', max_length=200, verbose_name='what the patient wrote'),
        ),
        migrations.AddField(
            model_name='patient',
            name='check_in_day',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], help_text='Once a week PRIMA asks the patient how they are; empty: never.', null=True, verbose_name='weekly check-in day'),
        ),
        migrations.AddField(
            model_name='patient',
            name='check_in_time',
            field=models.TimeField(default=datetime.time(10, 0), db_default=datetime.time(10, 0), help_text="In the patient's time zone.", verbose_name='weekly check-in time'),
        ),
        migrations.AlterField(
            model_name='escalation',
            name='rule',
            field=models.CharField(choices=[('MISSED_IN_A_ROW', 'Doses missed in a row'), ('VERIFICATION_EXPIRED', 'Verification question unanswered'), ('NOT_YET_TWICE', 'Said not yet twice'), ('EMERGENCY_UNHANDLED', 'Emergency not handled'), ('CHECK_IN_PROBLEM', 'Weekly check-in: not well')], max_length=32, verbose_name='rule'),
        ),
        migrations.AlterField(
            model_name='message',
            name='kind',
            field=models.CharField(choices=[('REMINDER', 'Reminder'), ('FOLLOW_UP', 'Follow-up'), ('REPLY', 'Our answer to a reply'), ('VERIFICATION', 'Verification'), ('NOTICE', 'Notice of a new number'), ('ESCALATION', 'Alert to staff'), ('CHECK_IN', 'Weekly check-in')], default='REMINDER', max_length=16, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='CheckIn',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week', models.DateField(help_text="The Monday of the patient's week.", verbose_name='week of')),
                ('due_at', models.DateTimeField(verbose_name='due at')),
                ('answer_deadline', models.DateTimeField(verbose_name='answer expected by')),
                ('answer', models.CharField(blank=True, choices=[('FINE', 'Fine'), ('PROBLEM', 'Not well'), ('EMERGENCY', 'Emergency'), ('NO_ANSWER', 'No answer')], help_text='Empty: waiting for the answer.', max_length=16, verbose_name='answer')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='check_ins', to='reminders.patient', verbose_name='patient')),
            ],
            options={
                'verbose_name': 'weekly check-in',
                'verbose_name_plural': 'weekly check-ins',
                'ordering': ['-due_at'],
            },
        ),
        migrations.AddField(
            model_name='message',
            name='check_in',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='reminders.checkin', verbose_name='weekly check-in'),
        ),
        migrations.AddField(
            model_name='patientreply',
            name='check_in',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='replies', to='reminders.checkin', verbose_name='answers the weekly check-in', db_index=False),
        ),
        migrations.AddIndex(
            model_name='checkin',
            index=models.Index(condition=models.Q(('answer', '')), fields=['answer_deadline'], name='check_in_waiting_idx'),
        ),
        migrations.AddConstraint(
            model_name='checkin',
            constraint=models.UniqueConstraint(fields=('patient', 'week'), name='one_check_in_per_week'),
        ),
        migrations.RunPython(migrate_roles, migrations.RunPython.noop),
    ]
