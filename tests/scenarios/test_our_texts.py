"""Issue 29, item 8: PRIMA's own texts read well. The follow-up after BELUM is short and stands
on its own; a caregiver's first message says who PRIMA is, whose reminders these are and how to
stop, and only the first (November 2026, Jakarta)."""
import pytest

from reminders.models import Message
from tests.factories import materialise
from tests.scenarios.helpers import (
    DAUGHTER, at, caregiver_of, enrol, introduction, run_scheduler, say, sent_to, texts_to, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]

INTRODUCTION = introduction("Rina", "Ibu Sari")
REMINDER = "Halo Ibu Sari, waktunya minum obat (08:00)."


def test_the_follow_up_after_belum_is_short_and_does_not_repeat_the_reminder(client, settings):
    settings.FOLLOW_UP_DELAY_MINUTES = 30
    patient = enrol().patient
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, patient, "belum")
        run_scheduler()
    with at(wib(23, 8, 36)):
        run_scheduler()
    follow_up = Message.objects.get(kind=Message.Kind.FOLLOW_UP)
    assert follow_up.status == Message.Status.SENT
    assert sent_to(patient)[-1] == follow_up.body == (
        "Halo Ibu Sari, PRIMA mengingatkan lagi: obat pukul 08:00 sudah diminum? Balas SUDAH bila sudah.")


def test_a_caregivers_follow_up_names_the_patient(client, settings):
    settings.FOLLOW_UP_DELAY_MINUTES = 30
    patient = enrol(recipients="CAREGIVERS").patient
    rina = caregiver_of(patient)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, rina, "belum")
    with at(wib(23, 8, 36)):
        run_scheduler()
    assert texts_to(DAUGHTER)[-1] == (
        "Halo Rina, PRIMA mengingatkan lagi: obat Ibu Sari pukul 08:00 sudah diminum? Balas SUDAH bila sudah.")


def test_a_caregivers_first_reminder_introduces_prima_and_the_next_does_not():
    patient = enrol(recipients="BOTH").patient
    caregiver_of(patient)
    for day in (23, 24):
        with at(wib(day, 8, 0, 30)):
            run_scheduler()
    assert texts_to(DAUGHTER) == [f"{INTRODUCTION}\n\n{REMINDER}", REMINDER]
    assert sent_to(patient) == [REMINDER, REMINDER]  # the patient's own copy has no introduction


def test_a_reminder_withdrawn_before_it_went_introduced_nobody():
    patient = enrol(recipients="CAREGIVERS").patient
    caregiver_of(patient)
    with at(wib(23, 8, 0, 10)):
        materialise()  # made and queued, not sent yet (the device is slow); the volunteer withdraws it
    first = Message.objects.get()
    assert first.body.startswith(INTRODUCTION)
    Message.objects.filter(id=first.id).update(status=Message.Status.CANCELLED)
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert texts_to(DAUGHTER) == [f"{INTRODUCTION}\n\n{REMINDER}"]


@pytest.mark.parametrize("writes,answer_begins,introduced", [
    ("Selamat pagi, ibu saya sudah minum obat tadi", "", "answer"),  # our answer is the first message
    ("tolong ibu sesak napas", "PENTING, Rina:", "reminder"),  # the emergency numbers go alone
])
def test_a_caregiver_who_writes_first_is_introduced_once(client, writes, answer_begins, introduced):
    patient = enrol(recipients="CAREGIVERS").patient
    rina = caregiver_of(patient)
    with at(wib(23, 7, 0)):
        say(client, rina, writes)
        run_scheduler()
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    answer, reminder = texts_to(DAUGHTER)
    assert answer.startswith(f"{INTRODUCTION}\n\n" if introduced == "answer" else answer_begins)
    assert reminder == (f"{INTRODUCTION}\n\n{REMINDER}" if introduced == "reminder" else REMINDER)
