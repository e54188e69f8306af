import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from reminders.models import Patient, ReminderSchedule

pytestmark = pytest.mark.django_db


def test_it_seeds_verified_patients_with_schedules_due_within_minutes(capsys):
    call_command("seed_demo")
    assert "4 patients" in capsys.readouterr().out
    assert Patient.objects.reachable().count() == 4
    assert {p.time_zone for p in Patient.objects.all()} == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    for schedule in ReminderSchedule.objects.select_related("patient"):
        local_now = timezone.localtime(timezone=schedule.patient.zone)
        now_minute = local_now.hour * 60 + local_now.minute
        due_minute = schedule.time_of_day.hour * 60 + schedule.time_of_day.minute
        assert 1 <= (due_minute - now_minute) % (24 * 60) <= 5


def test_it_is_idempotent():
    call_command("seed_demo")
    first = sorted(ReminderSchedule.objects.values_list("id", "patient__phone"))
    call_command("seed_demo")
    assert sorted(ReminderSchedule.objects.values_list("id", "patient__phone")) == first
    assert Patient.objects.count() == 4


def test_it_makes_the_volunteers_staff_members_of_the_volunteer_group_with_a_password_shown_once(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert first.count("can log in with password") == 2
    ani = get_user_model().objects.get(username="relawan.ani")
    assert ani.is_staff and ani.groups.filter(name="volunteer").exists() and ani.has_usable_password()
    assert Patient.objects.filter(volunteer=ani).count() == 2
    call_command("seed_demo")
    assert "password" not in capsys.readouterr().out
