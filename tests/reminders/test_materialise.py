from datetime import date, datetime, time, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.utils import timezone

from reminders.doses.materialise import close_overdue_doses
from reminders.models import Message, Patient, Reminder
from reminders.scheduler import count_due_work
from reminders.templating import render_template
from tests.factories import make_patient, make_reminder, make_schedule, materialise

pytestmark = pytest.mark.django_db

UTC = dt_timezone.utc


def schedule_made_yesterday(patient=None, **fields):
    """A schedule (and patient) that existed well before the fixed "now" these tests travel to."""
    with time_machine.travel(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), tick=False):
        return make_schedule(patient or make_patient(), start_date=date(2026, 11, 24), **fields)


def test_it_makes_the_due_reminder_and_its_queued_message_once():
    with time_machine.travel(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), tick=False):
        patient = make_patient(name="Ibu Sari")
    schedule = schedule_made_yesterday(patient, time_of_day=time(8, 0))
    now = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 08:30 WIB
    with time_machine.travel(now, tick=False):
        assert materialise(now) == 1
        assert materialise(now) == 0
    reminder = Reminder.objects.get()
    assert reminder.due_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    message = Message.objects.get()
    assert (message.reminder, message.kind, message.status) == (reminder, "REMINDER", "QUEUED")
    assert message.send_after == reminder.due_at
    assert message.body == "Halo Ibu Sari, waktunya minum obat (08:00)."
    assert message.phone == schedule.patient.phone


def test_a_schedule_in_jayapura_is_due_at_eight_wit():
    with time_machine.travel(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), tick=False):
        patient = make_patient(time_zone="Asia/Jayapura")
    schedule_made_yesterday(patient, time_of_day=time(8, 0))
    now = datetime(2026, 11, 24, 23, 5, tzinfo=UTC)  # 08:05 WIT on the 25th
    with time_machine.travel(now, tick=False):
        materialise(now)
    assert Reminder.objects.get().due_at == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)


def test_nothing_is_made_before_it_is_due():
    schedule_made_yesterday(time_of_day=time(8, 0))
    now = datetime(2026, 11, 25, 0, 59, tzinfo=UTC)  # 07:59 WIB
    with time_machine.travel(now, tick=False):
        assert materialise(now) == 0


@pytest.mark.parametrize(
    "patient_fields",
    [
        {"verification_status": Patient.Verification.PENDING},
        {"verification_status": Patient.Verification.DECLINED},
        {"is_active": False},
        {"opted_out_at": datetime(2026, 1, 1, tzinfo=UTC)},
    ],
)
def test_it_skips_patients_who_must_not_get_reminders(patient_fields):
    with time_machine.travel(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), tick=False):
        patient = make_patient(**patient_fields)
    schedule_made_yesterday(patient, time_of_day=time(8, 0))
    now = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assert materialise(now) == 0


def test_it_honours_weekdays_and_the_date_range():
    now = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # a Wednesday (weekday 2)
    schedule_made_yesterday(weekdays=[0, 1])
    schedule_made_yesterday(end_date=date(2026, 11, 24))
    schedule_made_yesterday(weekdays=[2])
    with time_machine.travel(now, tick=False):
        assert materialise(now) == 1


def test_it_catches_up_after_an_outage_but_not_beyond_the_window(settings):
    settings.REMINDER_CATCH_UP_MINUTES = 120
    schedule_made_yesterday(time_of_day=time(8, 0))
    schedule_made_yesterday(time_of_day=time(6, 0))
    now = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)  # 09:30 WIB: 08:00 is 90 min late, 06:00 is 210
    with time_machine.travel(now, tick=False):
        assert materialise(now) == 1
    assert Reminder.objects.get().schedule.time_of_day == time(8, 0)


def test_a_schedule_created_after_its_time_today_waits_for_tomorrow():
    now = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 08:30 WIB
    with time_machine.travel(now, tick=False):
        make_schedule(time_of_day=time(8, 0), start_date=date(2026, 11, 25))
        assert materialise(now) == 0


def test_dry_run_counts_what_would_be_done_without_doing_it():
    schedule_made_yesterday(time_of_day=time(8, 0))
    now = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assert count_due_work().schedules == 1
        assert Reminder.objects.count() == 0
        materialise(now)
        assert count_due_work().schedules == 0
        assert count_due_work().messages == 1


def test_unanswered_reminders_become_missed_after_their_window():
    now = timezone.now()
    late = make_reminder(reply_deadline=now - timedelta(minutes=1))
    waiting = make_reminder(reply_deadline=now + timedelta(minutes=1))
    answered = make_reminder(reply_deadline=now - timedelta(minutes=1), confirmation_status="CONFIRMED")
    not_sent = make_reminder()
    assert close_overdue_doses(now) == 1
    statuses = {r.id: r.confirmation_status for r in Reminder.objects.all()}
    assert statuses == {late.id: "MISSED", waiting.id: "PENDING", answered.id: "CONFIRMED", not_sent.id: "PENDING"}


@pytest.mark.parametrize(
    "template, expected",
    [
        ("Halo {nama} jam {waktu}", "Halo Ibu jam 08:00"),
        ("Halo {nama}, {unknown}", "Halo Ibu, {unknown}"),
        ("Halo {nama} {", "Halo {nama} {"),
    ],
)
def test_templates_fill_known_placeholders_and_never_crash(template, expected):
    assert render_template(template, nama="Ibu", waktu="08:00") == expected
