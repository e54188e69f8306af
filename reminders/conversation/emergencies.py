"""A patient who writes an emergency: answered at once with the emergency numbers, flagged
first for volunteers, and staff notified. No rate limit, no patient lock, no dose logic
stands in its way. Every emergency is stored and flagged; the answer and the notifications
go out at most once per patient per EMERGENCY_ANSWER_WINDOW_MINUTES, so twelve texts (or a
forged flood) make one answer and one alert, not twelve."""
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from reminders.conversation.check_ins import record_emergency
from reminders.models import Caregiver, Patient, PatientReply
from reminders.outbox.notifications import notify_staff, patient_told_text
from reminders.outbox.queue import URGENT, queue_message


def handle_emergency(patient: Patient, text: str, received_at: datetime, arrived_at: datetime | None = None,
                     caregiver: Caregiver | None = None, answer: bool = True) -> PatientReply:
    """Store, notify and answer, in the caller's transaction. The patient is told only what
    is true: that staff are being told, when someone can be. The patient's row is locked for
    the moment it takes, so two emergencies at once still make one answer. The window runs on
    when the texts reached us (`arrived_at`, our clock), never on the times a payload claims:
    forged texts dated far apart in the past still make one answer. `answer` False: the phone
    (a caregiver of several patients) is answered for another of its patients already."""
    patient = Patient.objects.select_for_update().get(id=patient.id)
    arrived_at = arrived_at or received_at
    window_start = arrived_at - timedelta(minutes=settings.EMERGENCY_ANSWER_WINDOW_MINUTES)
    answered = patient.replies.filter(
        Q(arrived_at__gte=window_start) | Q(arrived_at__isnull=True, received_at__gte=window_start),
        intent=PatientReply.Intent.EMERGENCY, acknowledged=True,
    ).order_by("received_at").first()
    reply = PatientReply.objects.create(
        patient=patient, caregiver=caregiver, text=text, intent=PatientReply.Intent.EMERGENCY, received_at=received_at,
        arrived_at=arrived_at, needs_attention=True, urgent=True, acknowledged=answered is None,
    )
    record_emergency(reply)
    if answered is not None:
        reply.outcome = f"emergency stored and flagged; answered and notified already for reply {answered.id}"
        reply.save(update_fields=["outcome"])
        return reply
    notifications = notify_staff(reply)
    if answer:
        queue_message(patient, "emergency", priority=URGENT, caregiver=caregiver, told=patient_told_text(notifications))
    told = ", ".join(f"{n.recipient.get_username() if n.recipient else n.address} ({n.role}) by "
                     f"{n.get_channel_display().lower()}" for n in notifications)
    answered_how = "safety reply queued" if answer else "safety reply sent for another patient of this phone"
    outcome = f"{answered_how}; notifying {told}" if told else (
        f"{answered_how}; no volunteer or coordinator has a WhatsApp number or an email address: nobody notified"
    )
    reply.outcome = outcome[:200]
    reply.save(update_fields=["outcome"])
    return reply
