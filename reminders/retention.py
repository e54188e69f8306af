"""What retention may delete of the reminders app (prima/retention.py does the deleting).

- Outbox messages that ended (sent, delivered, read, failed, cancelled) more than
  RETENTION_MESSAGES_DAYS after they were queued, unless their dose is still open; a staff
  notification that was sent as one keeps its outcome.
- Patient replies older than RETENTION_REPLIES_DAYS, unless a volunteer still has to read one,
  its dose is still open, or a notification about it is not sent yet; its notifications and what
  was recorded as done about it go with it.

Doses (`Reminder`) are never deleted: they are the compliance record and the volunteers'
history, and carry what compliance needs of their message (`sent_at`) and reply
(`confirmed_at`, `confirmation_method`). A message references its dose, not the other way
round, so deleting a message leaves the dose as it was. What the deleted messages counted in
the outbox counters of /metrics is added to `PrunedMessageTally` in the same statement, so
those counters never go down.
"""
from datetime import timedelta

from django.conf import settings
from django.db.models import Sum

from prima.retention import Prunable
from reminders.models import HandlingRecord, Message, PatientReply, PrunedMessageTally, Reminder, StaffNotification

ENDED = [Message.Status.SENT, Message.Status.DELIVERED, Message.Status.READ, Message.Status.FAILED,
         Message.Status.CANCELLED]
TALLY_ID = 1


def _quoted(values: list[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _dose_is_open(table: str) -> str:
    return (f"EXISTS (SELECT 1 FROM {Reminder._meta.db_table} dose WHERE dose.id = {table}.reminder_id"
            f" AND dose.confirmation_status IN ({_quoted(Reminder.OPEN)}))")


def messages() -> Prunable:
    table = Message._meta.db_table
    return Prunable(
        name="messages",
        table=table,
        age_column="created_at",
        keep=timedelta(days=settings.RETENTION_MESSAGES_DAYS),
        condition=f"status IN ({_quoted(ENDED)}) AND NOT {_dose_is_open(table)}",
        # Django's SET_NULL, not the database's: a notification keeps its outcome, not its alert.
        before=f""", unlinked AS (
            UPDATE {StaffNotification._meta.db_table} SET message_id = NULL WHERE message_id IN (SELECT id FROM doomed)
        )""",
        returning="sent_at, status, attempts",
        after=f""", tallied AS (
            INSERT INTO {PrunedMessageTally._meta.db_table} AS tally (id, sent, failed, cancelled, attempts)
            SELECT {TALLY_ID}, count(*) FILTER (WHERE sent_at IS NOT NULL),
                   count(*) FILTER (WHERE status = '{Message.Status.FAILED}'),
                   count(*) FILTER (WHERE status = '{Message.Status.CANCELLED}'), coalesce(sum(attempts), 0)
            FROM gone HAVING count(*) > 0
            ON CONFLICT (id) DO UPDATE SET sent = tally.sent + excluded.sent, failed = tally.failed + excluded.failed,
                cancelled = tally.cancelled + excluded.cancelled, attempts = tally.attempts + excluded.attempts
        )""",
    )


def replies() -> Prunable:
    table = PatientReply._meta.db_table
    notifications, handlings = StaffNotification._meta.db_table, HandlingRecord._meta.db_table
    return Prunable(
        name="replies",
        table=table,
        age_column="received_at",
        keep=timedelta(days=settings.RETENTION_REPLIES_DAYS),
        condition=(
            f"NOT (needs_attention AND handled_at IS NULL) AND NOT {_dose_is_open(table)}"
            f" AND NOT EXISTS (SELECT 1 FROM {notifications} n WHERE n.reply_id = {table}.id"
            f" AND n.status = '{StaffNotification.Status.PENDING}')"
        ),
        # The foreign keys are Django's CASCADE, not the database's: their rows go in the same statement.
        before=(f", notifications AS (DELETE FROM {notifications} WHERE reply_id IN (SELECT id FROM doomed))"
                f", handlings AS (DELETE FROM {handlings} WHERE reply_id IN (SELECT id FROM doomed))"),
    )


def pruned_message_totals() -> dict[str, int]:
    """What retention deleted from the outbox, as the /metrics counters count it."""
    return PrunedMessageTally.objects.aggregate(
        sent=Sum("sent", default=0), failed=Sum("failed", default=0), cancelled=Sum("cancelled", default=0),
        attempts=Sum("attempts", default=0),
    )
