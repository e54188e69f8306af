"""Every time shown names its clock: a patient's on the patient's (07.25 WITA) on the lists, a
row's page, Hari ini and the confirmation page; the volunteer's own on the server's, named
(WIB); a patient's page reads typed times, and fills "now", on the patient's clock."""
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from reminders.models import Patient, Reminder
from tests.admin.conftest import logged_in
from tests.factories import make_patient, make_reminder, make_schedule

pytestmark = pytest.mark.django_db
INDONESIAN = {"headers": {"Accept-Language": "id"}}
DUE = datetime(2026, 12, 5, 23, 25, tzinfo=UTC)  # 06.25 WIB, 07.25 WITA, 08.25 WIT on 6 December
NOW = DUE + timedelta(hours=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def made(ani):
    """A WITA patient whose 07:25 dose went out and is missed."""
    patient = make_patient(name="Bapak Made", time_zone="Asia/Makassar", volunteer=ani)
    schedule = make_schedule(patient, time_of_day=DUE.astimezone(patient.zone).time())
    return make_reminder(schedule, due_at=DUE, reply_deadline=DUE + timedelta(minutes=30),
                         confirmation_status=Reminder.Confirmation.MISSED)


def page(client, name: str, *args, **query) -> str:
    response = client.get(reverse(name, args=args), query, **INDONESIAN)
    assert response.status_code == 200
    return response.content.decode()


def test_a_wita_patients_dose_page_shows_the_schedule_and_the_due_time_on_one_clock(frozen, client, ani, made):
    shown = page(logged_in(client, ani), "admin:reminders_reminder_change", made.pk)
    assert "Obat 07:25 WITA untuk Bapak Made" in shown
    assert "6 Des. 2026, 07.25 WITA" in shown and "06.25" not in shown


def test_the_lists_show_each_patients_time_on_their_own_clock(frozen, client, ani, made):
    sari = make_patient(name="Ibu Sari", volunteer=ani)
    make_reminder(make_schedule(sari), due_at=DUE)
    client = logged_in(client, ani)
    shown = page(client, "admin:reminders_reminder_changelist")
    assert "6 Des. 2026, 07.25 WITA" in shown and "6 Des. 2026, 06.25 WIB" in shown
    shown = page(client, "admin:reminders_reminderschedule_changelist")
    assert "07:25 WITA" in shown and "08:00 WIB" in shown  # each schedule's time of day, named


def test_hari_ini_and_the_confirmation_page_show_the_patients_clock(frozen, client, ani, made):
    client = logged_in(client, ani)
    assert "6 Des. 2026, 07.25 WITA" in page(client, "admin:index")
    assert "6 Des. 2026, 07.25 WITA" in page(client, "admin:reminders_reminder_confirm", made.pk)


def test_the_volunteers_own_moment_is_on_the_servers_clock_named(frozen, client, ani, made):
    made.patient.replies.create(text="tolong", received_at=DUE, needs_attention=True, handled_by=ani, handled_at=NOW)
    shown = page(logged_in(client, ani), "admin:reminders_patientreply_changelist", inbox="all")
    assert "6 Des. 2026, 07.25 WITA" in shown  # when the patient wrote
    assert "relawan.ani, 6 Des. 2026, 07.25 WIB" in shown  # when the volunteer handled it


def clock_of(shown: str) -> tuple[str, dict]:
    """The page's UTC offset (what the admin's "now" buttons read) and patient_clock.js's settings."""
    offset = shown.split('data-admin-utc-offset="', 1)[1].split('"', 1)[0]
    settings = shown.split('<script id="patient-clock" type="application/json">', 1)[1].split("</script>", 1)[0]
    return offset, json.loads(settings)


def test_a_patients_page_is_on_the_patients_clock_and_a_new_patients_on_the_zone_offered_first(frozen, client, ani,
                                                                                                made):
    client = logged_in(client, ani)
    offset, settings = clock_of(page(client, "admin:reminders_patient_change", made.patient.pk))
    assert (offset, settings["zone"]) == ("28800", "Asia/Makassar")
    assert settings["zones"]["Asia/Jayapura"] == {"name": "WIT", "offset": 32400}
    offset, settings = clock_of(page(client, "admin:reminders_patient_add"))
    assert (offset, settings["zone"]) == ("25200", "Asia/Jakarta")


def test_a_time_typed_on_a_patients_page_is_read_on_the_patients_clock(frozen, client, ani, made):
    patient = made.patient
    data = {"name": patient.name, "phone": patient.phone, "time_zone": patient.time_zone, "check_in_time": "10:00",
            "is_active": "on", "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0",
            "caregivers-TOTAL_FORMS": "1", "caregivers-INITIAL_FORMS": "0", "caregivers-0-name": "Putu",
            "caregivers-0-phone": "0813 5555 0000", "caregivers-0-is_active": "on",
            "caregivers-0-consented_at_0": "2026-12-06", "caregivers-0-consented_at_1": "07:25"}
    response = logged_in(client, ani).post(reverse("admin:reminders_patient_change", args=[patient.pk]), data)
    assert response.status_code == 302
    assert patient.caregivers.get().consented_at == DUE


def test_a_new_patients_times_are_read_on_the_zone_chosen_in_the_form(frozen, client, ani):
    data = {"name": "Ibu Yohana", "phone": "0812 7777 0001", "time_zone": "Asia/Jayapura", "check_in_time": "10:00",
            "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", "caregivers-TOTAL_FORMS": "1",
            "caregivers-INITIAL_FORMS": "0", "caregivers-0-name": "Maria", "caregivers-0-phone": "0813 7777 0002",
            "caregivers-0-is_active": "on", "caregivers-0-consented_at_0": "2026-12-06",
            "caregivers-0-consented_at_1": "08:25"}
    response = logged_in(client, ani).post(reverse("admin:reminders_patient_add"), data)
    assert response.status_code == 302
    assert Patient.objects.get(name="Ibu Yohana").caregivers.get().consented_at == DUE
