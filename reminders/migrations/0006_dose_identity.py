"""Doses get an identity (schedule, local date, slot) and explicit closed states; schedules
get the scheduler's next dose; triggers keep both true whatever path edits a row.

Rows written before this migration are translated: a reminder closed by the old hidden flag
(a reply deadline on a reminder never sent) becomes MISSED with that reason, one whose message
was cancelled becomes CANCELLED, duplicates of one schedule on one day are numbered (slot).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import reminders.models
from prima.clock import CLOCK_SQL

REACHABLE = "{row}.verification_status = 'VERIFIED' AND {row}.is_active AND {row}.opted_out_at IS NULL"

# Foreign-key checks now, not at commit: the table is altered later in this transaction.
TRANSLATE_EXISTING_ROWS = f"""
SET CONSTRAINTS ALL IMMEDIATE;

UPDATE reminders_reminder AS r
   SET local_date = (r.due_at AT TIME ZONE (
           CASE WHEN p.time_zone IN (SELECT name FROM pg_timezone_names) THEN p.time_zone ELSE 'Asia/Jakarta' END
       ))::date
  FROM reminders_patient AS p WHERE p.id = r.patient_id;

UPDATE reminders_reminder AS r SET slot = numbered.n - 1
  FROM (SELECT id, row_number() OVER (PARTITION BY schedule_id, local_date ORDER BY due_at, id) AS n
          FROM reminders_reminder) AS numbered
 WHERE numbered.id = r.id AND numbered.n > 1;

UPDATE reminders_reminder AS r SET sent_at = m.sent_at
  FROM reminders_message AS m
 WHERE m.reminder_id = r.id AND m.kind = 'REMINDER' AND m.sent_at IS NOT NULL;

UPDATE reminders_reminder
   SET reply_deadline = NULL, confirmation_status = 'MISSED', close_reason = 'not delivered'
 WHERE sent_at IS NULL AND reply_deadline IS NOT NULL AND confirmation_status IN ('PENDING', 'NOT_YET');

UPDATE reminders_reminder SET reply_deadline = NULL WHERE sent_at IS NULL AND reply_deadline IS NOT NULL;

-- The old code kept one follow-up per reminder by checking first; should two exist anyway,
-- the later ones keep their history but no longer belong to the dose.
UPDATE reminders_message SET reminder_id = NULL
 WHERE kind = 'FOLLOW_UP' AND id IN (
     SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY reminder_id ORDER BY id) AS n
                       FROM reminders_message WHERE kind = 'FOLLOW_UP' AND reminder_id IS NOT NULL) AS numbered
      WHERE numbered.n > 1);

UPDATE reminders_reminder AS r SET confirmation_status = 'CANCELLED', close_reason = 'message cancelled'
 WHERE r.confirmation_status = 'PENDING' AND r.sent_at IS NULL
   AND EXISTS (SELECT 1 FROM reminders_message AS m
                WHERE m.reminder_id = r.id AND m.kind = 'REMINDER' AND m.status = 'CANCELLED');

UPDATE reminders_reminder SET closed_at = coalesce(confirmed_at, reply_deadline, created_at)
 WHERE confirmation_status IN ('CONFIRMED', 'MISSED', 'CANCELLED');

UPDATE reminders_patient AS p SET reachable_since = greatest(created_at, opted_in_at, verification_answered_at)
 WHERE {REACHABLE.format(row="p")};

UPDATE reminders_reminderschedule SET active_since = created_at WHERE is_active;
"""

# Whatever path changes a row (a form, a queryset update, raw SQL), the scheduler hears of it.
TRIGGERS = f"""
CREATE FUNCTION reminders_patient_reachable_since() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.reachable_since := OLD.reachable_since;
    END IF;
    IF {REACHABLE.format(row="NEW")}
       AND (TG_OP = 'INSERT' OR NOT ({REACHABLE.format(row="OLD")})) THEN
        NEW.reachable_since := {CLOCK_SQL};
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reminders_patient_reachable_since BEFORE INSERT OR UPDATE ON reminders_patient
    FOR EACH ROW EXECUTE FUNCTION reminders_patient_reachable_since();

-- The zone moves the patient's doses; the name is in the text of those not sent yet.
CREATE FUNCTION reminders_patient_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reminders_reminderschedule SET needs_scheduling = true, scheduling_problem = '' WHERE patient_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER reminders_patient_zone_changed AFTER UPDATE OF time_zone, name ON reminders_patient
    FOR EACH ROW WHEN ((OLD.time_zone, OLD.name) IS DISTINCT FROM (NEW.time_zone, NEW.name))
    EXECUTE FUNCTION reminders_patient_zone_changed();

CREATE FUNCTION reminders_schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.needs_scheduling := true;
        NEW.active_since := CASE WHEN NEW.is_active THEN {CLOCK_SQL} END;
        RETURN NEW;
    END IF;
    IF (NEW.time_of_day, NEW.weekdays, NEW.start_date, NEW.end_date, NEW.is_active, NEW.patient_id,
        NEW.message_template)
       IS DISTINCT FROM (OLD.time_of_day, OLD.weekdays, OLD.start_date, OLD.end_date, OLD.is_active, OLD.patient_id,
                         OLD.message_template) THEN
        NEW.needs_scheduling := true;
        NEW.scheduling_problem := '';
    END IF;
    NEW.active_since := CASE WHEN NEW.is_active AND NOT OLD.is_active THEN {CLOCK_SQL} ELSE OLD.active_since END;
    RETURN NEW;
END $$;
CREATE TRIGGER reminders_schedule_changed BEFORE INSERT OR UPDATE ON reminders_reminderschedule
    FOR EACH ROW EXECUTE FUNCTION reminders_schedule_changed();
"""

DROP_TRIGGERS = """
DROP TRIGGER reminders_schedule_changed ON reminders_reminderschedule;
DROP FUNCTION reminders_schedule_changed();
DROP TRIGGER reminders_patient_zone_changed ON reminders_patient;
DROP FUNCTION reminders_patient_zone_changed();
DROP TRIGGER reminders_patient_reachable_since ON reminders_patient;
DROP FUNCTION reminders_patient_reachable_since();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0005_message_priority'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SendingPause',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(help_text='What is paused: the Fonnte sender.', max_length=64, unique=True)),
                ('kind', models.CharField(choices=[('DEVICE', 'Device disconnected'), ('ACCOUNT', 'Account refused')], max_length=16)),
                ('reason', models.CharField(max_length=300)),
                ('since', models.DateTimeField()),
                ('probe_at', models.DateTimeField(help_text='When one send is tried again.')),
                ('token_fingerprint', models.CharField(blank=True, max_length=16)),
            ],
            options={
                'verbose_name': 'sending pause',
                'verbose_name_plural': 'sending pauses',
            },
        ),
        migrations.CreateModel(
            name='StaffNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(help_text='Why this person was told.', max_length=32, verbose_name='as')),
                ('channel', models.CharField(choices=[('EMAIL', 'Email')], max_length=16, verbose_name='channel')),
                ('address', models.CharField(max_length=254, verbose_name='address')),
                ('status', models.CharField(choices=[('PENDING', 'Not sent yet'), ('SENT', 'Sent'), ('FAILED', 'Failed')], default='PENDING', max_length=16, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
            ],
            options={
                'verbose_name': 'staff notification',
                'verbose_name_plural': 'staff notifications',
                'ordering': ['created_at'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='reminder',
            name='one_reminder_per_schedule_time',
        ),
        migrations.AddField(
            model_name='message',
            name='send_started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='patient',
            name='reachable_since',
            field=models.DateTimeField(blank=True, editable=False, help_text='When the patient last became verified, active and not opted out.', null=True, verbose_name='receiving reminders since'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='close_reason',
            field=models.CharField(blank=True, db_default='', max_length=200, verbose_name='why closed'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='closed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='closed at'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='local_date',
            field=models.DateField(help_text="The patient's own date of this dose.", null=True, verbose_name='date'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='sent_at',
            field=models.DateTimeField(blank=True, help_text='When the reminder message went out; empty while it has not.', null=True, verbose_name='sent at'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='slot',
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='reminderschedule',
            name='active_since',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='reminderschedule',
            name='needs_scheduling',
            field=models.BooleanField(db_default=True, default=True, editable=False),
        ),
        migrations.AddField(
            model_name='reminderschedule',
            name='next_due_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='next dose at'),
        ),
        migrations.AddField(
            model_name='reminderschedule',
            name='scheduling_problem',
            field=models.TextField(blank=True, db_default='', editable=False, help_text="Why the scheduler could not work out this schedule's doses; empty when all is well.", verbose_name='scheduling problem'),
        ),
        migrations.AddField(
            model_name='schedulerheartbeat',
            name='last_failure',
            field=models.TextField(blank=True, db_default='', help_text='Why the last failed tick failed.'),
        ),
        migrations.AddField(
            model_name='schedulerheartbeat',
            name='last_failure_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='patient',
            name='time_zone',
            field=models.CharField(choices=[('Asia/Jakarta', 'WIB (Asia/Jakarta)'), ('Asia/Makassar', 'WITA (Asia/Makassar)'), ('Asia/Jayapura', 'WIT (Asia/Jayapura)')], default='Asia/Jakarta', max_length=32, validators=[reminders.models.validate_time_zone], verbose_name='time zone'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='confirmation_status',
            field=models.CharField(choices=[('PENDING', 'Pending'), ('CONFIRMED', 'Confirmed'), ('NOT_YET', 'Not yet'), ('MISSED', 'Missed'), ('CANCELLED', 'Cancelled')], default='PENDING', max_length=16, verbose_name='confirmation'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='reply_deadline',
            field=models.DateTimeField(blank=True, help_text='Until when a reply answers this dose; set when it is sent.', null=True),
        ),
        migrations.AlterField(
            model_name='schedulerheartbeat',
            name='last_tick_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddIndex(
            model_name='reminder',
            index=models.Index(condition=models.Q(('confirmation_status__in', ['PENDING', 'NOT_YET'])), fields=['reply_deadline'], name='reminder_open_deadline_idx'),
        ),
        migrations.AddIndex(
            model_name='reminder',
            index=models.Index(condition=models.Q(('confirmation_status__in', ['PENDING', 'NOT_YET']), ('sent_at__isnull', True)), fields=['due_at'], name='reminder_open_unsent_idx'),
        ),
        migrations.AddIndex(
            model_name='reminderschedule',
            index=models.Index(condition=models.Q(('is_active', True), ('needs_scheduling', False)), fields=['next_due_at'], name='schedule_next_due_idx'),
        ),
        migrations.AddIndex(
            model_name='reminderschedule',
            index=models.Index(condition=models.Q(('needs_scheduling', True)), fields=['id'], name='schedule_needs_scheduling_idx'),
        ),
        migrations.AddField(
            model_name='staffnotification',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff_notifications', to='reminders.patient'),
        ),
        migrations.AddField(
            model_name='staffnotification',
            name='recipient',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipient'),
        ),
        migrations.AddField(
            model_name='staffnotification',
            name='reply',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='reminders.patientreply'),
        ),
        migrations.AddIndex(
            model_name='staffnotification',
            index=models.Index(condition=models.Q(('status', 'PENDING')), fields=['created_at'], name='notification_pending_idx'),
        ),
        migrations.RunSQL(TRANSLATE_EXISTING_ROWS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='reminder',
            name='local_date',
            field=models.DateField(help_text="The patient's own date of this dose.", verbose_name='date'),
        ),
        migrations.AddConstraint(
            model_name='reminder',
            constraint=models.UniqueConstraint(fields=('schedule', 'local_date', 'slot'), name='one_dose_per_schedule_day'),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'FOLLOW_UP')), fields=('reminder',), name='one_follow_up_per_reminder'),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
