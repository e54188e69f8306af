"""What a volunteer does by hand from the admin, each through the same rules as the sender
and the replies (`Message.refusal`, `Reminder.objects.close`, `reminders.doses.materialise`), and each as
one conditional write where a background process or a patient's reply might change the same
row at the same moment. A refusal is said on the spot, with its reason."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from prima.clock import DatabaseNow, database_now
from ratelimit.services import check as check_rate_limit
from reminders.doses.materialise import Dose, create_doses, next_dose_time, todays_doses
from reminders.models import Message, Patient, Reminder, why_no_caregiver_receives
from reminders.outbox.notifications import settle_alerts

SEND_NOW_LIMIT = "admin_send_now"
MANUAL_METHODS = [
    Reminder.ConfirmationMethod.CALL, Reminder.ConfirmationMethod.VISIT, Reminder.ConfirmationMethod.MESSAGE
]
NOT_SENT = [Message.Status.FAILED, Message.Status.CANCELLED]
# A resend is judged this far ahead: "queued again" a minute before the catch-up limit would
# only be refused at the next run, after the volunteer was told it goes out.
RESEND_MARGIN = timedelta(minutes=5)


def confirm_by_volunteer(reminder: Reminder, user: AbstractBaseUser, method: str, condition: str,
                         follow_up_needed: bool) -> bool:
    """Record that the patient took it, as learnt on a visit, a call or a message.

    Only a dose that needs an update qualifies (sent and unconfirmed, or missed). If the
    patient's reply confirmed it first (it holds the row lock while it does), the dose no
    longer qualifies when the lock is granted, nothing changes and this returns False: the
    reply wins cleanly and is never overwritten.
    """
    if method not in MANUAL_METHODS:
        raise ValueError(f"not a manual confirmation method: {method!r}")
    closed = Reminder.objects.filter(id=reminder.id).needing_update().close(
        Reminder.Confirmation.CONFIRMED, f"confirmed by {user.get_username()}",
        confirmation_method=method, confirmed_at=DatabaseNow(), confirmed_by=user,
        patient_condition=condition, follow_up_needed=follow_up_needed,
    )
    return bool(closed)


@dataclass
class ResendResult:
    queued: int = 0
    refused: list[str] = field(default_factory=list)


def resend(messages: QuerySet, now: datetime | None = None) -> ResendResult:
    """Queue again messages that did not go out (failed or cancelled), as the volunteer asked.

    A reminder message reopens its dose, so the sender sends it instead of cancelling it; the
    sender's own rule (`Message.refusal`) decides on the spot what may not go out, above all a
    dose past the catch-up limit, where a second reminder risks a double dose. The dose is
    locked first and reopened conditionally, so a colleague's confirmation committed a moment
    earlier wins. Each refusal is returned with its reason.
    """
    now = now or database_now()
    result = ResendResult()
    for message_id in messages.filter(status__in=NOT_SENT).values_list("id", flat=True):
        with transaction.atomic():
            refused = _resend_one(message_id, now)
        if refused:
            result.refused.append(refused)
        elif refused is not None:
            result.queued += 1
    return result


def _resend_one(message_id: int, now: datetime) -> str | None:
    """'' when queued again, the refusal when not, None when it changed meanwhile (sent, gone)."""
    message = Message.objects.select_related("patient").filter(id=message_id).first()
    if message is None:
        return None
    if message.reminder_id:  # the dose before its messages, as `close` takes them
        message.reminder = Reminder.objects.select_for_update().get(id=message.reminder_id)
    message = Message.objects.select_for_update().select_related("patient").get(id=message_id)
    if message.status not in NOT_SENT:
        return None
    dose = message.reminder if message.kind == Message.Kind.REMINDER else None
    reopens = dose is not None and dose.sent_at is None and dose.confirmation_status in (
        Reminder.Confirmation.MISSED, Reminder.Confirmation.CANCELLED)
    if reopens:
        dose.confirmation_status = Reminder.Confirmation.PENDING  # as it would be: may it go then?
    refused = message.refusal(now + RESEND_MARGIN)
    if refused:
        return f"{message.patient}: {refused.text}"
    if reopens:
        Reminder.objects.filter(id=dose.id).reopen()
    Message.objects.filter(id=message.id).update(
        status=Message.Status.QUEUED, send_after=DatabaseNow(), attempts=0, end_reason="", last_error="",
        lease_token=None, lease_expires_at=None, send_started_at=None, held_by_pause=False, updated_at=DatabaseNow(),
    )
    return ""


def cancel_reminders(reminders: QuerySet, user: AbstractBaseUser) -> int:
    """Withdraw what these doses still have queued: a dose whose reminder is still queued
    closes as cancelled (one on its way right now is left: the patient is getting it); one
    already sent keeps waiting for the answer, its follow-up withdrawn. Returns the messages
    withdrawn."""
    return cancel_messages(Message.objects.filter(reminder__in=reminders), user)


def cancel_messages(messages: QuerySet, user: AbstractBaseUser) -> int:
    """Withdraw messages still queued; a reminder message withdrawn closes its dose as
    cancelled (through `close`, which takes the dose before its messages), an urgent alert
    to staff its notification as failed. Returns how many."""
    reason = f"cancelled by {user.get_username()}"
    queued = messages.filter(status=Message.Status.QUEUED)
    withdrawn = queued.count()
    with transaction.atomic():
        Reminder.objects.filter(messages__in=queued.filter(kind=Message.Kind.REMINDER)).open().close(
            Reminder.Confirmation.CANCELLED, reason)
        alerts = list(queued.filter(kind=Message.Kind.STAFF_ALERT).values_list("id", flat=True))
        queued.update(status=Message.Status.CANCELLED, end_reason=reason, updated_at=DatabaseNow())
        if alerts:
            settle_alerts(alerts)
    return withdrawn


@dataclass(frozen=True)
class SendNowResult:
    """What "send today's reminders now" did: how many went to the queue, the refusals (a
    resend too late, …), and why each of today's other doses was not queued (already sent,
    later today, nobody can receive it, …), as stored texts (`outcomes.describe` tells them)."""

    queued: int
    refused: list[str] = field(default_factory=list)
    allowed: bool = True
    retry_after: float = 0.0
    not_queued: list[str] = field(default_factory=list)


NOT_ACTIVE = "patient is not active"
NO_SCHEDULE = "no reminder schedule is active"
NONE_TODAY = "no reminder is scheduled today"
LATER_TODAY = "later today: it keeps its time"


def send_todays_reminders_now(patient: Patient, user: AbstractBaseUser) -> SendNowResult:
    """Send now the patient's doses of today whose time has passed and that were not sent:
    the missing ones are created (through the one creation path), the waiting ones brought
    forward, the failed or cancelled ones sent again. Doses later today keep their time. Each
    dose of today not queued says why; a paused patient, nothing goes to anyone.

    Rate-limited per volunteer (`admin_send_now`), so a double click or an impatient
    afternoon cannot flood a patient. A patient no dose of today could reach (paused; not
    verified or opted out, with no schedule for the caregivers) is answered without spending it.
    """
    if not patient.is_active:
        return SendNowResult(queued=0, not_queued=[NOT_ACTIVE])
    now = database_now()
    doses = todays_doses(patient, now)
    if not doses:
        scheduled = patient.schedules.filter(is_active=True).exists()
        return SendNowResult(queued=0, not_queued=[NONE_TODAY if scheduled else NO_SCHEDULE])
    if patient.can_receive_reminders or any(dose.schedule.reminds_caregivers for dose in doses):
        decision = check_rate_limit(SEND_NOW_LIMIT, user.pk)
        if not decision.allowed:
            return SendNowResult(queued=0, allowed=False, retry_after=decision.retry_after)
    queued, refused, not_queued = 0, [], []
    for dose in doses:
        if dose.due_at > now:
            not_queued.append(f"{dose.schedule}: {LATER_TODAY}")
            continue
        existing = Reminder.objects.filter(schedule=dose.schedule, local_date=dose.local_date, slot=dose.slot).first()
        if existing is None:
            if dose.is_too_late(now):
                refused.append(f"{dose.schedule}: {dose.too_late_text()}")
            elif nobody := why_nobody_can_receive(dose):
                not_queued.append(f"{dose.schedule}: {nobody}")
            else:
                queued += create_doses([dose], send_after=now)
            continue
        delivery = existing.messages.filter(kind=Message.Kind.REMINDER)
        brought = delivery.filter(status=Message.Status.QUEUED, send_after__gt=now).update(
            send_after=now, updated_at=DatabaseNow()
        )
        again = resend(delivery, now)
        queued += brought + again.queued
        refused += again.refused
        if not (brought or again.queued or again.refused):
            not_queued.append(f"{dose.schedule}: {why_not_again(existing, delivery)}")
    return SendNowResult(queued=queued, refused=refused, not_queued=not_queued)


def why_nobody_can_receive(dose: Dose) -> str | None:
    """Why a dose not made yet would reach nobody if made now, as stored; None when someone
    would get it: the patient, reachable now (the volunteer sends it, whatever the time they
    came back), or a caregiver who had agreed by its time (the rule `create_doses` applies)."""
    schedule, reasons = dose.schedule, []
    if schedule.reminds_patient:
        problem = schedule.patient.reachability_problem()
        if problem is None:
            return None
        reasons.append(problem[1])
    if schedule.reminds_caregivers:
        caregivers = why_no_caregiver_receives(schedule.patient.caregivers.all(), dose.due_at)
        if not caregivers:
            return None
        reasons += caregivers
    return f"{Reminder.NOBODY_CAN_RECEIVE}: {'; '.join(reasons)}"


def why_not_again(dose: Reminder, delivery: QuerySet) -> str:
    """Why a dose of today already made is not queued again, as stored."""
    statuses = set(delivery.values_list("status", flat=True))
    if dose.sent_at is not None:
        return "already sent"
    if Message.Status.SENDING in statuses:
        return "being sent right now"
    if Message.Status.QUEUED in statuses:
        return "already queued: it goes as soon as sending allows"
    if dose.close_reason.startswith(Reminder.NOBODY_CAN_RECEIVE):
        return f"not sent at its time: {dose.close_reason}"
    return f"reminder is {dose.confirmation_status}"


def next_due_at(patient: Patient, now: datetime) -> datetime | None:
    """When the patient's next dose is due: as the scheduler keeps it, or worked out here for
    a schedule edited since its last tick. None when nothing is due or they get no reminders.
    Reads `patient.schedules.all()`, so a list page can prefetch them."""
    if not patient.can_receive_reminders:
        return None
    upcoming = [
        next_dose_time(schedule, now) if schedule.needs_scheduling else schedule.next_due_at
        for schedule in patient.schedules.all()
        if schedule.is_active
    ]
    return min((due for due in upcoming if due is not None), default=None)
