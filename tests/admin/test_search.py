"""One search on every list that shows patients: by name, or by any part of the patient's (or a
caregiver's) number as people type it, and never past the volunteer's own patients."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import CheckIn, Escalation, Patient, PatientReply
from tests.factories import make_patient, make_reminder, make_schedule, queue_message

pytestmark = pytest.mark.django_db

# Each list that shows patients, with the query that shows all of its rows.
LISTS = [("patient", {}), ("patientreply", {"inbox": "all"}), ("reminder", {}), ("message", {}),
         ("escalation", {}), ("checkin", {}), ("reminderschedule", {})]

# What a volunteer types, and whom of Ani's patients it finds (Agus, Budi's, matches several).
TYPED = [
    ("0812-1000", {"Ibu Sari"}),
    ("0812 1000", {"Ibu Sari"}),
    ("0812-1000-1111", {"Ibu Sari"}),
    ("+62 812-1000", {"Ibu Sari"}),
    ("62812100", {"Ibu Sari"}),
    ("08135555", {"Bapak Made"}),
    ("5555-1234", {"Bapak Made"}),
    ("+62 813 5555", {"Bapak Made"}),
    ("0819-7777", {"Bapak Made"}),  # his daughter's number
    ("sari", {"Ibu Sari"}),
    ("Made", {"Bapak Made"}),
    ("0812-9999", set()),
    ("1000", {"Ibu Sari"}),  # four digits are looked for anywhere in the number
]


def with_a_row_on_every_list(patient: Patient) -> Patient:
    now = timezone.now()
    make_reminder(make_schedule(patient))
    queue_message(patient)
    PatientReply.objects.create(patient=patient, text="halo", received_at=now)
    Escalation.objects.create(patient=patient, rule=Escalation.Rule.NOT_YET_TWICE, local_date=now.date())
    CheckIn.objects.create(patient=patient, week=now.date(), due_at=now, answer_deadline=now + timedelta(days=1))
    return patient


@pytest.fixture
def patients(ani, budi):
    sari = with_a_row_on_every_list(make_patient("+6281210001111", name="Ibu Sari", volunteer=ani))
    made = with_a_row_on_every_list(make_patient("+6281355551234", name="Bapak Made", volunteer=ani))
    made.caregivers.create(name="Putu", relation="anak", phone="+6281977770000")
    agus = with_a_row_on_every_list(make_patient("+6281355559999", name="Bapak Agus", volunteer=budi))
    return sari, made, agus


def found(client, model: str, query: dict, typed: str) -> set[str]:
    response = client.get(reverse(f"admin:reminders_{model}_changelist"), {**query, "q": typed})
    assert response.status_code == 200
    return {str(row if isinstance(row, Patient) else row.patient) for row in response.context["cl"].result_list}


@pytest.mark.parametrize("model, query", LISTS)
def test_a_volunteer_finds_her_patient_by_any_part_of_a_number_or_the_name_on_every_list(
        ani_client, patients, model, query):
    assert {typed: found(ani_client, model, query, typed) for typed, _whom in TYPED} == dict(TYPED)


def test_a_search_never_shows_a_volunteer_another_volunteers_patient(client, ani, budi, patients):
    client.force_login(budi)
    for model, query in LISTS:
        assert found(client, model, query, "08135555") == {"Bapak Agus"}, model
        assert found(client, model, query, "0819-7777") == set(), model  # Made's daughter's number
        assert found(client, model, query, "Made") == set(), model


def test_a_coordinator_finds_every_patient_the_number_fits(coordinator_client, patients):
    for model, query in LISTS:
        assert found(coordinator_client, model, query, "0813-5555") == {"Bapak Made", "Bapak Agus"}, model


def test_the_patient_picker_finds_a_patient_by_part_of_the_number(ani_client, patients):
    response = ani_client.get(reverse("admin:autocomplete"), {
        "app_label": "reminders", "model_name": "reminderschedule", "field_name": "patient", "term": "0812-1000"})
    assert [result["text"] for result in response.json()["results"]] == ["Ibu Sari"]


def test_text_that_is_not_a_number_still_searches_the_lists_own_fields(ani_client, patients):
    PatientReply.objects.filter(patient=patients[0]).update(text="nomor saya 0812 1000")
    assert found(ani_client, "patientreply", {"inbox": "all"}, "saya") == {"Ibu Sari"}
