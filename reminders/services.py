"""Reminder flows that span models: turning schedules into due reminders, closing them."""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reminders.models import Message, Patient, Reminder, ReminderSchedule

logger = logging.getLogger(__name__)


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_template(template: str, **values: str) -> str:
    """Fill `{nama}`-style placeholders; an unknown one is left as written, never a crash."""
    try:
        return template.format_map(_KeepUnknown(values))
    except Exception:  # stray braces or "{obat.nama}" a volunteer typed: send the text as written
        return template


def due_times(schedule: ReminderSchedule, start: datetime, end: datetime) -> list[datetime]:
    """The schedule's occurrences in [start, end], in the patient's own time zone."""
    zone = schedule.patient.zone
    first_day = max(schedule.start_date, start.astimezone(zone).date())
    last_day = end.astimezone(zone).date()
    if schedule.end_date:
        last_day = min(last_day, schedule.end_date)
    times = []
    day = first_day
    while day <= last_day:
        if day.weekday() in schedule.weekdays:
            due = datetime.combine(day, schedule.time_of_day, tzinfo=zone)
            if start <= due <= end:
                times.append(due)
        day += timedelta(days=1)
    return times


_MATERIALISE_SQL = """
WITH candidate AS (
    SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::text[], %s::text[])
        AS c(schedule_id, patient_id, due_at, phone, body)
), new_reminder AS (
    INSERT INTO reminders_reminder
        (schedule_id, patient_id, due_at, confirmation_status, confirmation_method, appointment_answer, created_at)
    SELECT schedule_id, patient_id, due_at, 'PENDING', '', '', now() FROM candidate
    ON CONFLICT (schedule_id, due_at) DO NOTHING
    RETURNING id, schedule_id, due_at
)
INSERT INTO reminders_message
    (patient_id, reminder_id, phone, body, kind, status, send_after, attempts, max_attempts,
     last_error, end_reason, provider_message_id, created_at, updated_at)
SELECT c.patient_id, r.id, c.phone, c.body, 'REMINDER', 'QUEUED', r.due_at, 0, %s, '', '', '', now(), now()
FROM new_reminder r JOIN candidate c USING (schedule_id, due_at)
"""


def due_occurrences(until: datetime) -> list[tuple[int, int, datetime, str, str]]:
    """(schedule id, patient id, due_at, phone, body) for every occurrence due by `until`
    within the catch-up window, whether or not it was materialised already."""
    start = until - timedelta(minutes=settings.REMINDER_CATCH_UP_MINUTES)
    schedules = (
        ReminderSchedule.objects.filter(is_active=True, patient__in=Patient.objects.reachable())
        .exclude(end_date__lt=(start - timedelta(days=1)).date())
        .filter(start_date__lte=(until + timedelta(days=1)).date())
        .select_related("patient")
    )
    rows = []
    for schedule in schedules.iterator(chunk_size=2000):
        patient = schedule.patient
        # Never remind of an occurrence from before the schedule existed.
        for due in due_times(schedule, max(start, schedule.created_at), until):
            body = render_template(
                schedule.message_template, nama=patient.name, waktu=f"{due.astimezone(patient.zone):%H:%M}"
            )
            rows.append((schedule.id, patient.id, due, patient.phone, body))
    return rows


def materialise_due_reminders(until: datetime) -> int:
    """Create each due occurrence's Reminder and its queued Message, once.

    Safe from many processes at once: the unique (schedule, due_at) decides, in one
    statement, which process creates a reminder, and only that process queues its
    message. Occurrences older than the catch-up window are not sent late.
    Returns how many reminders this call created.
    """
    rows = due_occurrences(until)
    if not rows:
        return 0
    columns = [list(column) for column in zip(*rows, strict=False)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_MATERIALISE_SQL, [*columns, settings.SEND_MAX_ATTEMPTS])
        created = cursor.rowcount
    if created:
        logger.info("materialised reminders count=%d", created)
    return created


@dataclass(frozen=True)
class DueWork:
    occurrences: int
    messages: int


def count_due_work() -> DueWork:
    """What a send run would do now, without doing it (`send_reminders --dry-run`)."""
    now = timezone.now()
    rows = due_occurrences(now)
    existing = Reminder.objects.filter(
        schedule_id__in={row[0] for row in rows}, due_at__gte=min((row[2] for row in rows), default=now)
    ).values_list("schedule_id", "due_at")
    new = {(row[0], row[2]) for row in rows} - set(existing)
    messages = Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=now).count()
    return DueWork(occurrences=len(new), messages=messages)


def mark_missed_reminders(now: datetime) -> int:
    """Close reminders whose reply window passed without an answer."""
    return Reminder.objects.filter(
        confirmation_status__in=[Reminder.Confirmation.PENDING, Reminder.Confirmation.NOT_YET],
        reply_deadline__lt=now,
    ).update(confirmation_status=Reminder.Confirmation.MISSED)


def reply_deadline_after(sent_at: datetime) -> datetime:
    return sent_at + timedelta(minutes=settings.REPLY_WINDOW_MINUTES)


def close_undelivered_reminders(reminder_ids: list[int]) -> int:
    """A reminder whose message will never go out (failed, cancelled, too late) cannot be
    answered: its reply window closes now, so the next tick marks it MISSED and volunteers
    see it, instead of it waiting PENDING forever."""
    return Reminder.objects.filter(
        id__in=reminder_ids, confirmation_status=Reminder.Confirmation.PENDING, reply_deadline__isnull=True
    ).update(reply_deadline=timezone.now())
