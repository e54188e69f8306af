"""Messages held by a pause say so in a column, and are due by the database clock when not told; replies keep when they reached us; staff notifications when they were tried."""

import django.utils.timezone
import prima.clock
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0009_device_quota'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='reminder',
            name='reminder_awaiting_reply_idx',
        ),
        migrations.AddField(
            model_name='message',
            name='held_by_pause',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name='patientreply',
            name='arrived_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='reached us at'),
        ),
        migrations.AddField(
            model_name='staffnotification',
            name='tried_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last tried at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='send_after',
            field=models.DateTimeField(db_default=prima.clock.DatabaseNow(), help_text="Not before (the database's now if not given)."),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='received_at',
            field=models.DateTimeField(default=django.utils.timezone.now, help_text="When the patient wrote it (Fonnte's time, never after it reached us)."),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('held_by_pause', True)), fields=['id'], name='message_held_by_pause_idx'),
        ),
        migrations.AddIndex(
            model_name='reminder',
            index=models.Index(condition=models.Q(('reply_deadline__isnull', False)), fields=['patient', 'reply_deadline'], name='reminder_answerable_idx'),
        ),
    ]
