"""Issue 29: coordinators manage their volunteers (the Volunteer proxy and its permissions), a
temporary password must be changed, and volunteers are told of patients assigned to them."""

import django.contrib.auth.models
from django.db import migrations, models

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('reminders', '0028_who_was_told'),
    ]

    operations = [
        migrations.CreateModel(
            name='Volunteer',
            fields=[
            ],
            options={
                'verbose_name': 'volunteer',
                'verbose_name_plural': 'volunteers',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('auth.user',),
            managers=[
                ('objects', django.contrib.auth.models.UserManager()),
            ],
        ),
        migrations.AddField(
            model_name='staffprofile',
            name='must_change_password',
            field=models.BooleanField(db_default=False, default=False, verbose_name='must change password'),
        ),
        migrations.AlterField(
            model_name='message',
            name='kind',
            field=models.CharField(choices=[('REMINDER', 'Reminder'), ('FOLLOW_UP', 'Follow-up'), ('REPLY', 'Our answer to a reply'), ('VERIFICATION', 'Verification'), ('NOTICE', 'Notice of a new number'), ('ESCALATION', 'Alert to staff'), ('CHECK_IN', 'Weekly check-in'), ('STAFF_ALERT', 'Urgent alert to staff'), ('ASSIGNMENT', 'Patient assigned, to staff')], default='REMINDER', max_length=16, verbose_name='kind'),
        ),
        migrations.AlterModelOptions(
            name='prunedmessagetally',
            options={'verbose_name': 'tally of pruned messages', 'verbose_name_plural': 'tallies of pruned messages'},
        ),
        # Coordinators manage volunteers (reminders/admin/team.py).
        migrations.RunPython(migrate_roles, migrations.RunPython.noop),
    ]
