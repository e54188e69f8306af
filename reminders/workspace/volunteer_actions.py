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
from reminders.doses.materialise import create_doses, next_dose_time, todays_doses
from reminders.models import Message, Patient, Reminder
from reminders.outbox.notifications import settle_alerts

SEND_NOW_LIMIT = "admin_send_now"
MANUAL_METHODS = [
    Reminder.ConfirmationMethod.VISIT, Reminder.ConfirmationMethod.CALL, Reminder.ConfirmationMethod.MESSAGE
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
    queued: int
    refused: list[str] = field(default_factory=list)
    allowed: bool = True
    retry_after: float = 0.0


def send_todays_reminders_now(patient: Patient, user: AbstractBaseUser) -> SendNowResult:
    """Send now the patient's doses of today whose time has passed and that were not sent:
    the missing ones are created (through the one creation path), the waiting ones brought
    forward, the failed or cancelled ones sent again. Doses later today keep their time.

    Rate-limited per volunteer (`admin_send_now`), so a double click or an impatient
    afternoon cannot flood a patient.
    """
    decision = check_rate_limit(SEND_NOW_LIMIT, user.pk)
    if not decision.allowed:
        return SendNowResult(queued=0, allowed=False, retry_after=decision.retry_after)
    now = database_now()
    queued, refused = 0, []
    for dose in todays_doses(patient, now):
        existing = Reminder.objects.filter(schedule=dose.schedule, local_date=dose.local_date).first()
        if existing is None:
            if dose.is_too_late(now):
                refused.append(f"{dose.schedule}: {dose.too_late_text()}")
            else:
                queued += create_doses([dose], send_after=now)
            continue
        delivery = existing.messages.filter(kind=Message.Kind.REMINDER)
        queued += delivery.filter(status=Message.Status.QUEUED, send_after__gt=now).update(
            send_after=now, updated_at=DatabaseNow()
        )
        again = resend(delivery, now)
        queued += again.queued
        refused += again.refused
    return SendNowResult(queued=queued, refused=refused)


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
