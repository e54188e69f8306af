"""Small builders for test rows; each test states only the fields it cares about."""
import itertools
from datetime import time

from django.utils import timezone

from reminders.models import Message, Patient, Reminder, ReminderSchedule

_phones = itertools.count(1)


def make_patient(phone: str | None = None, **fields) -> Patient:
    fields.setdefault("name", "Ibu Sari")
    fields.setdefault("verification_status", Patient.Verification.VERIFIED)
    return Patient.objects.create(phone=phone or f"+62812{next(_phones):08d}", **fields)


def make_schedule(patient: Patient | None = None, **fields) -> ReminderSchedule:
    fields.setdefault("message_template", "Halo {nama}, waktunya minum obat ({waktu}).")
    fields.setdefault("time_of_day", time(8, 0))
    return ReminderSchedule.objects.create(patient=patient or make_patient(), **fields)


def make_reminder(schedule: ReminderSchedule | None = None, **fields) -> Reminder:
    """A dose; one given a reply deadline was sent (at its due time unless told)."""
    schedule = schedule or make_schedule()
    fields.setdefault("due_at", timezone.now())
    fields.setdefault("local_date", fields["due_at"].astimezone(schedule.patient.zone).date())
    fields.setdefault("slot", schedule.reminders.filter(local_date=fields["local_date"]).count())
    if fields.get("reply_deadline"):
        fields.setdefault("sent_at", min(fields["due_at"], fields["reply_deadline"]))
    return Reminder.objects.create(schedule=schedule, patient=schedule.patient, **fields)


def materialise(now=None) -> int:
    """What a tick does to schedules (work out edits, create due doses): doses created."""
    from reminders.doses.materialise import create_due_doses, schedule_edited

    now = now or timezone.now()
    schedule_edited(now)
    return create_due_doses(now)["materialised"]


def queue_message(patient: Patient | None = None, **fields) -> Message:
    """A message due now (send_after in the past) unless told otherwise."""
    patient = patient or make_patient()
    fields.setdefault("body", f"Pesan {next(_phones)}")
    fields.setdefault("send_after", timezone.now() - timezone.timedelta(seconds=1))
    return Message.objects.create(patient=patient, phone=patient.phone, **fields)


def queue_backlog(count: int, *, patients: int = 20, send_after=None) -> list[Message]:
    """`count` due messages with distinct bodies spread over `patients` patients, in one insert
    (for tests and benchmarks that count sends per message)."""
    people = [make_patient() for _ in range(patients)]
    send_after = send_after or timezone.now() - timezone.timedelta(seconds=1)
    return Message.objects.bulk_create(
        Message(patient=patient, phone=patient.phone, body=f"Pesan nomor {i}",
                send_after=send_after)
        for i, patient in ((i, people[i % patients]) for i in range(count))
    )


# The patient form's caregivers inline, empty, for tests that post the form by hand.
NO_CAREGIVERS = {"caregivers-TOTAL_FORMS": "0", "caregivers-INITIAL_FORMS": "0"}
