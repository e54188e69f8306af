"""The forms a volunteer fills in: a new patient and their schedules."""
import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from reminders.models import Patient, ReminderSchedule
from reminders.templating import DEFAULT_TEMPLATES, template_problems
from tests.factories import NO_CAREGIVERS, make_schedule

pytestmark = pytest.mark.django_db
ADD = reverse("admin:reminders_patient_add")
PREVIEW = reverse("admin:reminders_reminderschedule_preview")
INTERNAL = ["verification_status", "verification_sent_at", "verification_expires_at", "opt_out_method",
            "opt_in_method", "opted_out_at", "reachable_since"]


def new_patient(**fields) -> dict:
    return {"name": "Bapak Agus Salim", "phone": "0812-3456-7890", "time_zone": "Asia/Jakarta",
            "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS, **fields}


def test_the_add_form_asks_who_the_patient_is_and_nothing_internal(ani_client):
    form = ani_client.get(ADD).context["adminform"].form
    assert list(form.fields) == ["name", "phone", "time_zone", "notes", "check_in_day", "check_in_time"]


def test_a_new_patient_starts_unverified_whatever_is_posted(ani_client, ani):
    response = ani_client.post(ADD, new_patient(verification_status="VERIFIED", opted_out_at="2030-01-01 08:00",
                                                 verification_attempts="3"))
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.verification_status, patient.opted_out_at, patient.verification_attempts) == ("PENDING", None, 0)
    assert patient.volunteer == ani and not patient.can_receive_reminders


def test_the_change_page_shows_consent_and_internal_fields_read_only_and_folded(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_change", args=[anis_patient.pk]))
    assert not set(INTERNAL) & set(page.context["adminform"].form.fields)
    html = page.content.decode()
    assert 'class="module collapse' in html or "<details" in html
    assert "field-reachable_since" in html and "field-opt_out_method" in html


def test_a_coordinator_assigns_the_volunteer_when_adding(coordinator_client):
    assert "volunteer" in coordinator_client.get(ADD).context["adminform"].form.fields


def test_a_new_schedule_starts_with_its_kinds_message_and_explains_the_placeholders(ani_client):
    page = ani_client.get(ADD, headers={"Accept-Language": "id"})
    schedules = next(inline for inline in page.context["inline_admin_formsets"] if inline.formset.prefix == "schedules")
    empty = schedules.formset.empty_form
    assert empty["message_template"].value() == DEFAULT_TEMPLATES["MEDICATION"]
    assert "<code>{nama}</code>: nama pasien" in page.content.decode()
    assert '"preview_url": "%s"' % PREVIEW in page.content.decode()  # for schedule_form.js


def test_a_patient_is_enrolled_with_a_schedule_in_one_form(ani_client):
    response = ani_client.post(ADD, new_patient(**{
        "schedules-TOTAL_FORMS": "1", "schedules-0-kind": "APPOINTMENT", "schedules-0-time_of_day": "09:30",
        "schedules-0-weekdays": ["0", "3"], "schedules-0-start_date": "2030-01-01", "schedules-0-is_active": "on",
        "schedules-0-recipients": "PATIENT",
        "schedules-0-message_template": DEFAULT_TEMPLATES["APPOINTMENT"]}))
    assert response.status_code == 302
    schedule = ReminderSchedule.objects.get()
    assert (schedule.patient.name, schedule.kind, schedule.weekdays) == ("Bapak Agus Salim", "APPOINTMENT", [0, 3])


@pytest.mark.parametrize("kind", DEFAULT_TEMPLATES)
def test_every_kind_has_a_default_message_with_both_placeholders(kind):
    assert kind in ReminderSchedule.Kind.values
    assert template_problems(DEFAULT_TEMPLATES[kind]) == []
    assert "{nama}" in DEFAULT_TEMPLATES[kind] and "{waktu}" in DEFAULT_TEMPLATES[kind]


@pytest.mark.parametrize("language, typed", [("en", "08:00"), ("id", "8.00")])
def test_the_preview_is_the_message_as_sent(ani_client, language, typed):
    answer = ani_client.get(PREVIEW, {"template": "Halo {nama}, minum obat jam {waktu}.", "name": "Ibu Sari",
                                      "time": typed}, headers={"Accept-Language": language}).json()
    reads = {"en": "The patient, Ibu Sari, will read:", "id": "Pasien, Ibu Sari, akan membaca:"}[language]
    assert answer == {"text": f"{reads}\nHalo Ibu Sari, minum obat jam 08:00.", "problems": []}


def test_the_preview_says_who_reads_it_and_a_caregivers_first_message_introduces_prima(ani_client):
    answer = ani_client.get(PREVIEW, {"template": "Halo {nama}, minum obat jam {waktu}.", "name": "Ibu Sari",
                                      "time": "08:00", "recipients": "BOTH", "caregiver": "Rina"},
                            headers={"Accept-Language": "id"}).json()
    patients, caregivers = answer["text"].split("\n\n", 1)
    assert patients == "Pasien, Ibu Sari, akan membaca:\nHalo Ibu Sari, minum obat jam 08:00."
    assert caregivers.startswith("Pendamping akan membaca, sebagai pesan pertama dari PRIMA kepadanya:\n"
                                 "Halo Rina, ini PRIMA,")
    assert "pendamping Ibu Sari" in caregivers and "Balas BERHENTI" in caregivers
    assert caregivers.endswith("\n\nHalo Ibu Sari, minum obat jam 08:00.")


def test_an_appointments_preview_names_its_own_day_and_time(ani_client):
    answer = ani_client.get(PREVIEW, {"template": DEFAULT_TEMPLATES["APPOINTMENT"], "name": "Ibu Sari",
                                      "time": "09:00", "kind": "APPOINTMENT", "date": "2030-01-10",
                                      "recipients": "CAREGIVERS"}, headers={"Accept-Language": "id"}).json()
    assert answer["text"].startswith("Pendamping akan membaca, sebagai pesan pertama dari PRIMA kepadanya:\n"
                                     "Halo Bapak/Ibu, ini PRIMA")
    assert answer["text"].endswith("Halo Ibu Sari, jangan lupa jadwal kontrol Kamis, 10 Januari 2030 pukul 09:00. "
                                   "Balas HADIR, TERLAMBAT, atau BATAL.")


def test_the_preview_says_what_is_wrong_instead(ani_client):
    answer = ani_client.get(PREVIEW, {"template": "Halo {name}", "name": "Ibu Sari", "time": ""}).json()
    assert answer["text"] == "" and "{name}" in answer["problems"][0]
    assert answer["problems"][-1] == "Fill in the time to see the message."


def test_the_preview_needs_the_right_to_see_schedules():
    stranger = get_user_model().objects.create_user("tamu", password="x", is_staff=True)
    client = Client()
    client.force_login(stranger)
    assert client.get(PREVIEW, {"template": "Halo", "time": "08:00"}).status_code == 403


def test_a_saved_schedule_shows_its_message_as_the_patient_reads_it(ani_client, anis_patient):
    make_schedule(anis_patient, message_template="Halo {nama}, jam {waktu}.")
    page = ani_client.get(reverse("admin:reminders_patient_change", args=[anis_patient.pk])).content.decode()
    assert "Halo Ibu Sari, jam 08:00." in page


def schedule_row(kind: str, day: str, offsets: list[str]) -> dict:
    """A new patient's page with one schedule of `kind` on `day`, reminded at `offsets`."""
    return new_patient(**{
        "schedules-TOTAL_FORMS": "1", "schedules-0-kind": kind, "schedules-0-time_of_day": "09:00",
        "schedules-0-appointment_date": day, "schedules-0-reminder_offsets": offsets,
        "schedules-0-weekdays": ["0"], "schedules-0-start_date": "2020-01-01", "schedules-0-is_active": "on",
        "schedules-0-recipients": "PATIENT", "schedules-0-message_template": DEFAULT_TEMPLATES[kind]})


def test_an_appointment_is_entered_with_its_own_day_time_and_reminders(ani_client):
    assert ani_client.post(ADD, schedule_row("APPOINTMENT", "2030-01-10", ["1440", "120"])).status_code == 302
    schedule = ReminderSchedule.objects.get()
    assert (schedule.appointment_date, sorted(schedule.reminder_offsets)) == (date(2030, 1, 10), [120, 1440])


def test_an_appointment_on_a_day_already_past_is_refused_in_indonesian(ani_client):
    response = ani_client.post(ADD, schedule_row("APPOINTMENT", "2020-01-10", ["120"]),
                               headers={"Accept-Language": "id"})
    assert response.status_code == 200
    assert "Hari itu sudah lewat: tidak ada pengingat yang akan dikirim." in response.content.decode()
    assert not ReminderSchedule.objects.exists()


def test_a_medication_schedule_is_reminded_at_its_time_whatever_the_hidden_appointment_fields_say(ani_client):
    assert ani_client.post(ADD, schedule_row("MEDICATION", "2030-01-10", ["1440", "120"])).status_code == 302
    schedule = ReminderSchedule.objects.get()
    assert (schedule.appointment_date, schedule.reminder_offsets) == (None, [0])


@pytest.mark.parametrize("offsets, said", [
    (["1440", "60"], "pengingat 9 Jan. 2030, 09.00 WIB sudah lewat waktunya dan tidak dikirim; pengingat berikutnya "
                     "tetap dikirim."),
    (["1440", "120"], "semua pengingat janji ini (9 Jan. 2030, 09.00 WIB, 10 Jan. 2030, 07.00 WIB) sudah lewat "
                      "waktunya, jadi tidak ada yang dikirim: kabari pasien sendiri."),
])
def test_an_appointment_entered_after_its_reminders_time_says_which_will_not_be_sent(ani_client, ani, offsets, said):
    with time_machine.travel(datetime(2030, 1, 10, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False):
        ani_client.force_login(ani)  # a session of that day
        page = ani_client.post(ADD, schedule_row("APPOINTMENT", "2030-01-10", offsets), follow=True,
                               headers={"Accept-Language": "id"}).content.decode()
    assert said in html.unescape(page)


def test_an_appointment_whose_reminders_are_all_ahead_says_nothing_of_the_kind(ani_client, ani):
    with time_machine.travel(datetime(2030, 1, 8, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False):
        ani_client.force_login(ani)
        page = ani_client.post(ADD, schedule_row("APPOINTMENT", "2030-01-10", ["1440", "120"]), follow=True)
    assert "had already passed" not in page.content.decode()
