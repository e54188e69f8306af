"""Escalations say who was told only after the WhatsApp went out (issue 27).

`coordinators_told_at` used to be written when PRIMA decided to pass an escalation on, even when
no coordinator had a number: that moment is now `passed_on_at`, and `coordinators_told_at` (like
the new `volunteer_told_at`) is the moment a coordinator's alert was sent. Each alert already
queued gets its `StaffNotification`, settled from its message as `settle_alerts` settles it: the
first alert of an escalation that named a volunteer was the volunteer's (raised with it), the
others the coordinators'."""
from django.db import migrations

FORWARD = """
UPDATE reminders_escalation SET passed_on_at = coordinators_told_at, coordinators_told_at = NULL;

INSERT INTO reminders_staffnotification
       (patient_id, escalation_id, recipient_id, role, channel, address, message_id, status, attempts, error,
        created_at, tried_at, sent_at)
SELECT m.patient_id, e.id,
       (SELECT p.user_id FROM reminders_staffprofile p WHERE p.phone = m.phone
         ORDER BY p.user_id IS NOT DISTINCT FROM e.volunteer_id DESC, p.user_id LIMIT 1),
       CASE WHEN e.volunteer_id IS NOT NULL AND m.id = (SELECT min(first.id) FROM reminders_message first
                                                         WHERE first.escalation_id = e.id AND first.kind = 'ESCALATION')
            THEN 'volunteer' ELSE 'coordinator' END,
       'WHATSAPP', m.phone, m.id,
       CASE WHEN m.status IN ('FAILED', 'CANCELLED') THEN 'FAILED'
            WHEN m.status IN ('QUEUED', 'SENDING') THEN 'PENDING' ELSE 'SENT' END,
       m.attempts,
       CASE WHEN m.status IN ('FAILED', 'CANCELLED') THEN coalesce(nullif(m.end_reason, ''), m.last_error) ELSE '' END,
       m.created_at, NULL, m.sent_at
  FROM reminders_message m JOIN reminders_escalation e ON e.id = m.escalation_id
 WHERE m.kind = 'ESCALATION';

UPDATE reminders_escalation e
   SET volunteer_told_at = told.volunteer, coordinators_told_at = told.coordinators
  FROM (SELECT escalation_id,
               min(sent_at) FILTER (WHERE role = 'volunteer') AS volunteer,
               min(sent_at) FILTER (WHERE role = 'coordinator') AS coordinators
          FROM reminders_staffnotification
         WHERE escalation_id IS NOT NULL AND status = 'SENT'
         GROUP BY escalation_id) AS told
 WHERE told.escalation_id = e.id;
"""

BACKWARD = """
UPDATE reminders_escalation SET coordinators_told_at = passed_on_at;
DELETE FROM reminders_staffnotification WHERE escalation_id IS NOT NULL;
"""


class Migration(migrations.Migration):
    """A migration of its own: the foreign key and index 0027 adds are created at its end, which
    PostgreSQL refuses after rows were written in the same transaction."""

    dependencies = [
        ("reminders", "0027_told_after_the_fact"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
