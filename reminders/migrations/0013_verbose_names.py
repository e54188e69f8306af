"""Issue 17: field and model labels in the reader's language; labels only, no SQL."""

import django.db.models.deletion
import django.utils.timezone
import prima.clock
import reminders.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0012_retention'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='devicestate',
            options={'verbose_name': 'device state', 'verbose_name_plural': 'device states'},
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='changed_at',
            field=models.DateTimeField(blank=True, help_text='When Fonnte says the state changed.', null=True, verbose_name='changed at'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='connected',
            field=models.BooleanField(default=True, verbose_name='connected'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='device',
            field=models.CharField(help_text='E.164 when the number parses.', max_length=32, unique=True, verbose_name='device'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='last_connect_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last connected at'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='last_disconnect_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last disconnected at'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='quota_remaining',
            field=models.PositiveIntegerField(blank=True, help_text="Messages the device may still send, from Fonnte's last answer.", null=True, verbose_name='quota left'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='quota_seen_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='quota reported at'),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='reason',
            field=models.CharField(blank=True, max_length=200, verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='message',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AlterField(
            model_name='message',
            name='body',
            field=models.TextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='message',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='delivered_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='delivered at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='device',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='reminders.device', verbose_name='WhatsApp device'),
        ),
        migrations.AlterField(
            model_name='message',
            name='end_reason',
            field=models.TextField(blank=True, help_text='Why the message ended FAILED or CANCELLED.', verbose_name='why it ended'),
        ),
        migrations.AlterField(
            model_name='message',
            name='held_by_pause',
            field=models.BooleanField(db_default=False, default=False, verbose_name='held by a pause'),
        ),
        migrations.AlterField(
            model_name='message',
            name='kind',
            field=models.CharField(choices=[('REMINDER', 'Reminder'), ('FOLLOW_UP', 'Follow-up'), ('REPLY', 'Reply to the patient'), ('VERIFICATION', 'Verification'), ('NOTICE', 'Notice of a new number')], default='REMINDER', max_length=16, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='message',
            name='last_error',
            field=models.TextField(blank=True, verbose_name='last error'),
        ),
        migrations.AlterField(
            model_name='message',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='lease expires at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='lease_token',
            field=models.UUIDField(blank=True, null=True, verbose_name='lease token'),
        ),
        migrations.AlterField(
            model_name='message',
            name='max_attempts',
            field=models.PositiveSmallIntegerField(default=5, verbose_name='attempts allowed'),
        ),
        migrations.AlterField(
            model_name='message',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='reminders.patient', verbose_name='patient'),
        ),
        migrations.AlterField(
            model_name='message',
            name='phone',
            field=reminders.models.PhoneNumberField(max_length=20, verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='message',
            name='priority',
            field=models.PositiveSmallIntegerField(db_default=0, default=0, help_text='Higher goes out first, past the rate limits: emergency replies.', verbose_name='priority'),
        ),
        migrations.AlterField(
            model_name='message',
            name='provider_message_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='Fonnte message id'),
        ),
        migrations.AlterField(
            model_name='message',
            name='read_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='read at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='reminder',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='reminders.reminder', verbose_name='reminder'),
        ),
        migrations.AlterField(
            model_name='message',
            name='send_after',
            field=models.DateTimeField(db_default=prima.clock.DatabaseNow(), help_text="Not before (the database's now if not given).", verbose_name='send after'),
        ),
        migrations.AlterField(
            model_name='message',
            name='send_started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='send started at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent at'),
        ),
        migrations.AlterField(
            model_name='message',
            name='status',
            field=models.CharField(choices=[('QUEUED', 'Queued'), ('SENDING', 'Sending'), ('SENT', 'Sent'), ('DELIVERED', 'Delivered'), ('READ', 'Read'), ('FAILED', 'Failed'), ('CANCELLED', 'Cancelled')], default='QUEUED', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='message',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='opt_in_method',
            field=models.CharField(blank=True, choices=[('PATIENT_REPLY', "Patient's reply"), ('VOLUNTEER', 'Volunteer')], max_length=16, verbose_name='opted back in by'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='opt_out_method',
            field=models.CharField(blank=True, choices=[('PATIENT_REPLY', "Patient's reply"), ('VOLUNTEER', 'Volunteer')], max_length=16, verbose_name='opted out by'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='verification_answered_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='verification answered at'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='verification_attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='verification attempts'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='verification_expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='verification expires at'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='verification_sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='verification sent at'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='acknowledged',
            field=models.BooleanField(default=False, help_text='Whether we answered this reply.', verbose_name='answered'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='handled_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='handled at'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='handled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='handled by'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='intent',
            field=models.CharField(choices=[('CONFIRM', 'Confirmed taking it'), ('NOT_YET', 'Not yet'), ('VERIFY_YES', 'Verification: yes'), ('VERIFY_NO', 'Verification: no'), ('OPT_OUT', 'Opt out'), ('OPT_IN', 'Opt back in'), ('ATTENDING', 'Appointment: attending'), ('LATE', 'Appointment: late'), ('CANCEL', 'Appointment: cancelled'), ('EMERGENCY', 'Emergency'), ('FREE_TEXT', 'Free text')], max_length=16, verbose_name='understood as'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='needs_attention',
            field=models.BooleanField(default=False, verbose_name='needs attention'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='outcome',
            field=models.CharField(blank=True, help_text='What the reply changed, if anything.', max_length=200, verbose_name='outcome'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='replies', to='reminders.patient', verbose_name='patient'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='received_at',
            field=models.DateTimeField(default=django.utils.timezone.now, help_text="When the patient wrote it (Fonnte's time, never after it reached us).", verbose_name='received at'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='reminder',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='replies', to='reminders.reminder', verbose_name='reminder'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='text',
            field=models.TextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='patientreply',
            name='urgent',
            field=models.BooleanField(default=False, verbose_name='urgent'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='appointment_answer',
            field=models.CharField(blank=True, choices=[('ATTENDING', 'Attending'), ('LATE', 'Late'), ('CANCELLED', 'Cancelled')], max_length=16, verbose_name='appointment answer'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='confirmation_method',
            field=models.CharField(blank=True, choices=[('PATIENT_REPLY', "Patient's reply"), ('VISIT', 'Volunteer visit'), ('CALL', 'Phone call'), ('MESSAGE', 'Message')], max_length=16, verbose_name='confirmed through'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='confirmed at'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='reminders.patient', verbose_name='patient'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='reply_deadline',
            field=models.DateTimeField(blank=True, help_text='Until when a reply answers this dose; set when it is sent.', null=True, verbose_name='answer awaited until'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='responded_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='answered at'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='schedule',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='reminders.reminderschedule', verbose_name='schedule'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='slot',
            field=models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name='slot'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='active_since',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='active since'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='end_date',
            field=models.DateField(blank=True, null=True, verbose_name='until'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='is_active',
            field=models.BooleanField(default=True, verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='kind',
            field=models.CharField(choices=[('MEDICATION', 'Medication'), ('APPOINTMENT', 'Appointment'), ('OTHER', 'Other')], default='MEDICATION', max_length=16, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='message_template',
            field=models.TextField(help_text="Placeholders: {nama} (the patient's name), {waktu} (the time).", verbose_name='message'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='needs_scheduling',
            field=models.BooleanField(db_default=True, default=True, editable=False, verbose_name='needs scheduling'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='schedules', to='reminders.patient', verbose_name='patient'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='start_date',
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='time_of_day',
            field=models.TimeField(help_text="In the patient's time zone.", verbose_name='time'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='weekdays',
            field=reminders.models.WeekdaysField(base_field=models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')]), default=reminders.models.every_weekday, size=None, verbose_name='days'),
        ),
        migrations.AlterField(
            model_name='schedulerheartbeat',
            name='last_failure',
            field=models.TextField(blank=True, db_default='', help_text='Why the last failed tick failed.', verbose_name='last failure'),
        ),
        migrations.AlterField(
            model_name='schedulerheartbeat',
            name='last_failure_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last failure at'),
        ),
        migrations.AlterField(
            model_name='schedulerheartbeat',
            name='last_tick_at',
            field=models.DateTimeField(null=True, verbose_name='last tick at'),
        ),
        migrations.AlterField(
            model_name='sendingpause',
            name='kind',
            field=models.CharField(choices=[('DEVICE', 'Device disconnected'), ('ACCOUNT', 'Account refused')], max_length=16, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='sendingpause',
            name='probe_at',
            field=models.DateTimeField(help_text='When one send is tried again.', verbose_name='next try at'),
        ),
        migrations.AlterField(
            model_name='sendingpause',
            name='reason',
            field=models.CharField(max_length=300, verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='sendingpause',
            name='scope',
            field=models.CharField(help_text='What is paused: the Fonnte sender.', max_length=64, unique=True, verbose_name='scope'),
        ),
        migrations.AlterField(
            model_name='sendingpause',
            name='since',
            field=models.DateTimeField(verbose_name='since'),
        ),
        migrations.AlterField(
            model_name='sendingpause',
            name='token_fingerprint',
            field=models.CharField(blank=True, max_length=16, verbose_name='token fingerprint'),
        ),
        migrations.AlterField(
            model_name='staffnotification',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AlterField(
            model_name='staffnotification',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='staffnotification',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff_notifications', to='reminders.patient', verbose_name='patient'),
        ),
        migrations.AlterField(
            model_name='staffnotification',
            name='reply',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='reminders.patientreply', verbose_name='reply'),
        ),
    ]
