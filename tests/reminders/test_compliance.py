from datetime import date, timedelta

import pytest
from django.utils import timezone

from reminders.doses import compliance
from reminders.models import Reminder
from tests.factories import make_patient, make_reminder, make_schedule

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2030, 3, 10, 12, 0))
HOUR = timedelta(hours=1)


@pytest.fixture
def mixed_outcomes():
    """By hand: 2 days ago 1 confirmed, 1 missed and 1 whose window closed but the tick has not
    closed yet (not decided); yesterday 1 confirmed by a volunteer + 1 never sent; today 1
    confirmed inside its window (final) and 1 still waiting."""
    schedule = make_schedule(make_patient())
    minutes = iter(range(100))

    def reminder(days_ago: int, status: str, deadline_from_now: timedelta | None, **fields) -> Reminder:
        due = NOW - timedelta(days=days_ago, hours=2, minutes=next(minutes))
        deadline = None if deadline_from_now is None else NOW + deadline_from_now
        return make_reminder(schedule, due_at=due, confirmation_status=status, reply_deadline=deadline, **fields)

    reminder(2, "CONFIRMED", -HOUR * 40, confirmation_method="PATIENT_REPLY")
    reminder(2, "MISSED", -HOUR * 41)
    reminder(2, "PENDING", -HOUR * 42)  # window closed, the tick has not marked it yet
    reminder(1, "CONFIRMED", -HOUR * 20, confirmation_method="VISIT")
    reminder(1, "PENDING", None)  # never sent
    reminder(0, "CONFIRMED", HOUR, confirmation_method="PATIENT_REPLY")  # window still open
    reminder(0, "PENDING", HOUR)
    reminder(40, "MISSED", -HOUR * 24 * 40)  # outside the 30 days
    return schedule.patient


def test_it_matches_a_hand_count_per_day(mixed_outcomes):
    days = compliance.daily_tallies(Reminder.objects.all(), NOW, 30)
    assert len(days) == 30 and days[0].day == date(2030, 2, 9) and days[-1].day == date(2030, 3, 10)
    by_day = {day.day: (day.sent, day.confirmed, day.missed) for day in days}
    assert by_day[date(2030, 3, 8)] == (3, 1, 1)
    assert by_day[date(2030, 3, 9)] == (1, 1, 0)
    assert by_day[date(2030, 3, 10)] == (2, 1, 0)
    assert sum(day.sent for day in days) == 6


def test_it_counts_only_decided_doses(mixed_outcomes):
    total = compliance.tally(compliance.in_last_days(Reminder.objects.all(), NOW, 30))
    assert (total.sent, total.confirmed, total.missed) == (6, 3, 1)
    assert total.rate == 0.75 and total.level == "medium"


def test_a_cancelled_dose_never_counts(mixed_outcomes):
    make_reminder(mixed_outcomes.schedules.get(), due_at=NOW - HOUR, confirmation_status="CANCELLED")
    total = compliance.tally(compliance.in_last_days(Reminder.objects.all(), NOW, 30))
    assert (total.confirmed, total.missed) == (3, 1)


def test_it_annotates_patients_with_their_recent_compliance(mixed_outcomes):
    patient = compliance.with_recent_compliance(type(mixed_outcomes).objects.all(), NOW, days=7).get()
    assert (patient.recent_confirmed, patient.recent_missed) == (3, 1)


@pytest.mark.parametrize("confirmed,missed,level", [(8, 2, "high"), (5, 5, "medium"), (4, 6, "low"), (0, 0, "")])
def test_it_grades_compliance(confirmed, missed, level):
    assert compliance.compliance_level(compliance.compliance_rate(confirmed, missed)) == level
