"""What a volunteer does by hand from the admin, each through the same rules as the sender
and the replies (`Message.refusal`, `Reminder.objects.close`, `reminders.doses`), and each as
one conditional write where a background process or a patient's reply might change the same
row at the same moment. A refusal is said on the spot, with its reason."""
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from prima.clock import DatabaseNow, database_now
from ratelimit.services import check as check_rate_limit
from reminders.doses import catch_up_start, create_doses, next_dose_time, todays_doses
from reminders.models import Message, Patient, Reminder
from reminders.sending import end_message

SEND_NOW_LIMIT = "admin_send_now"
MANUAL_METHODS = [
    Reminder.ConfirmationMethod.VISIT, Reminder.ConfirmationMethod.CALL, Reminder.ConfirmationMethod.MESSAGE
]
NOT_SENT = [Message.Status.FAILED, Message.Status.CANCELLED]


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
    dose past the catch-up limit, where a second reminder risks a double dose. Each refusal
    is returned with its reason.
    """
    now = now or database_now()
    result = ResendResult()
    with transaction.atomic():
        for message in messages.filter(status__in=NOT_SENT).select_related("patient", "reminder").select_for_update(
            of=("self",)
        ):
            dose = message.reminder if message.kind == Message.Kind.REMINDER else None
            reopens = dose is not None and dose.confirmation_status in Reminder.CLOSED and dose.sent_at is None \
                and dose.confirmation_status != Reminder.Confirmation.CONFIRMED
            if reopens:
                dose.confirmation_status = Reminder.Confirmation.PENDING
            refused = message.refusal(now)
            if refused:
                result.refused.append(f"{message.patient}: {refused.text}")
                continue
            if reopens:
                Reminder.objects.filter(id=dose.id).update(
                    confirmation_status=Reminder.Confirmation.PENDING, closed_at=None, close_reason=""
                )
            Message.objects.filter(id=message.id).update(
                status=Message.Status.QUEUED, send_after=DatabaseNow(), attempts=0, end_reason="", last_error="",
                lease_token=None, lease_expires_at=None, send_started_at=None, updated_at=DatabaseNow(),
            )
            result.queued += 1
    return result


def cancel_reminders(reminders: QuerySet, user: AbstractBaseUser) -> int:
    """Withdraw what these doses still have queued: a dose not sent yet closes as cancelled;
    one already sent keeps waiting for the patient's answer (its follow-up is withdrawn).
    Returns the messages withdrawn."""
    reason = f"cancelled by {user.get_username()}"
    queued = Message.objects.filter(reminder__in=reminders, status=Message.Status.QUEUED)
    count = queued.count()
    with transaction.atomic():
        reminders.open().filter(sent_at__isnull=True).close(Reminder.Confirmation.CANCELLED, reason)
        queued.update(status=Message.Status.CANCELLED, end_reason=reason, updated_at=DatabaseNow())
    return count


def cancel_messages(messages: QuerySet, user: AbstractBaseUser) -> int:
    """Withdraw messages still queued; a reminder message withdrawn closes its dose as
    cancelled. Returns how many were withdrawn."""
    reason = f"cancelled by {user.get_username()}"
    cancelled = 0
    with transaction.atomic():
        for message in messages.filter(status=Message.Status.QUEUED).select_for_update(of=("self",)):
            end_message(message, Message.Status.CANCELLED, reason, Reminder.Confirmation.CANCELLED)
            cancelled += 1
    return cancelled


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
            if dose.due_at < catch_up_start(now):
                refused.append(f"{dose.schedule}: too late: due {dose.due_at.astimezone(patient.zone):%H:%M}")
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
