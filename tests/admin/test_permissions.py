import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from reminders.models import Patient, ReminderSchedule
from tests.factories import NO_CAREGIVERS, make_reminder, make_schedule, queue_message

pytestmark = pytest.mark.django_db


def changelist(model: str) -> str:
    return reverse(f"admin:reminders_{model}_changelist")


def test_it_creates_both_groups_with_their_permissions_in_a_migration():
    volunteer = set(Group.objects.get(name="volunteer").permissions.values_list("codename", flat=True))
    coordinator = set(Group.objects.get(name="coordinator").permissions.values_list("codename", flat=True))
    assert {"change_patient", "view_reminder", "change_patientreply"} <= volunteer
    assert "see_all_patients" not in volunteer and "delete_patient" not in volunteer
    assert {"see_all_patients", "delete_patient", "view_schedulerheartbeat"} <= coordinator


def test_it_lists_only_the_volunteers_own_patients(ani_client, anis_patient, budis_patient):
    response = ani_client.get(changelist("patient"))
    assert list(response.context["cl"].result_list) == [anis_patient]


@pytest.mark.parametrize("model", ["patient", "reminderschedule", "reminder", "message", "patientreply"])
def test_it_lists_only_rows_of_the_volunteers_own_patients(ani_client, anis_patient, budis_patient, model):
    for patient in (anis_patient, budis_patient):
        reminder = make_reminder(make_schedule(patient))
        queue_message(patient, reminder=reminder)
        patient.replies.create(text="halo", intent="FREE_TEXT", needs_attention=True)
    rows = ani_client.get(changelist(model)).context["cl"].result_list
    assert rows and all((row if model == "patient" else row.patient) == anis_patient for row in rows)


@pytest.fixture
def budis_rows(budis_patient):
    schedule = make_schedule(budis_patient)
    reminder = make_reminder(schedule)
    return {
        "patient": budis_patient,
        "reminderschedule": schedule,
        "reminder": reminder,
        "message": queue_message(budis_patient, reminder=reminder),
        "patientreply": budis_patient.replies.create(text="sakit", intent="FREE_TEXT", needs_attention=True),
    }


@pytest.mark.parametrize("model", ["patient", "reminderschedule", "reminder", "message", "patientreply"])
@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_it_answers_404_for_another_volunteers_rows_by_url(ani_client, budis_rows, model, page):
    response = ani_client.get(reverse(f"admin:reminders_{model}_{page}", args=[budis_rows[model].pk]))
    assert response.status_code in (403, 404)


def test_it_refuses_a_post_to_another_volunteers_patient(ani_client, budis_patient):
    url = reverse("admin:reminders_patient_change", args=[budis_patient.pk])
    response = ani_client.post(url, {"name": "Dirampas", "phone": budis_patient.phone})
    assert response.status_code == 404
    budis_patient.refresh_from_db()
    assert budis_patient.name == "Bapak Agus"


@pytest.mark.parametrize("query", [{}, {"format": "csv"}])
def test_it_hides_another_volunteers_compliance_page(ani_client, budis_patient, query):
    url = reverse("admin:reminders_patient_compliance", args=[budis_patient.pk])
    assert ani_client.get(url, query).status_code == 404


def test_it_hides_another_volunteers_reminder_from_the_confirmation_page(ani_client, budis_rows):
    url = reverse("admin:reminders_reminder_confirm", args=[budis_rows["reminder"].pk])
    assert ani_client.post(url, {"method": "VISIT"}).status_code == 404


def schedule_form(patient: Patient) -> dict:
    return {"patient": patient.pk, "kind": "MEDICATION", "message_template": "Halo {nama}", "time_of_day": "08:00",
            "weekdays": ["0", "1"], "start_date": "2030-01-01", "recipients": "PATIENT", "is_active": "on"}


def test_it_refuses_another_volunteers_patient_in_a_schedule_form(ani_client, budis_patient):
    response = ani_client.post(reverse("admin:reminders_reminderschedule_add"), schedule_form(budis_patient))
    assert response.status_code == 200
    assert "patient" in response.context["adminform"].form.errors
    assert not ReminderSchedule.objects.exists()


def test_it_accepts_the_volunteers_own_patient_in_a_schedule_form(ani_client, anis_patient):
    response = ani_client.post(reverse("admin:reminders_reminderschedule_add"), schedule_form(anis_patient))
    assert response.status_code == 302
    assert ReminderSchedule.objects.get().patient == anis_patient


def test_it_offers_only_own_patients_in_the_patient_autocomplete(ani_client, anis_patient, budis_patient):
    response = ani_client.get(reverse("admin:autocomplete"), {
        "app_label": "reminders", "model_name": "reminderschedule", "field_name": "patient", "term": ""})
    assert [row["text"] for row in response.json()["results"]] == ["Ibu Sari"]


def patient_form(name: str, phone: str, **fields) -> dict:
    return {"name": name, "phone": phone, "time_zone": "Asia/Jakarta", "verification_status": "VERIFIED",
            "is_active": "on", "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS, **fields}


def test_it_does_not_let_a_volunteer_reassign_a_patient(ani_client, anis_patient, budi):
    url = reverse("admin:reminders_patient_change", args=[anis_patient.pk])
    response = ani_client.post(url, patient_form("Ibu Sari", anis_patient.phone, volunteer=budi.pk))
    assert response.status_code == 302
    anis_patient.refresh_from_db()
    assert anis_patient.volunteer.username == "relawan.ani"


def test_it_assigns_a_patient_a_volunteer_enrols_to_that_volunteer(ani_client, ani):
    response = ani_client.post(reverse("admin:reminders_patient_add"), patient_form("Ibu Baru", "0812 5555 6666"))
    assert response.status_code == 302
    assert Patient.objects.get(name="Ibu Baru").volunteer == ani


def test_it_lets_a_coordinator_see_everyone_and_assign_patients(coordinator_client, anis_patient, budis_patient, budi):
    rows = coordinator_client.get(changelist("patient")).context["cl"].result_list
    assert set(rows) == {anis_patient, budis_patient}
    url = reverse("admin:reminders_patient_change", args=[anis_patient.pk])
    response = coordinator_client.post(url, patient_form("Ibu Sari", anis_patient.phone, volunteer=budi.pk))
    assert response.status_code == 302
    anis_patient.refresh_from_db()
    assert anis_patient.volunteer == budi


def test_it_keeps_the_health_page_from_volunteers(ani_client):
    assert ani_client.get(reverse("admin:reminders_schedulerheartbeat_changelist")).status_code == 403


def test_it_shows_the_health_page_to_coordinators(coordinator_client):
    assert coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist")).status_code == 200
