"""A family telling PRIMA that the patient died: never read as a dose taken or a refusal.

The patient's reminders stop at once and for good (paused as DIED, with the reason and no end
date, so nothing resumes them by itself; nothing deleted: the doses still
open close as cancelled, everything queued is refused by the send-time double-check because the
patient is paused), the writer is answered with condolences once, and the volunteer hears of
it at once (`notify_staff`), with the writer's words and number on Hari ini. Like an
emergency it goes before the rate limit and the patient lock; the patient's row lock orders it
with any reply being applied.
"""
from datetime import datetime

from django.utils import timezone

from reminders.models import Caregiver, Patient, PatientReply, Reminder
from reminders.outbox.notifications import notify_staff, patient_told_text
from reminders.outbox.queue import acknowledge

REASON = "patient died, as their family told us"


def pause_reason(patient: Patient, caregiver: Caregiver | None, received_at: datetime) -> str:
    """Why the patient's reminders stopped, in Indonesian for the patient's page; when, on the
    patient's clock, named."""
    when = timezone.localtime(received_at, patient.zone).strftime("%d-%m-%Y %H:%M %Z")
    who = f"{caregiver.name} ({caregiver.relation or 'pendamping'})" if caregiver else "nomor pasien sendiri"
    return f"Kabar meninggal dunia dari {who}, {when}"[:200]


def handle_death(patient: Patient, text: str, received_at: datetime, arrived_at: datetime | None = None,
                 caregiver: Caregiver | None = None, certain: bool = True, answer: bool = True) -> PatientReply:
    """Store, pause, answer and tell, in the caller's transaction. `certain` is False when a
    caregiver of several patients did not say which one: then nobody is paused and the
    volunteers of each are told; `answer` False for all but one of those, so the phone hears
    from us once. The writer is told only what is true: who hears of it, when someone does."""
    patient = Patient.objects.select_for_update().get(id=patient.id)
    reply = PatientReply.objects.create(
        patient=patient, caregiver=caregiver, text=text, intent=PatientReply.Intent.DEATH, received_at=received_at,
        arrived_at=arrived_at or received_at, needs_attention=True, urgent=True,
    )
    told_already = patient.replies.filter(intent=PatientReply.Intent.DEATH, acknowledged=True).exists()
    outcome = []
    if certain and patient.pause_kind != Patient.PauseKind.DIED:  # also a patient paused for a while already
        was_active = patient.is_active
        patient.is_active, patient.pause_kind, patient.paused_until = False, Patient.PauseKind.DIED, None
        patient.pause_reason = pause_reason(patient, caregiver, received_at)
        patient.save(update_fields=["is_active", "pause_kind", "paused_until", "pause_reason"])
        if was_active:
            closed = Reminder.objects.filter(patient=patient).open().close(Reminder.Confirmation.CANCELLED, REASON)
            outcome.append(f"reminders paused; {len(closed)} open dose(s) cancelled")
    if not told_already:
        notifications = notify_staff(reply, unsure=not certain)
        if answer:  # naming the patient only when we know which one died
            unnamed = {} if certain else {"pasien": ""}
            acknowledge(reply, "condolences", told=patient_told_text(notifications), **unnamed)
        outcome.append(f"{'condolences queued; ' if answer else ''}{len(notifications)} staff notification(s)")
    else:
        outcome.append("answered and told already")
    reply.outcome = "; ".join(outcome)[:200]
    reply.save(update_fields=["outcome", "acknowledged"])
    return reply
