"""Only mobile numbers for the people PRIMA writes to on WhatsApp (patients, caregivers, staff),
refused in Indonesian when a landline is typed; what Fonnte sends is taken as it comes."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reminders.models import Caregiver, Message, Patient, StaffProfile
from reminders.phones import validate_mobile
from tests.factories import NO_CAREGIVERS, make_patient, make_reminder, make_schedule, queue_message
from tests.webhooks.conftest import SECRET, post_json

pytestmark = pytest.mark.django_db
INDONESIAN = {"HTTP_ACCEPT_LANGUAGE": "id"}
LANDLINE_REFUSED = "(021) 5551234 adalah nomor telepon rumah/kantor, bukan nomor WhatsApp ponsel."


def new_patient(**fields) -> dict:
    return {"name": "Ibu Baru", "phone": "0812 1111 2222", "time_zone": "Asia/Jakarta", "check_in_time": "10:00",
            "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS, **fields}


def test_a_landline_typed_for_a_new_patient_is_refused_in_indonesian(ani_client):
    response = ani_client.post(reverse("admin:reminders_patient_add"), new_patient(phone="021-555-1234"), **INDONESIAN)
    assert response.status_code == 200 and not Patient.objects.exists()
    assert LANDLINE_REFUSED in response.context["adminform"].form.errors["phone"][0]


def test_a_number_that_is_no_number_is_refused_in_indonesian(ani_client):
    response = ani_client.post(reverse("admin:reminders_patient_add"), new_patient(phone="0812-34"), **INDONESIAN)
    assert response.context["adminform"].form.errors["phone"] == ["0812-34 bukan nomor telepon yang benar."]


def test_a_mobile_is_accepted(ani_client):
    response = ani_client.post(reverse("admin:reminders_patient_add"), new_patient(), **INDONESIAN)
    assert response.status_code == 302 and Patient.objects.get().phone == "+6281211112222"


def test_a_landline_typed_for_a_caregiver_is_refused(ani_client, anis_patient):
    data = {"name": anis_patient.name, "phone": anis_patient.phone, "time_zone": anis_patient.time_zone,
            "check_in_time": "10:00", "is_active": "on", "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0",
            "caregivers-TOTAL_FORMS": "1", "caregivers-INITIAL_FORMS": "0",
            "caregivers-0-name": "Rina", "caregivers-0-phone": "021-555-1234", "caregivers-0-is_active": "on"}
    response = ani_client.post(reverse("admin:reminders_patient_change", args=[anis_patient.pk]), data, **INDONESIAN)
    assert response.status_code == 200 and not Caregiver.objects.exists()
    assert LANDLINE_REFUSED in response.content.decode()


def test_a_landline_typed_as_a_staff_members_whatsapp_is_refused(admin_client, ani):
    response = admin_client.post(reverse("admin:reminders_staffprofile_add"), {"user": ani.pk, "phone": "021-555-1234"},
                                 **INDONESIAN)
    assert response.status_code == 200 and not StaffProfile.objects.exists()
    assert LANDLINE_REFUSED in response.context["adminform"].form.errors["phone"][0]


def test_a_landline_typed_for_a_new_volunteers_whatsapp_is_refused(coordinator_client):
    """The Relawan page's number is a field of its own form, not the model's: it is checked all the same."""
    response = coordinator_client.post(reverse("admin:reminders_volunteer_add"), {
        "name": "Dewi Lestari", "username": "relawan.dewi", "phone": "021-555-1234"}, **INDONESIAN)

    assert response.status_code == 200 and not StaffProfile.objects.exists()
    assert LANDLINE_REFUSED in response.context["adminform"].form.errors["phone"][0]


def test_a_reply_from_a_landline_is_still_taken(client, settings, generous_rate_limits):
    """A number stored before the rule (or however Fonnte writes a sender) is never refused by
    the webhook: the patient's SUDAH counts."""
    settings.FONNTE_WEBHOOK_SECRET = SECRET
    patient = make_patient("+62215551234")
    sent = timezone.now() - timedelta(minutes=1)
    reminder = make_reminder(make_schedule(patient), due_at=sent, reply_deadline=sent + timedelta(hours=2))
    queue_message(patient, reminder=reminder, status=Message.Status.SENT)
    response = post_json(client, {"device": "6281100000000", "sender": "62215551234", "message": "sudah"})
    assert response.json() == {"status": "processed"}
    reminder.refresh_from_db()
    assert reminder.confirmation_status == "CONFIRMED"


def test_the_demo_numbers_are_mobiles():
    call_command("seed_demo", stdout=io.StringIO())
    numbers = [*Patient.objects.values_list("phone", flat=True), *Caregiver.objects.values_list("phone", flat=True),
               *StaffProfile.objects.exclude(phone="").values_list("phone", flat=True)]
    assert numbers
    for number in numbers:
        validate_mobile(number)
