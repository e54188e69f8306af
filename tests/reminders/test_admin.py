import pytest
from django.urls import reverse

from reminders.models import Message, Patient, Reminder, ReminderSchedule
from tests.factories import NO_CAREGIVERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return Patient.objects.create(name="Ibu Sari", phone="081234567890")


@pytest.mark.parametrize("model", [Patient, ReminderSchedule, Reminder, Message])
def test_each_changelist_loads(admin_client, patient, model):
    url = reverse(f"admin:reminders_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("spelling", ["0812-3456-7890", "6281234567890", "+62 812 3456 7890"])
def test_it_finds_a_patient_by_phone_in_any_spelling(admin_client, patient, spelling):
    Patient.objects.create(name="Bapak Lain", phone="081299999999")
    response = admin_client.get(reverse("admin:reminders_patient_changelist"), {"q": spelling})
    assert list(response.context["cl"].result_list) == [patient]


def test_it_normalises_the_phone_typed_in_the_add_form(admin_client):
    response = admin_client.post(
        reverse("admin:reminders_patient_add"),
        {
            "name": "Ibu Baru",
            "phone": "0812 1111 2222",
            "time_zone": "Asia/Makassar",
            "verification_status": "PENDING",
            "is_active": "on",
            "schedules-TOTAL_FORMS": "0",
            "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS,
        },
    )
    assert response.status_code == 302
    assert Patient.objects.get(name="Ibu Baru").phone == "+6281211112222"


def test_it_shows_an_invalid_phone_as_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:reminders_patient_add"),
        {"name": "X", "phone": "12345", "time_zone": "Asia/Jakarta", "verification_status": "PENDING",
         "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS},
    )
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not Patient.objects.filter(name="X").exists()
