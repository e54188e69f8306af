"""Queueing PRIMA's own WhatsApp messages to a patient (acknowledgements, follow-ups,
questions, the weekly check-in), or about one to staff (escalations, urgent alerts); the
outbox pipeline (reminders/outbox/sending.py) sends them."""
from datetime import datetime

from django.conf import settings

from reminders.outbox.dispatch import enqueue_send
from reminders.models import Caregiver, CheckIn, Escalation, Message, Patient, PatientReply, Reminder
from reminders.templating import whatsapp_text

# Message.priority of what must reach a person at once (the patient's safety answer, staff's
# urgent alerts): claimed before every other due message, never held by a rate limit.
URGENT = 1
# What goes to a caregiver without an introduction, even as their first message: the emergency
# numbers and condolences say only what matters now, a phone caring for several patients is asked
# which one (an introduction would name one), and a goodbye says how to come back, not how to stop.
NOT_INTRODUCED = {"emergency", "condolences", "which_patient", "caregiver_goodbye"}


def queue_message(patient: Patient, template: str, *, kind: str = Message.Kind.REPLY,
                  reminder: Reminder | None = None, send_after: datetime | None = None, priority: int = 0,
                  caregiver: Caregiver | None = None, to: str | None = None, escalation: Escalation | None = None,
                  check_in: CheckIn | None = None, **context) -> Message:
    """Queue a message, due at `send_after` or else now by the database's clock; to the
    patient, to one of their caregivers, or about them to `to` (a staff member's number, for
    an alert to staff). A caregiver is greeted by their own name; the text names the patient as
    `pasien`; their first message introduces PRIMA (`introduce_caregivers`)."""
    later = {"send_after": send_after} if send_after else {}
    message = Message.objects.create(
        patient=patient,
        reminder=reminder,
        escalation=escalation,
        check_in=check_in,
        caregiver=caregiver,
        phone=to or (caregiver.phone if caregiver else patient.phone),
        body=whatsapp_text(template, caregiver.name if caregiver else patient.name,
                           **{"pasien": patient.name, "pendamping": caregiver is not None, **context}),
        kind=kind,
        max_attempts=settings.SEND_MAX_ATTEMPTS,
        priority=priority,
        **later,
    )
    if caregiver is not None and template not in NOT_INTRODUCED:
        Message.objects.filter(id=message.id).introduce_caregivers()
        message.refresh_from_db(fields=["body"])
    if not later:
        enqueue_send(message)
    return message


def acknowledge(reply: PatientReply, template: str, **kwargs) -> None:
    """Answer the reply, on the phone that wrote it (once: the reply records that it was answered)."""
    queue_message(reply.patient, template, reminder=reply.reminder, caregiver=reply.caregiver, **kwargs)
    reply.acknowledged = True
