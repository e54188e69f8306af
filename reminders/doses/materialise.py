"""Turning schedules into doses: the one path by which a Reminder and its message are made.

A dose is (schedule, the patient's local date, slot). The tick keeps each schedule's
`next_due_at` (the next dose not yet made) and, when it comes due, creates that dose,
unless the patient could not receive it at that moment or it is too late to send it. An
edited schedule (or time zone) is worked out again: the doses not yet sent move to the new
time, and a dose already sent or answered is never made again (docs/doses.md).
"""
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Prefetch, Q, QuerySet

from prima.clock import CLOCK_SQL, DatabaseNow
from reminders.models import Message, Patient, Reminder, ReminderSchedule, catch_up_start, too_late_text
from reminders.templating import indonesian_date, render_template

logger = logging.getLogger(__name__)

# Schedules handled per transaction: the tick holds their row locks until it commits.
BATCH = 500
# Seconds a tick spends at most working out edited schedules (about 20,000 here).
SCHEDULING_SECONDS_PER_TICK = 10.0
# How far ahead the next dose is looked for: past it, a schedule has no more doses.
HORIZON_DAYS = 366


@dataclass(frozen=True)
class Dose:
    """One dose to create: the schedule, its local date, when it is due; and, for a dose
    nobody can receive, why (it is recorded closed, with no message)."""

    schedule: ReminderSchedule
    local_date: date
    due_at: datetime
    nobody_because: str | None = None
    slot: int = 0

    def is_too_late(self, now: datetime) -> bool:
        return self.due_at < catch_up_start(now)

    def too_late_text(self) -> str:
        return too_late_text(self.due_at, self.schedule.patient.zone)


def next_dose_time(schedule: ReminderSchedule, earliest: datetime,
                   taken: set[tuple[date, int]] = frozenset()) -> datetime | None:
    """The first dose due at or after `earliest` that was not made yet (`taken`: its date and
    slot), or None. An appointment's reminder may come days before it, so once one is found the
    following days are looked at too, as far as the longest offset reaches."""
    day = max(earliest.astimezone(schedule.patient.zone).date(), schedule.first_day)
    found, stop = None, None
    for _ in range(HORIZON_DAYS):
        if (schedule.last_day and day > schedule.last_day) or (stop and day > stop):
            break
        for slot in schedule.reminder_offsets:
            due = schedule.dose_time(day, slot)
            if due is not None and due >= earliest and (day, slot) not in taken and (found is None or due < found):
                found, stop = due, stop or day + timedelta(days=schedule.days_ahead)
        day += timedelta(days=1)
    return found


def dose_body(schedule: ReminderSchedule, local_date: date) -> str:
    """The reminder's text: the schedule's template with the patient's name, and the time and
    date of the dose (an appointment's own, not when its reminder goes)."""
    event = schedule.event_time(local_date)
    return render_template(schedule.message_template, nama=schedule.patient.name, waktu=f"{event:%H:%M}",
                           tanggal=indonesian_date(event.date()))


_CREATE_SQL = f"""
WITH candidate AS (
    SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::int[], %s::timestamptz[], %s::text[],
                         %s::timestamptz[], %s::text[])
        AS c(schedule_id, patient_id, local_date, slot, due_at, body, send_after, nobody_because)
    -- An appointment the patient has answered (HADIR, TERLAMBAT, BATAL) is not asked about again.
    WHERE NOT EXISTS (SELECT 1 FROM reminders_reminder answered
                      WHERE answered.schedule_id = c.schedule_id AND answered.local_date = c.local_date
                        AND answered.appointment_answer <> '')
), new_reminder AS (
    -- A dose nobody can receive is recorded all the same, closed with the reason, with no message.
    INSERT INTO reminders_reminder
        (schedule_id, patient_id, local_date, slot, due_at, confirmation_status, confirmation_method,
         appointment_answer, closed_at, close_reason, created_at)
    SELECT schedule_id, patient_id, local_date, slot, due_at,
           CASE WHEN nobody_because IS NULL THEN 'PENDING' ELSE 'CANCELLED' END, '', '',
           CASE WHEN nobody_because IS NULL THEN NULL ELSE {CLOCK_SQL} END, coalesce(nobody_because, ''), {CLOCK_SQL}
    FROM candidate
    ON CONFLICT (schedule_id, local_date, slot) DO NOTHING
    RETURNING id, schedule_id, local_date, slot
), dose AS (
    SELECT r.id AS reminder_id, c.*, s.recipients
    FROM new_reminder r JOIN candidate c USING (schedule_id, local_date, slot)
    JOIN reminders_reminderschedule s ON s.id = c.schedule_id
    WHERE c.nobody_because IS NULL
), recipient AS (
    -- One per phone: a number that is the patient's own and a caregiver's too gets the
    -- patient's; of caregiver rows sharing one, the oldest's.
    SELECT DISTINCT ON (reminder_id, phone) * FROM (
        SELECT d.reminder_id, d.patient_id, NULL::bigint AS caregiver_id, p.phone, d.body, d.send_after
        FROM dose d JOIN reminders_patient p ON p.id = d.patient_id
        WHERE d.recipients <> 'CAREGIVERS'
        UNION ALL
        SELECT d.reminder_id, d.patient_id, g.id, g.phone, d.body, d.send_after
        FROM dose d JOIN reminders_caregiver g ON g.patient_id = d.patient_id
        WHERE d.recipients <> 'PATIENT' AND g.is_active AND g.opted_out_at IS NULL AND g.consented_at <= d.due_at
    ) AS everyone
    ORDER BY reminder_id, phone, caregiver_id NULLS FIRST
), new_message AS (
    INSERT INTO reminders_message
        (patient_id, reminder_id, caregiver_id, phone, body, kind, status, send_after, attempts, max_attempts,
         last_error, end_reason, provider_message_id, created_at, updated_at)
    SELECT patient_id, reminder_id, caregiver_id, phone, body, 'REMINDER', 'QUEUED', send_after, 0, %s, '', '', '',
           {CLOCK_SQL}, {CLOCK_SQL}
    FROM recipient
    RETURNING id, caregiver_id
)
SELECT (SELECT count(*) FROM new_reminder),
       (SELECT coalesce(array_agg(id), '{{}}') FROM new_message WHERE caregiver_id IS NOT NULL)
"""


def create_doses(doses: list[Dose], send_after: datetime | None = None) -> int:
    """Create each dose's Reminder and its queued reminder Messages, once, in one statement:
    one to the patient and one to each caregiver who has agreed, as the schedule's recipients say,
    and never two to one phone (a caregiver typed in with the patient's own number). A dose
    nobody can receive (`Dose.nobody_because`) is made closed, with its reason and no message:
    the day has its dose, and the volunteer sees why it went to nobody.

    The dose identity decides which caller creates a dose (many may try at once), and only
    that caller queues its messages, for the reminder it just inserted. Any other path that
    tried a second reminder message for a dose and recipient would be refused by
    `one_delivery_per_recipient` (an IntegrityError, never a send). A caregiver's first message
    introduces PRIMA (`introduce_caregivers`). Returns doses created.
    """
    if not doses:
        return 0
    columns = [
        [dose.schedule.id for dose in doses],
        [dose.schedule.patient_id for dose in doses],
        [dose.local_date for dose in doses],
        [dose.slot for dose in doses],
        [dose.due_at for dose in doses],
        [dose_body(dose.schedule, dose.local_date) for dose in doses],
        [send_after or dose.due_at for dose in doses],
        [dose.nobody_because for dose in doses],
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CREATE_SQL, [*columns, settings.SEND_MAX_ATTEMPTS])
        reminders, to_caregivers = cursor.fetchone()
        Message.objects.filter(id__in=to_caregivers).introduce_caregivers()
    if reminders:
        logger.info("created doses count=%d", reminders)
    return reminders


def _locked(schedules: QuerySet) -> list[ReminderSchedule]:
    """A batch of schedules, locked until the caller's transaction ends; rows a volunteer is
    saving right now are left for the next tick."""
    return list(schedules.select_related("patient").prefetch_related("patient__caregivers")
                .select_for_update(of=("self",), skip_locked=True)[:BATCH])


def _record_problem(schedule: ReminderSchedule, error: Exception) -> None:
    problem = f"{error.__class__.__name__}: {error}"[:500]
    logger.error("schedule_id=%s patient_id=%s cannot be scheduled: %s", schedule.id, schedule.patient_id, problem)
    ReminderSchedule.objects.filter(id=schedule.id).update(
        needs_scheduling=False, next_due_at=None, scheduling_problem=problem
    )


SCHEDULE_CHANGED = "schedule changed"
# Between two doses of one schedule, whatever an edit does: moving 23:30 to 00:15 after the
# 23:30 reminder went out must not remind the patient again 45 minutes later.
MIN_GAP_BETWEEN_DOSES = timedelta(hours=12)


@dataclass
class DoseHistory:
    """What rescheduling a batch of schedules needs from their doses, read in three queries for
    the whole batch (not three per schedule): the doses not sent yet that may move, when each
    schedule's last reminder went out, and the days that already have a dose."""

    waiting: dict[int, list[Reminder]]
    last_sent: dict[int, datetime]
    taken: dict[int, set[tuple[date, int]]]

    @classmethod
    def of(cls, schedules: list[ReminderSchedule], now: datetime) -> "DoseHistory":
        doses = Reminder.objects.filter(schedule_id__in=[schedule.id for schedule in schedules])
        reminder_messages = Prefetch("messages", Message.objects.filter(kind=Message.Kind.REMINDER),
                                     to_attr="reminder_messages")
        moving = doses.filter(sent_at__isnull=True, local_date__gte=now.date() - timedelta(days=2)).filter(
            Q(confirmation_status=Reminder.Confirmation.PENDING)
            | Q(confirmation_status=Reminder.Confirmation.CANCELLED, close_reason=SCHEDULE_CHANGED)
        ).prefetch_related(reminder_messages)
        waiting: dict[int, list[Reminder]] = {}
        for dose in moving.order_by("local_date"):
            waiting.setdefault(dose.schedule_id, []).append(dose)
        last_sent = dict(doses.filter(sent_at__isnull=False).values("schedule_id").annotate(last=Max("sent_at"))
                         .values_list("schedule_id", "last"))
        taken: dict[int, set[tuple[date, int]]] = {}
        since = catch_up_start(now).date() - timedelta(days=2)
        for schedule_id, *dose in doses.filter(local_date__gte=since).values_list("schedule_id", "local_date", "slot"):
            taken.setdefault(schedule_id, set()).add(tuple(dose))
        return cls(waiting=waiting, last_sent=last_sent, taken=taken)


def _move_unsent_doses(schedule: ReminderSchedule, now: datetime, waiting: list[Reminder]) -> None:
    """Doses made but not sent yet follow the schedule: to the new time and text, withdrawn
    when the schedule no longer has their day, and back when it has it again (a weekday
    removed by mistake and put back the same morning). One on its way is left alone."""
    recent = now.astimezone(schedule.patient.zone).date() - timedelta(days=1)
    for dose in waiting:
        message = dose.reminder_messages[0] if dose.reminder_messages else None
        if dose.local_date < recent or message is None or message.status not in (
            Message.Status.QUEUED, Message.Status.CANCELLED
        ):
            continue
        due = schedule.dose_time(dose.local_date, dose.slot) if schedule.is_active else None
        if due is None:
            if dose.is_open:
                Reminder.objects.filter(id=dose.id).close(Reminder.Confirmation.CANCELLED, SCHEDULE_CHANGED)
            continue
        if not dose.is_open and (due < catch_up_start(now) or message.end_reason != SCHEDULE_CHANGED):
            continue
        # Each delivery (the patient's, each caregiver's) follows, unless withdrawn for its own
        # reason (an opt-out), and only as it was read: one a worker claimed since (the batch
        # was read unlocked) is on its way, and is left alone.
        moved = []
        for delivery in dose.reminder_messages:
            if delivery.status == Message.Status.QUEUED or delivery.end_reason == SCHEDULE_CHANGED:
                if Message.objects.filter(id=delivery.id, status=delivery.status).update(
                    status=Message.Status.QUEUED, end_reason="", send_after=max(due, now),
                    body=dose_body(schedule, dose.local_date), held_by_pause=False, last_error="",
                    updated_at=DatabaseNow(),
                ):
                    moved.append(delivery.id)
        if not moved:
            continue
        Message.objects.filter(id__in=moved).introduce_caregivers()  # the new text, introduced as before
        if not dose.is_open:
            Reminder.objects.filter(id=dose.id).reopen()
        Reminder.objects.filter(id=dose.id, sent_at__isnull=True).update(due_at=due)


def reschedule(schedule: ReminderSchedule, now: datetime, history: DoseHistory) -> datetime | None:
    """Bring an edited schedule's doses in line with it, then work out its next dose: the
    first at or after the catch-up start, after the schedule became active, at least
    MIN_GAP_BETWEEN_DOSES after its last reminder went out (a repeating schedule's: an
    appointment moved to another day is news), that was not made yet. The caller holds the
    schedule's row lock."""
    waiting = history.waiting.get(schedule.id, [])
    if waiting:
        with transaction.atomic():  # a savepoint: a failed move undoes this schedule's moves only
            _move_unsent_doses(schedule, now, waiting)
    if not schedule.is_active:
        return None
    earliest = max(catch_up_start(now), schedule.active_since or schedule.created_at)
    last_sent = history.last_sent.get(schedule.id)
    if last_sent is not None and schedule.appointment_date is None:
        earliest = max(earliest, last_sent + MIN_GAP_BETWEEN_DOSES)
    since = earliest.date() - timedelta(days=1)
    return next_dose_time(schedule, earliest, {dose for dose in history.taken.get(schedule.id, ()) if dose[0] >= since})


def schedule_edited(now: datetime, budget: float = SCHEDULING_SECONDS_PER_TICK) -> Counter:
    """Step one of a tick: work out again the schedules edited since the last tick, a batch
    at a time: its doses read together, its schedules' next doses written in one statement.
    No new batch starts after `budget` seconds: the rest is the next tick's, so a large import
    does not hold up the sending that follows the tick."""
    stats: Counter = Counter()
    stop_at = time.monotonic() + budget
    while True:
        with transaction.atomic():
            batch = _locked(ReminderSchedule.objects.needing_scheduling().order_by("id"))
            history = DoseHistory.of(batch, now)
            scheduled = []
            for schedule in batch:
                try:
                    schedule.next_due_at = reschedule(schedule, now, history)
                except Exception as exc:  # one bad row must not stop everyone else's reminders
                    _record_problem(schedule, exc)
                    stats["schedule_problems"] += 1
                    continue
                schedule.needs_scheduling, schedule.scheduling_problem = False, ""
                scheduled.append(schedule)
            ReminderSchedule.objects.bulk_update(scheduled, ["next_due_at", "needs_scheduling", "scheduling_problem"])
            stats["rescheduled"] += len(scheduled)
        if len(batch) < BATCH or time.monotonic() >= stop_at:
            return stats


def _doses_due(schedule: ReminderSchedule, now: datetime, stats: Counter) -> tuple[list[Dose], datetime | None]:
    """The doses of `schedule` due by `now` that must be created, and its next dose after them.
    A dose too late to send, or that nobody was meant to get at its time (the patient paused,
    opted out, not verified), is passed over; one meant for someone who could not receive it
    (caregivers only, none of them able) is made closed, with the reason."""
    doses, due = [], schedule.next_due_at
    while due is not None and due <= now:
        for local_date, slot in schedule.doses_due_at(due):
            if due < catch_up_start(now):  # our outage outlasted the catch-up window
                stats["skipped_too_late"] += 1
            elif schedule.has_recipient_at(due):
                doses.append(Dose(schedule, local_date, due, slot=slot))
            elif nobody_because := schedule.why_nobody_receives_at(due):
                doses.append(Dose(schedule, local_date, due, nobody_because, slot=slot))
            else:
                stats["skipped_not_reachable"] += 1
        due = next_dose_time(schedule, due + timedelta(minutes=1))
    return doses, due


def create_due_doses(now: datetime) -> Counter:
    """Step two of a tick: create the doses that came due, and move each schedule's
    `next_due_at` on. Reads only the schedules with a dose due (an index), so its cost
    follows the doses, not the number of schedules."""
    stats: Counter = Counter()
    while True:
        with transaction.atomic():
            batch = _locked(ReminderSchedule.objects.due(now).order_by("next_due_at"))
            doses, advanced = [], []
            for schedule in batch:
                try:
                    found, schedule.next_due_at = _doses_due(schedule, now, stats)
                except Exception as exc:
                    _record_problem(schedule, exc)
                    stats["schedule_problems"] += 1
                    continue
                doses.extend(found)
                advanced.append(schedule)
            stats["materialised"] += create_doses([dose for dose in doses if dose.nobody_because is None])
            stats["nobody_can_receive"] += create_doses([dose for dose in doses if dose.nobody_because is not None])
            ReminderSchedule.objects.bulk_update(advanced, ["next_due_at"])
        if len(batch) < BATCH:
            return stats


def close_overdue_doses(now: datetime) -> int:
    """Close open doses past their time as MISSED: unanswered in the reply window, or never
    sent before the catch-up limit (the device was down, the queue too long)."""
    overdue = Reminder.objects.overdue(now)
    unanswered = overdue.filter(sent_at__isnull=False).close(Reminder.Confirmation.MISSED, "no answer in time")
    unsent = overdue.filter(sent_at__isnull=True).exclude(
        messages__kind=Message.Kind.REMINDER, messages__status=Message.Status.SENDING
    ).close(Reminder.Confirmation.MISSED, "not sent in time")
    return len(unanswered) + len(unsent)


def todays_doses(patient: Patient, now: datetime) -> list[Dose]:
    """The doses of the patient's active schedules due on the patient's today (by now or later;
    an appointment's reminder of tomorrow's appointment too), with the caregivers read once."""
    today = now.astimezone(patient.zone).date()
    doses = []
    schedules = patient.schedules.filter(is_active=True).select_related("patient").prefetch_related(
        "patient__caregivers")
    for schedule in schedules:
        for ahead in range(schedule.days_ahead + 1):
            day = today + timedelta(days=ahead)
            for slot in schedule.reminder_offsets:
                due = schedule.dose_time(day, slot)
                if due is not None and due.astimezone(patient.zone).date() == today:
                    doses.append(Dose(schedule, day, due, slot=slot))
    return doses
