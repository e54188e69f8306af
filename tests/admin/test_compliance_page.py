import pytest
from django.urls import reverse

from tests.factories import make_reminder, make_schedule

pytestmark = pytest.mark.django_db


def test_it_shows_a_table_and_a_chart(ani_client, anis_patient):
    make_reminder(make_schedule(anis_patient), confirmation_status="CONFIRMED")
    response = ani_client.get(reverse("admin:reminders_patient_compliance", args=[anis_patient.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and '<table class="phone-cards phone-compact">' in page
    assert len(response.context["days"]) == 30


def test_it_counts_only_the_volunteers_own_patients_overall(ani_client, anis_patient, budis_patient):
    for patient in (anis_patient, budis_patient):
        make_reminder(make_schedule(patient))
    response = ani_client.get(reverse("admin:reminders_patient_overall_compliance"))
    assert response.context["total"].sent == 0  # neither was sent
    assert sum(1 for _ in response.context["days"]) == 30


def test_it_exports_csv(ani_client, anis_patient):
    response = ani_client.get(reverse("admin:reminders_patient_compliance", args=[anis_patient.pk]), {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/csv"
    assert lines[0] == "day,sent,confirmed,missed,compliance" and len(lines) == 31
