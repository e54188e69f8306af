"""The dose rules one at a time: identity, next dose, the triggers that keep them true
whatever path edits a row, and the one creation path."""
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.utils import timezone

from prima.clock import database_now
from reminders.doses.materialise import Dose, create_doses, next_dose_time, schedule_edited
from reminders.models import Message, Patient, Reminder, ReminderSchedule
from tests.factories import make_patient, make_schedule, materialise

pytestmark = pytest.mark.django_db
UTC = dt_timezone.utc
MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 WIB


def test_the_database_clock_travels_with_the_tests_clock():
    with time_machine.travel(MONDAY, tick=False):
        assert database_now() == MONDAY
    assert abs(database_now() - timezone.now()) < timedelta(seconds=5)


def test_the_next_dose_skips_days_off_days_taken_and_ends_with_the_schedule():
    schedule = make_schedule(time_of_day=time(8, 0), weekdays=[0, 2], start_date=date(2026, 11, 23),
                             end_date=date(2026, 11, 30))
    assert next_dose_time(schedule, MONDAY) == MONDAY
    assert next_dose_time(schedule, MONDAY + timedelta(minutes=1)) == MONDAY + timedelta(days=2)
    assert next_dose_time(schedule, MONDAY, taken={(date(2026, 11, 23), 0)}) == MONDAY + timedelta(days=2)
    assert next_dose_time(schedule, MONDAY + timedelta(days=7)) == MONDAY + timedelta(days=7)
    assert next_dose_time(schedule, MONDAY + timedelta(days=7, minutes=1)) is None


@pytest.mark.parametrize("change", [{"time_of_day": time(9, 0)}, {"weekdays": [0]}, {"is_active": False},
                                    {"end_date": date(2030, 1, 1)}, {"message_template": "Halo {nama}, obatnya."}])
def test_any_edit_of_a_schedules_rule_or_text_flags_it_whatever_path_wrote_it(change):
    schedule = make_schedule()
    ReminderSchedule.objects.filter(id=schedule.id).update(needs_scheduling=False)
    ReminderSchedule.objects.filter(id=schedule.id).update(kind=ReminderSchedule.Kind.OTHER)
    assert not ReminderSchedule.objects.get(id=schedule.id).needs_scheduling  # nothing a dose depends on
    ReminderSchedule.objects.filter(id=schedule.id).update(**change)
    assert ReminderSchedule.objects.get(id=schedule.id).needs_scheduling


@pytest.mark.parametrize("change", [{"time_zone": "Asia/Makassar"}, {"name": "Ibu Sari Wulandari"}])
def test_correcting_a_patients_zone_or_name_flags_every_schedule_of_theirs(change):
    patient = make_patient()
    schedules = [make_schedule(patient), make_schedule(patient)]
    ReminderSchedule.objects.update(needs_scheduling=False)
    Patient.objects.filter(id=patient.id).update(notes="nothing a dose depends on")
    assert not ReminderSchedule.objects.filter(needs_scheduling=True).exists()
    Patient.objects.filter(id=patient.id).update(**change)
    assert [s.needs_scheduling for s in ReminderSchedule.objects.filter(id__in=[s.id for s in schedules])] == [True] * 2


def test_reachable_since_is_when_the_patient_last_became_reachable_by_any_path():
    with time_machine.travel(MONDAY, tick=False):
        patient = make_patient()
    assert Patient.objects.get(id=patient.id).reachable_since == MONDAY
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        Patient.objects.filter(id=patient.id).update(is_active=False)
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        Patient.objects.filter(id=patient.id).update(notes="still paused")
        Patient.objects.filter(id=patient.id).update(is_active=True)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        patient.refresh_from_db()
        patient.notes = "a form saved later"
        patient.reachable_since = MONDAY  # a stale copy in a form never goes back to the table
        patient.save()
    assert Patient.objects.get(id=patient.id).reachable_since == MONDAY + timedelta(hours=2)


def test_a_form_saved_from_a_stale_copy_does_not_undo_the_schedulers_work():
    with time_machine.travel(MONDAY - timedelta(days=1), tick=False):
        schedule = make_schedule(time_of_day=time(8, 0))
        stale = ReminderSchedule.objects.get(id=schedule.id)
    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):
        assert materialise() == 1
        stale.kind = ReminderSchedule.Kind.OTHER
        stale.save()
        fresh = ReminderSchedule.objects.get(id=schedule.id)
        assert (fresh.needs_scheduling, fresh.next_due_at) == (False, MONDAY + timedelta(days=1))
        assert materialise() == 0


def test_a_dose_is_created_once_however_often_it_is_asked_for():
    schedule = make_schedule()
    dose = Dose(schedule, date(2026, 11, 23), MONDAY)
    assert create_doses([dose]) == 1
    assert create_doses([dose, Dose(schedule, date(2026, 11, 23), MONDAY + timedelta(minutes=30))]) == 0
    assert (Reminder.objects.count(), Message.objects.filter(kind="REMINDER").count()) == (1, 1)


def test_a_bad_schedule_is_recorded_and_left_out_while_the_others_are_scheduled(caplog):
    with time_machine.travel(MONDAY - timedelta(days=1), tick=False):
        good, bad = make_schedule(), make_schedule()
    Patient.objects.filter(id=bad.patient_id).update(time_zone="Mars/Olympus")
    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):
        stats = schedule_edited(timezone.now())
    assert (stats["rescheduled"], stats["schedule_problems"]) == (1, 1)
    bad.refresh_from_db(), good.refresh_from_db()
    assert "Mars/Olympus" in bad.scheduling_problem and not bad.needs_scheduling
    assert good.next_due_at == MONDAY and good.scheduling_problem == ""
    assert f"schedule_id={bad.id}" in caplog.text
    Patient.objects.filter(id=bad.patient_id).update(time_zone="Asia/Jakarta")  # a volunteer fixes it
    bad.refresh_from_db()
    assert bad.needs_scheduling and bad.scheduling_problem == ""


@pytest.mark.parametrize("zone, due", [
    ("Asia/Jakarta", datetime(2026, 11, 23, 1, 0, tzinfo=UTC)),
    ("Asia/Makassar", datetime(2026, 11, 23, 0, 0, tzinfo=UTC)),
    ("Asia/Jayapura", datetime(2026, 11, 22, 23, 0, tzinfo=UTC)),
])
def test_a_dose_is_due_at_eight_in_the_patients_own_zone(zone, due):
    with time_machine.travel(MONDAY - timedelta(days=2), tick=False):
        make_schedule(make_patient(time_zone=zone), time_of_day=time(8, 0))
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        assert materialise() == 0
    with time_machine.travel(due + timedelta(minutes=15), tick=False):
        assert materialise() == 1
    dose = Reminder.objects.get()
    assert (dose.due_at, dose.local_date) == (due, date(2026, 11, 23))


@pytest.mark.parametrize("verification", ["PENDING", "VERIFIED", "DECLINED", "EXPIRED"])
@pytest.mark.parametrize("active", [True, False])
@pytest.mark.parametrize("opted_out", [True, False])
def test_the_trigger_and_the_model_agree_on_who_is_reachable(verification, active, opted_out):
    """Migration 0006's trigger spells Patient.REACHABLE in SQL: both must say the same."""
    patient = make_patient(verification_status="PENDING")
    Patient.objects.filter(id=patient.id).update(
        verification_status=verification, is_active=active, opted_out_at=timezone.now() if opted_out else None
    )
    patient.refresh_from_db()
    assert (patient.reachable_since is not None) == patient.can_receive_reminders
    assert Patient.objects.reachable().filter(id=patient.id).exists() == patient.can_receive_reminders


def test_a_dose_claimed_while_its_schedule_is_worked_out_is_left_on_its_way():
    """The batch's doses are read unlocked: a worker may claim one before it is moved."""
    from reminders.doses.materialise import DoseHistory, reschedule
    from reminders.outbox.sending import claim_due_messages

    with time_machine.travel(MONDAY - timedelta(days=1), tick=False):
        schedule = make_schedule(time_of_day=time(8, 0))
    create_doses([Dose(schedule, date(2026, 11, 23), MONDAY)])
    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):
        ReminderSchedule.objects.filter(id=schedule.id).update(time_of_day=time(8, 30))
        schedule.refresh_from_db()
        history = DoseHistory.of([schedule], timezone.now())
        assert claim_due_messages(10).claims  # a worker takes it now, between the read and the move
        reschedule(schedule, timezone.now(), history)

    message = Message.objects.get(kind="REMINDER")
    dose = Reminder.objects.get()
    assert message.status == "SENDING" and "(08:00)" in message.body
    assert dose.due_at == MONDAY
