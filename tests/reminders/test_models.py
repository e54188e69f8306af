from datetime import date, datetime, time, timedelta, timezone as dt_timezone

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reminders.models import Message, Patient, Reminder, ReminderSchedule
from tests import factories
from tests.factories import make_schedule

pytestmark = pytest.mark.django_db


def make_patient(phone="081234567890", **fields):
    fields.setdefault("verification_status", Patient.Verification.PENDING)
    return factories.make_patient(phone, **fields)


def test_it_stores_the_phone_as_e164_whatever_the_spelling():
    patient = make_patient("0812-3456-7890")
    patient.refresh_from_db()
    assert patient.phone == "+6281234567890"


@pytest.mark.parametrize("other_spelling", ["6281234567890", "+62 812-3456-7890", "081234567890"])
def test_it_refuses_the_same_patient_twice_in_another_spelling(other_spelling):
    make_patient("081234567890")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_patient(other_spelling)


def test_it_rejects_an_invalid_phone_in_forms():
    patient = Patient(name="X", phone="12345")
    with pytest.raises(ValidationError) as excinfo:
        patient.full_clean()
    assert "phone" in excinfo.value.message_dict


def test_a_dose_is_one_per_schedule_and_local_day_whatever_its_time():
    schedule = make_schedule(make_patient())
    due = datetime(2026, 11, 25, 1, 0, tzinfo=dt_timezone.utc)  # 08:00 WIB on the 25th
    first = Reminder.objects.create(schedule=schedule, patient=schedule.patient, due_at=due)
    assert first.local_date == date(2026, 11, 25)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(schedule=schedule, patient=schedule.patient, due_at=due + timedelta(minutes=30))
    next_day = Reminder.objects.create(schedule=schedule, patient=schedule.patient, due_at=due + timedelta(days=1))
    assert next_day.local_date == date(2026, 11, 26)


def test_it_allows_one_reminder_message_and_one_follow_up_per_dose():
    schedule = make_schedule(make_patient())
    reminder = Reminder.objects.create(schedule=schedule, patient=schedule.patient, due_at=timezone.now())
    fields = {"patient": reminder.patient, "phone": reminder.patient.phone, "body": "x", "reminder": reminder}
    Message.objects.create(kind=Message.Kind.REMINDER, **fields)
    Message.objects.create(kind=Message.Kind.FOLLOW_UP, **fields)
    Message.objects.create(kind=Message.Kind.REPLY, **fields)
    Message.objects.create(kind=Message.Kind.REPLY, **fields)
    for kind in (Message.Kind.REMINDER, Message.Kind.FOLLOW_UP):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(kind=kind, **fields)


def test_the_model_refuses_a_time_zone_the_scheduler_cannot_read():
    with pytest.raises(ValidationError) as excinfo:
        make_patient(time_zone="WIB")
    assert "WIB" in str(excinfo.value)
    patient = Patient(name="X", phone="081234567899", time_zone="WIB")
    with pytest.raises(ValidationError) as excinfo:
        patient.full_clean()
    assert "time_zone" in excinfo.value.message_dict


def test_it_refuses_a_schedule_that_ends_before_it_starts():
    patient = make_patient()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_schedule(patient, start_date=timezone.localdate(), end_date=timezone.localdate().replace(year=2000))


def test_it_requires_at_least_one_weekday():
    schedule = ReminderSchedule(patient=make_patient(), message_template="x", time_of_day=time(8), weekdays=[])
    with pytest.raises(ValidationError):
        schedule.full_clean()


def test_the_state_choices_are_the_contract():
    assert Patient.Verification.values == ["PENDING", "VERIFIED", "DECLINED", "EXPIRED"]
    assert Reminder.Confirmation.values == ["PENDING", "CONFIRMED", "NOT_YET", "MISSED", "CANCELLED"]
    assert Message.Status.values == ["QUEUED", "SENDING", "SENT", "DELIVERED", "READ", "FAILED", "CANCELLED"]


def test_new_rows_start_in_their_initial_states():
    patient = make_patient()
    schedule = make_schedule(patient)
    reminder = Reminder.objects.create(schedule=schedule, patient=patient, due_at=timezone.now())
    message = Message.objects.create(patient=patient, phone=patient.phone, body="x", reminder=reminder)
    assert patient.verification_status == "PENDING"
    assert reminder.confirmation_status == "PENDING"
    assert message.status == "QUEUED" and message.attempts == 0
    assert schedule.weekdays == [0, 1, 2, 3, 4, 5, 6]


def test_only_verified_active_patients_who_did_not_opt_out_are_reachable():
    verified = make_patient("081200000001", verification_status="VERIFIED")
    make_patient("081200000002")
    make_patient("081200000003", verification_status="VERIFIED", is_active=False)
    make_patient("081200000004", verification_status="VERIFIED", opted_out_at=timezone.now())
    assert list(Patient.objects.reachable()) == [verified]
    assert [p.can_receive_reminders for p in Patient.objects.order_by("phone")] == [True, False, False, False]
