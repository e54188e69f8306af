"""Migration 0006 applies to rows written before doses had an identity, and translates them."""
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

import pytest

from tests.migrations import models_as_of

pytestmark = pytest.mark.django_db(transaction=True)
UTC = dt_timezone.utc


def test_old_rows_get_a_dose_identity_and_their_hidden_closed_flag_becomes_a_state():
    with models_as_of("reminders", "0005_message_priority") as old:
        write_rows_as_before(old)
    assert_translated()


def write_rows_as_before(old) -> None:
    Patient, Schedule = old.get_model("reminders", "Patient"), old.get_model("reminders", "ReminderSchedule")
    Reminder, Message = old.get_model("reminders", "Reminder"), old.get_model("reminders", "Message")
    patient = Patient.objects.create(name="Ibu Sari", phone="+6281234567890", verification_status="VERIFIED")
    schedule = Schedule.objects.create(patient=patient, message_template="x", time_of_day=time(8, 0),
                                       weekdays=[0, 1, 2, 3, 4, 5, 6], start_date=date(2026, 11, 1))
    eight = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 WIB

    def reminder(due, **fields):
        return Reminder.objects.create(schedule=schedule, patient=patient, due_at=due, **fields)

    def message(dose, status, **fields):
        return Message.objects.create(patient=patient, reminder=dose, phone=patient.phone, body="x", kind="REMINDER",
                                      status=status, **fields)

    sent = reminder(eight, reply_deadline=eight + timedelta(hours=2), confirmation_status="CONFIRMED")
    message(sent, "READ", sent_at=eight)
    second_that_day = reminder(eight + timedelta(minutes=40))  # the bug this migration ends
    message(second_that_day, "SENT", sent_at=eight + timedelta(minutes=40))
    never_sent = reminder(eight + timedelta(days=1), reply_deadline=eight + timedelta(days=1))
    message(never_sent, "FAILED")
    withdrawn = reminder(eight + timedelta(days=2))
    message(withdrawn, "CANCELLED")
    Patient.objects.create(name="Lama", phone="+6281234567891", time_zone="WIB")  # a zone no one can read


def assert_translated() -> None:
    from reminders.models import Patient, Reminder

    eight = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    rows = list(Reminder.objects.order_by("due_at"))
    sent, second_that_day, never_sent, withdrawn = rows
    assert (sent.local_date, sent.slot, sent.sent_at) == (date(2026, 11, 23), 0, eight)
    assert (second_that_day.local_date, second_that_day.slot) == (date(2026, 11, 23), 1)
    assert (never_sent.confirmation_status, never_sent.reply_deadline, never_sent.close_reason) == (
        "MISSED", None, "not delivered")
    assert withdrawn.confirmation_status == "CANCELLED" and withdrawn.closed_at
    assert Patient.objects.get(name="Ibu Sari").reachable_since is not None
    assert Patient.objects.get(name="Lama").reachable_since is None  # never verified
