"""Applying a patient's reply: under the patient's lock, in one transaction, double-checked.

The caller (webhooks) holds the `patient:{id}` lock, so two replies from one patient are
applied one after the other; inside, the patient and the reminder rows are locked and their
state read again, so a reply never touches a reminder that stopped waiting (confirmed,
missed) or a verification that expired. Every reply that is understood is answered once,
by a queued REPLY message that the outbox sends after the transaction commits.
"""
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reminders.classifier import classify
from reminders.dispatch import enqueue_send
from reminders.models import Message, Patient, PatientReply, Reminder, ReminderSchedule
from reminders.phones import mask_phone
from reminders.services import close_undelivered_reminders

logger = logging.getLogger(__name__)

Intent = PatientReply.Intent
Verification = Patient.Verification
WAITING = [Reminder.Confirmation.PENDING, Reminder.Confirmation.NOT_YET]
URGENT = 1  # Message.priority of the emergency safety reply: first in the queue, past the limits
Handler = Callable[[PatientReply, datetime], str]


def whatsapp_text(template: str, patient: Patient, **context) -> str:
    """A message body from reminders/templates/reminders/whatsapp/<template>.txt."""
    return render_to_string(f"reminders/whatsapp/{template}.txt", {"nama": patient.name, **context}).strip()


def queue_message(patient: Patient, template: str, *, kind: str = Message.Kind.REPLY,
                  reminder: Reminder | None = None, send_after: datetime | None = None, priority: int = 0,
                  **context) -> Message:
    message = Message.objects.create(
        patient=patient,
        reminder=reminder,
        phone=patient.phone,
        body=whatsapp_text(template, patient, **context),
        kind=kind,
        send_after=send_after or timezone.now(),
        max_attempts=settings.SEND_MAX_ATTEMPTS,
        priority=priority,
    )
    enqueue_send(message)
    return message


def _answer(reply: PatientReply, template: str, **kwargs) -> None:
    queue_message(reply.patient, template, reminder=reply.reminder, **kwargs)
    reply.acknowledged = True


def waiting_reminder(patient: Patient, now: datetime, kind: str | None = None) -> Reminder | None:
    """The newest sent reminder still waiting for this patient's answer, locked for update."""
    reminders = Reminder.objects.select_for_update(of=("self",)).select_related("schedule").filter(
        patient=patient, confirmation_status__in=WAITING, reply_deadline__gte=now
    )
    if kind:
        reminders = reminders.filter(schedule__kind=kind)
    return reminders.order_by("-due_at").first()


def _close(reminder: Reminder, now: datetime, **fields) -> None:
    """The patient answered: the reminder is confirmed and its pending follow-up withdrawn."""
    reminder.confirmation_status = Reminder.Confirmation.CONFIRMED
    reminder.confirmation_method = Reminder.ConfirmationMethod.PATIENT_REPLY
    reminder.confirmed_at = reminder.responded_at = now
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder.save(update_fields=["confirmation_status", "confirmation_method", "confirmed_at", "responded_at",
                                 *fields])
    reminder.messages.filter(kind=Message.Kind.FOLLOW_UP, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, end_reason="patient answered", updated_at=Now()
    )


def _reminder_answered_by(reply: PatientReply, now: datetime) -> Reminder | None:
    """The reminder this reply answers; when none waits, the patient is told so."""
    reminder = waiting_reminder(reply.patient, now)
    if reminder is None:
        _answer(reply, "nothing_waiting")
    reply.reminder = reminder
    return reminder


def _confirm(reply: PatientReply, now: datetime) -> str:
    reminder = _reminder_answered_by(reply, now)
    if reminder is None:
        return "no reminder waiting"
    _close(reminder, now)
    _answer(reply, "confirmed")
    return "reminder confirmed"


def _not_yet(reply: PatientReply, now: datetime) -> str:
    reminder = _reminder_answered_by(reply, now)
    if reminder is None:
        return "no reminder waiting"
    delay = timedelta(minutes=settings.FOLLOW_UP_DELAY_MINUTES)
    reminder.confirmation_status = Reminder.Confirmation.NOT_YET
    reminder.responded_at = now
    # The follow-up must be answerable: keep the reminder waiting past it.
    reminder.reply_deadline = max(reminder.reply_deadline, now + delay + timedelta(minutes=settings.REPLY_WINDOW_MINUTES))
    reminder.save(update_fields=["confirmation_status", "responded_at", "reply_deadline"])
    outcome = "reminder not yet taken"
    if not reminder.messages.filter(kind=Message.Kind.FOLLOW_UP).exists():
        original = reminder.messages.filter(kind=Message.Kind.REMINDER).values_list("body", flat=True).first() or ""
        queue_message(reply.patient, "follow_up", kind=Message.Kind.FOLLOW_UP, reminder=reminder,
                      send_after=now + delay, pengingat=original)
        outcome += "; follow-up queued"
    _answer(reply, "not_yet", menit=settings.FOLLOW_UP_DELAY_MINUTES)
    return outcome


APPOINTMENT_ANSWERS = {
    Intent.ATTENDING: (Reminder.AppointmentAnswer.ATTENDING, "appointment_attending"),
    Intent.LATE: (Reminder.AppointmentAnswer.LATE, "appointment_late"),
    Intent.CANCEL: (Reminder.AppointmentAnswer.CANCELLED, "appointment_cancelled"),
}


def _appointment(reply: PatientReply, now: datetime) -> str:
    reminder = waiting_reminder(reply.patient, now, kind=ReminderSchedule.Kind.APPOINTMENT)
    if reminder is None:  # BATAL and friends mean nothing without an appointment waiting
        return _for_volunteers(reply, now)
    answer, template = APPOINTMENT_ANSWERS[reply.intent]
    reply.reminder = reminder
    _close(reminder, now, appointment_answer=answer)
    _answer(reply, template)
    return f"appointment answer recorded: {answer}"


def _opt_out(reply: PatientReply, now: datetime) -> str:
    patient = reply.patient
    if patient.opted_out_at is None:
        patient.opted_out_at, patient.opt_out_method = now, Patient.ConsentMethod.PATIENT_REPLY
        patient.save(update_fields=["opted_out_at", "opt_out_method"])
    cancelled = cancel_queued_messages(patient, "patient opted out")
    _answer(reply, "goodbye")
    return f"opted out; {cancelled} queued message(s) cancelled"


def _opt_in(reply: PatientReply, now: datetime) -> str:
    patient = reply.patient
    if patient.opted_out_at is None:
        _answer(reply, "already_active")
        return "already receiving reminders"
    opt_back_in(patient, Patient.ConsentMethod.PATIENT_REPLY, now)
    _answer(reply, "opted_in")
    return "opted back in"


def _verification(reply: PatientReply, now: datetime) -> str:
    patient = reply.patient
    if patient.verification_status == Verification.EXPIRED or patient.verification_expires_at < now:
        patient.verification_status = Verification.EXPIRED
        patient.save(update_fields=["verification_status"])
        reply.needs_attention = True
        _answer(reply, "verification_expired")
        return "verification had expired; not verified"
    if reply.intent in (Intent.VERIFY_YES, Intent.VERIFY_NO):
        verified = reply.intent == Intent.VERIFY_YES
        patient.verification_status = Verification.VERIFIED if verified else Verification.DECLINED
        patient.verification_answered_at = now
        patient.save(update_fields=["verification_status", "verification_answered_at"])
        reply.needs_attention = not verified  # a volunteer follows up on every refusal
        _answer(reply, "welcome" if verified else "declined")
        return "verified" if verified else "declined verification"
    already_asked = patient.messages.filter(
        kind=Message.Kind.VERIFICATION, created_at__gte=patient.verification_sent_at
    ).count() > 1
    if already_asked:
        reply.needs_attention = True
        return "unclear verification answer; stored for volunteers"
    queue_message(patient, "verification_unclear", kind=Message.Kind.VERIFICATION)
    reply.acknowledged = True
    return "unclear verification answer; asked again"


def _for_volunteers(reply: PatientReply, now: datetime) -> str:
    """Free text: a volunteer reads it; the patient hears from us once per conversation window."""
    reply.needs_attention = True
    window_start = now - timedelta(minutes=settings.FREE_TEXT_ACK_WINDOW_MINUTES)
    if reply.patient.replies.filter(acknowledged=True, intent=Intent.FREE_TEXT, received_at__gte=window_start).exists():
        return "stored for volunteers"
    _answer(reply, "free_text")
    return "stored for volunteers; acknowledged"


def route(patient: Patient, intent: str) -> Handler:
    """Which rule applies: opting out and in always; a verification answer while one is
    awaited; otherwise the answers to reminders; anything else is for volunteers."""
    if intent == Intent.OPT_OUT:
        return _opt_out
    if intent == Intent.OPT_IN:
        return _opt_in
    awaiting_verification = patient.verification_sent_at is not None and patient.verification_status in (
        Verification.PENDING, Verification.EXPIRED
    )
    if awaiting_verification:
        return _verification
    return {
        Intent.CONFIRM: _confirm,
        Intent.NOT_YET: _not_yet,
        Intent.ATTENDING: _appointment,
        Intent.LATE: _appointment,
        Intent.CANCEL: _appointment,
    }.get(intent, _for_volunteers)


def apply_reply(patient: Patient, text: str, received_at: datetime | None = None) -> PatientReply:
    """Record and act on one reply. The caller holds the patient's lock."""
    now = timezone.now()
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(id=patient.id)
        intent = classify(text)
        reply = PatientReply(patient=patient, text=text, intent=intent, received_at=received_at or now)
        reply.outcome = route(patient, intent)(reply, now)
        reply.save()
    return reply


def keep_unapplied_reply(patient: Patient, text: str, reason: str, received_at: datetime | None = None) -> PatientReply:
    """A reply we did not act on is still a patient speaking: a volunteer reads it."""
    return PatientReply.objects.create(
        patient=patient, text=text, intent=classify(text), received_at=received_at or timezone.now(),
        needs_attention=True, outcome=reason,
    )


def handle_emergency(patient: Patient, text: str, received_at: datetime | None = None) -> PatientReply:
    """Answer at once with the emergency numbers, flag it first for volunteers, and email the
    patient's volunteer. No lock, no rate limit, no reminder logic stands in its way."""
    now = timezone.now()
    with transaction.atomic():
        reply = PatientReply.objects.create(
            patient=patient, text=text, intent=Intent.EMERGENCY, received_at=received_at or now,
            needs_attention=True, urgent=True, acknowledged=True, outcome="safety reply queued; volunteer emailed",
        )
        queue_message(patient, "emergency", priority=URGENT)
        transaction.on_commit(lambda: email_volunteer_about_emergency(reply))
    return reply


def email_volunteer_about_emergency(reply: PatientReply) -> None:
    patient = reply.patient
    recipients = [patient.volunteer.email] if patient.volunteer and patient.volunteer.email else []
    recipients = recipients or list(settings.EMERGENCY_EMAIL_FALLBACK)
    if not recipients:
        logger.error("emergency from patient_id=%s but no volunteer email to tell", patient.id)
        return
    context = {
        "patient": patient,
        "reply": reply,
        "masked_phone": mask_phone(patient.phone),
        "admin_url": settings.SITE_URL + reverse("admin:reminders_patientreply_change", args=[reply.id]),
    }
    subject = render_to_string("reminders/email/emergency_subject.txt", context).strip()
    body = render_to_string("reminders/email/emergency_body.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the reply and the flag are stored; a mail outage must not undo them
        logger.exception("could not email the volunteer about emergency reply_id=%s", reply.id)


def cancel_queued_messages(patient: Patient, reason: str) -> int:
    """Withdraw everything still waiting to go to the patient, except our replies to them."""
    queued = patient.messages.filter(status=Message.Status.QUEUED).exclude(kind=Message.Kind.REPLY)
    close_undelivered_reminders(list(queued.filter(kind=Message.Kind.REMINDER).values_list("reminder_id", flat=True)))
    return queued.update(status=Message.Status.CANCELLED, end_reason=reason, updated_at=Now())


def opt_back_in(patient: Patient, method: str, now: datetime) -> None:
    patient.opted_out_at = None
    patient.opted_in_at, patient.opt_in_method = now, method
    patient.save(update_fields=["opted_out_at", "opted_in_at", "opt_in_method"])


def send_verification(patient: Patient) -> Message | None:
    """Ask a PENDING (or, again, an EXPIRED) patient to agree to reminders; None when the
    patient is in neither state. The question expires after VERIFICATION_EXPIRY_HOURS."""
    now = timezone.now()
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(id=patient.id)
        if patient.verification_status not in (Verification.PENDING, Verification.EXPIRED):
            return None
        patient.verification_status = Verification.PENDING
        patient.verification_sent_at = now
        patient.verification_expires_at = now + timedelta(hours=settings.VERIFICATION_EXPIRY_HOURS)
        patient.verification_attempts += 1
        patient.save(update_fields=["verification_status", "verification_sent_at", "verification_expires_at",
                                    "verification_attempts"])
        return queue_message(patient, "verification", kind=Message.Kind.VERIFICATION)


def expire_verifications(now: datetime) -> int:
    """Questions unanswered past their expiry: the patient is EXPIRED, for volunteers to retry."""
    return Patient.objects.filter(
        verification_status=Verification.PENDING, verification_expires_at__lt=now
    ).update(verification_status=Verification.EXPIRED)
