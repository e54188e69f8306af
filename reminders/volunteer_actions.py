"""What a volunteer does by hand from the admin, each as one conditional UPDATE where a
background process or a patient's reply might change the same row at the same moment."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from ratelimit.services import check as check_rate_limit
from reminders.models import Message, Patient, Reminder
from reminders.services import due_times, render_template

SEND_NOW_LIMIT = "admin_send_now"
CONFIRMABLE = [Reminder.Confirmation.PENDING, Reminder.Confirmation.NOT_YET, Reminder.Confirmation.MISSED]
MANUAL_METHODS = [
    Reminder.ConfirmationMethod.VISIT, Reminder.ConfirmationMethod.CALL, Reminder.ConfirmationMethod.MESSAGE
]


def confirm_by_volunteer(reminder: Reminder, user: AbstractBaseUser, method: str, condition: str,
                         follow_up_needed: bool) -> bool:
    """Record that the patient took it, as learnt on a visit, a call or a message.

    One conditional UPDATE: if the patient's reply confirmed the reminder first (it holds the
    row lock while it does), this matches nothing and returns False, so a reply arriving at
    the same moment wins cleanly and is never overwritten. Only sent reminders qualify.
    """
    if method not in MANUAL_METHODS:
        raise ValueError(f"not a manual confirmation method: {method!r}")
    with transaction.atomic():
        confirmed = Reminder.objects.filter(
            id=reminder.id, confirmation_status__in=CONFIRMABLE, reply_deadline__isnull=False
        ).update(
            confirmation_status=Reminder.Confirmation.CONFIRMED,
            confirmation_method=method,
            confirmed_at=Now(),
            confirmed_by=user,
            patient_condition=condition,
            follow_up_needed=follow_up_needed,
        )
        if confirmed:
            Message.objects.filter(reminder_id=reminder.id, status=Message.Status.QUEUED).update(
                status=Message.Status.CANCELLED, end_reason="confirmed by a volunteer", updated_at=Now()
            )
    return bool(confirmed)


def requeue_failed(messages: QuerySet) -> int:
    """Give FAILED messages a fresh start: queued now, attempts reset, reason cleared. The
    sender's double-check still refuses a patient who opted out since."""
    return messages.filter(status=Message.Status.FAILED).update(
        status=Message.Status.QUEUED, send_after=Now(), attempts=0, end_reason="", lease_token=None,
        lease_expires_at=None, updated_at=Now(),
    )


def cancel_reminders(reminders: QuerySet, user: AbstractBaseUser) -> int:
    """Withdraw the queued messages of these reminders; what was sent stays sent."""
    return Message.objects.filter(reminder__in=reminders, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, end_reason=f"cancelled by {user.get_username()}", updated_at=Now()
    )


def note_line(user: AbstractBaseUser, now: datetime, text: str) -> str:
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    return f"[{stamp} {user.get_username()}] {text}"


def set_verification_by_hand(patients: QuerySet, user: AbstractBaseUser, verified: bool, note: str,
                             now: datetime) -> int:
    """Verify (or record a refusal) for patients who answered a volunteer in person; who,
    when and why go into the patient's notes."""
    status = Patient.Verification.VERIFIED if verified else Patient.Verification.DECLINED
    what = _("Verified by hand") if verified else _("Declined by hand")
    line = note_line(user, now, f"{what}: {note}" if note else what)
    changed = 0
    with transaction.atomic():
        for patient in patients.select_for_update():
            patient.verification_status = status
            patient.verification_answered_at = now
            patient.notes = f"{patient.notes}\n{line}".strip()
            patient.save(update_fields=["verification_status", "verification_answered_at", "notes"])
            changed += 1
    return changed


@dataclass(frozen=True)
class SendNowResult:
    queued: int
    allowed: bool = True
    retry_after: float = 0.0


def todays_occurrences(patient: Patient, now: datetime) -> list[tuple]:
    """(schedule, due_at) for every occurrence of the patient's active schedules today, in
    the patient's own time zone."""
    today = now.astimezone(patient.zone).date()
    start = datetime.combine(today, time.min, tzinfo=patient.zone)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    return [
        (schedule, due)
        for schedule in patient.schedules.filter(is_active=True)
        for due in due_times(schedule, start, end)
    ]


def send_todays_reminders_now(patient: Patient, user: AbstractBaseUser, now: datetime) -> SendNowResult:
    """Queue, to go out now, today's occurrences of the patient's schedules not sent yet.

    Rate-limited per volunteer (`admin_send_now`), so a double click or an impatient
    afternoon cannot flood a patient. The unique (schedule, due_at) keeps the scheduler from
    queueing the same occurrence again later.
    """
    decision = check_rate_limit(SEND_NOW_LIMIT, user.pk)
    if not decision.allowed:
        return SendNowResult(queued=0, allowed=False, retry_after=decision.retry_after)
    queued = 0
    for schedule, due in todays_occurrences(patient, now):
        with transaction.atomic():
            reminder, _created = Reminder.objects.get_or_create(
                schedule=schedule, due_at=due, defaults={"patient": patient}
            )
            body = render_template(schedule.message_template, nama=patient.name,
                                   waktu=f"{due.astimezone(patient.zone):%H:%M}")
            message, created = Message.objects.get_or_create(
                reminder=reminder, kind=Message.Kind.REMINDER,
                defaults={"patient": patient, "phone": patient.phone, "body": body, "send_after": now,
                          "max_attempts": settings.SEND_MAX_ATTEMPTS},
            )
            if created:
                queued += 1
            else:
                queued += Message.objects.filter(
                    id=message.id, status=Message.Status.QUEUED, send_after__gt=now
                ).update(send_after=now, updated_at=Now())
    return SendNowResult(queued=queued)


def next_due_at(patient: Patient, now: datetime, horizon_days: int = 8) -> datetime | None:
    """When the patient's next reminder is due, from their schedules (reminders are only
    created when due); None when nothing is due within the horizon or they get no reminders.
    Reads `patient.schedules.all()`, so a list page can prefetch them."""
    if not patient.can_receive_reminders:
        return None
    until = now + timedelta(days=horizon_days)
    upcoming = [
        due
        for schedule in patient.schedules.all()
        if schedule.is_active
        for due in due_times(schedule, now, until)[:1]
    ]
    return min(upcoming, default=None)
