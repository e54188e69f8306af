"""Issue 29, item 3: an appointment is an event with its own date and time, reminded at offsets
before it (the day before, two hours before), and its message names the appointment's time,
not the reminder's. Told through `send_reminders` and the webhook (December 2026)."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reminders.models import Message, Reminder
from reminders.templating import DEFAULT_TEMPLATES
from tests.factories import make_patient, make_schedule, materialise
from tests.scenarios.helpers import (
    DAUGHTER, at, caregiver_of, introduction, run_scheduler, say, sent_to, texts_to,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]

DAY_BEFORE, TWO_HOURS = 1440, 120
THURSDAY = date(2026, 12, 10)
ZONES = {"WIB": ZoneInfo("Asia/Jakarta"), "WITA": ZoneInfo("Asia/Makassar"), "WIT": ZoneInfo("Asia/Jayapura")}
WIB = ZONES["WIB"]
CHECK_UP = "Halo Ibu Sari, jangan lupa jadwal kontrol Kamis, 10 Desember 2026 pukul 09:00. Balas HADIR, TERLAMBAT, atau BATAL."


def appointment(zone="Asia/Jakarta", on=THURSDAY, at_time=time(9, 0), offsets=(DAY_BEFORE, TWO_HOURS),
                recipients="PATIENT"):
    """Ibu Sari's check-up, entered on Monday 7 December."""
    with at(datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo(zone))):
        patient = make_patient(name="Ibu Sari", time_zone=zone)
        return make_schedule(patient, kind="APPOINTMENT", message_template=DEFAULT_TEMPLATES["APPOINTMENT"],
                             appointment_date=on, time_of_day=at_time, reminder_offsets=list(offsets),
                             recipients=recipients)


def tick_through(start: datetime, end: datetime, step=timedelta(minutes=30)) -> None:
    """`send_reminders` every `step` from `start` to `end`, as cron runs it."""
    moment = start
    while moment <= end:
        with at(moment):
            run_scheduler()
        moment += step


@pytest.mark.parametrize("zone", ZONES)
def test_a_nine_oclock_appointment_is_reminded_the_day_before_and_two_hours_before_naming_nine(zone):
    local = ZONES[zone]
    schedule = appointment(zone=local.key)
    tick_through(datetime(2026, 12, 8, 0, 0, tzinfo=local), datetime(2026, 12, 10, 23, 30, tzinfo=local),
                 step=timedelta(minutes=90))
    doses = list(Reminder.objects.filter(schedule=schedule).order_by("due_at"))
    assert [(dose.due_at, dose.local_date, dose.slot) for dose in doses] == [
        (datetime(2026, 12, 9, 9, 0, tzinfo=local), THURSDAY, DAY_BEFORE),
        (datetime(2026, 12, 10, 7, 0, tzinfo=local), THURSDAY, TWO_HOURS),
    ]
    assert [message.sent_at is not None for message in Message.objects.filter(reminder__in=doses)] == [True, True]
    assert sent_to(schedule.patient) == [CHECK_UP, CHECK_UP]


def test_moving_the_appointment_moves_the_reminder_not_sent_yet_and_never_makes_two():
    schedule = appointment()
    tick_through(datetime(2026, 12, 9, 8, 0, tzinfo=WIB), datetime(2026, 12, 9, 9, 30, tzinfo=WIB))
    assert sent_to(schedule.patient) == [CHECK_UP]  # the day before, 09:00
    with at(datetime(2026, 12, 10, 7, 0, 30, tzinfo=WIB)):
        materialise()  # 07:00's reminder is made and queued; the device is slow to send it
    queued = Message.objects.get(reminder__slot=TWO_HOURS)
    assert queued.status == Message.Status.QUEUED
    with at(datetime(2026, 12, 10, 7, 1, tzinfo=WIB)):
        schedule.time_of_day = time(10, 30)  # the clinic moved it to 10:30
        schedule.save()
    tick_through(datetime(2026, 12, 10, 7, 2, tzinfo=WIB), datetime(2026, 12, 10, 12, 0, tzinfo=WIB),
                 step=timedelta(minutes=15))
    doses = list(Reminder.objects.filter(schedule=schedule).order_by("due_at"))
    assert [(dose.slot, dose.due_at) for dose in doses] == [
        (DAY_BEFORE, datetime(2026, 12, 9, 9, 0, tzinfo=WIB)),  # sent: kept as it was
        (TWO_HOURS, datetime(2026, 12, 10, 8, 30, tzinfo=WIB)),  # the same dose, moved
    ]
    queued.refresh_from_db()
    assert (queued.status, queued.sent_at) == (Message.Status.SENT, datetime(2026, 12, 10, 8, 32, tzinfo=WIB))
    assert sent_to(schedule.patient) == [CHECK_UP, CHECK_UP.replace("09:00", "10:30")]


def test_moving_the_appointment_to_another_day_reminds_of_the_new_day():
    schedule = appointment()
    tick_through(datetime(2026, 12, 9, 8, 0, tzinfo=WIB), datetime(2026, 12, 9, 9, 30, tzinfo=WIB))
    with at(datetime(2026, 12, 9, 20, 0, tzinfo=WIB)):
        schedule.appointment_date = date(2026, 12, 11)  # moved to Friday
        schedule.save()
    tick_through(datetime(2026, 12, 9, 20, 0, tzinfo=WIB), datetime(2026, 12, 11, 12, 0, tzinfo=WIB))
    doses = list(Reminder.objects.filter(schedule=schedule).order_by("due_at"))
    assert [(dose.local_date, dose.slot, dose.confirmation_status) for dose in doses] == [
        (THURSDAY, DAY_BEFORE, "MISSED"),  # unanswered; Thursday's 07:00 was never made
        (date(2026, 12, 11), DAY_BEFORE, "MISSED"), (date(2026, 12, 11), TWO_HOURS, "MISSED")]
    assert sent_to(schedule.patient) == [CHECK_UP] + [CHECK_UP.replace("Kamis, 10", "Jumat, 11")] * 2


def test_the_caregiver_gets_each_reminder_of_the_appointment_once_the_first_introduced():
    schedule = appointment(recipients="BOTH")
    caregiver_of(schedule.patient)
    tick_through(datetime(2026, 12, 9, 8, 0, tzinfo=WIB), datetime(2026, 12, 10, 8, 0, tzinfo=WIB))
    assert sent_to(schedule.patient) == [CHECK_UP, CHECK_UP]
    assert texts_to(DAUGHTER) == [f"{introduction('Rina', 'Ibu Sari')}\n\n{CHECK_UP}", CHECK_UP]


def test_switching_the_appointment_off_withdraws_a_reminder_not_sent_yet():
    schedule = appointment()
    with at(datetime(2026, 12, 9, 9, 0, 30, tzinfo=WIB)):
        materialise()  # made and queued, not sent yet
    with at(datetime(2026, 12, 9, 9, 1, tzinfo=WIB)):
        schedule.is_active = False  # the clinic called it off
        schedule.save()
    tick_through(datetime(2026, 12, 9, 9, 1, tzinfo=WIB), datetime(2026, 12, 10, 12, 0, tzinfo=WIB))
    dose = Reminder.objects.get(schedule=schedule)
    assert (dose.confirmation_status, dose.close_reason) == ("CANCELLED", "schedule changed")
    assert sent_to(schedule.patient) == []


def test_an_appointment_in_the_past_gives_no_reminder():
    schedule = appointment(on=date(2026, 12, 4))
    tick_through(datetime(2026, 12, 7, 10, 0, tzinfo=WIB), datetime(2026, 12, 8, 10, 0, tzinfo=WIB),
                 step=timedelta(hours=2))
    assert not Reminder.objects.filter(schedule=schedule).exists()
    assert sent_to(schedule.patient) == []


@pytest.mark.parametrize("answer,recorded", [("HADIR", "ATTENDING"), ("TERLAMBAT", "LATE"), ("BATAL", "CANCELLED")])
def test_an_answer_to_the_day_before_settles_the_appointment(client, answer, recorded):
    schedule = appointment()
    with at(datetime(2026, 12, 9, 9, 0, 30, tzinfo=WIB)):
        run_scheduler()
    with at(datetime(2026, 12, 9, 9, 10, tzinfo=WIB)):
        assert say(client, schedule.patient, answer) == "processed"
    tick_through(datetime(2026, 12, 9, 10, 0, tzinfo=WIB), datetime(2026, 12, 10, 12, 0, tzinfo=WIB))
    dose = Reminder.objects.get(schedule=schedule)  # 07:00 on the day asks nothing again
    assert (dose.slot, dose.confirmation_status, dose.appointment_answer) == (DAY_BEFORE, "CONFIRMED", recorded)
    assert len([body for body in sent_to(schedule.patient) if "jadwal kontrol Kamis" in body]) == 1


def test_an_answer_to_the_later_reminder_answers_the_whole_appointment(client):
    schedule = appointment()
    tick_through(datetime(2026, 12, 9, 9, 0, tzinfo=WIB), datetime(2026, 12, 10, 7, 0, tzinfo=WIB))
    first = Reminder.objects.get(schedule=schedule, slot=DAY_BEFORE)
    assert first.confirmation_status == "MISSED"  # not answered the day before
    with at(datetime(2026, 12, 10, 7, 5, tzinfo=WIB)):
        assert say(client, schedule.patient, "hadir") == "processed"
        run_scheduler()
    answers = Reminder.objects.filter(schedule=schedule).order_by("due_at")
    assert [(dose.confirmation_status, dose.appointment_answer) for dose in answers] == [
        ("CONFIRMED", "ATTENDING"), ("CONFIRMED", "ATTENDING")]
    assert sent_to(schedule.patient)[-1] == "Terima kasih, Ibu Sari. Kami catat Anda akan hadir di jadwal kontrol."


def test_an_appointment_schedule_from_before_keeps_its_time_and_text():
    """Migration 0029 gives every schedule that existed "at its time": one made as before (no
    date, no offsets) reminds at its time, every chosen day, naming that time."""
    with at(datetime(2026, 12, 7, 10, 0, tzinfo=WIB)):
        schedule = make_schedule(make_patient(name="Ibu Sari"), kind="APPOINTMENT", time_of_day=time(7, 0),
                                 message_template="Halo {nama}, jangan lupa jadwal kontrol pukul {waktu}.")
    tick_through(datetime(2026, 12, 8, 6, 0, tzinfo=WIB), datetime(2026, 12, 9, 8, 0, tzinfo=WIB),
                 step=timedelta(hours=1))
    assert [dose.due_at for dose in Reminder.objects.filter(schedule=schedule).order_by("due_at")] == [
        datetime(2026, 12, 8, 7, 0, tzinfo=WIB), datetime(2026, 12, 9, 7, 0, tzinfo=WIB)]
    assert sent_to(schedule.patient) == ["Halo Ibu Sari, jangan lupa jadwal kontrol pukul 07:00."] * 2
