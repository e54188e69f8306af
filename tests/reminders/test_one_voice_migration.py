"""Migration 0026 on rows written before it: caregiver rows that made one phone get each
reminder twice are set inactive, never deleted."""
import pytest
from django.db import connection

from tests.migrations import models_as_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_patients_own_number_and_a_second_row_of_one_number_are_set_inactive_and_kept():
    with models_as_of("reminders", "0025_urgent_replies_and_staff_whatsapp") as old:
        Patient, Caregiver = old.get_model("reminders", "Patient"), old.get_model("reminders", "Caregiver")
        Message = old.get_model("reminders", "Message")
        sari = Patient.objects.create(name="Ibu Sari", phone="+6281277770009")
        budi = Patient.objects.create(name="Bapak Budi", phone="+6281277770010")

        def caregiver(patient, name: str, phone: str, **fields):
            return Caregiver.objects.create(patient=patient, name=name, phone=phone, **fields)

        herself = caregiver(sari, "Ibu Sari sendiri", "+6281277770009")
        Message.objects.create(patient=sari, caregiver=herself, phone=herself.phone, body="x", status="SENT")
        caregiver(sari, "Rina", "+6281377770001")
        rina_again = caregiver(sari, "Rina lagi", "+6281377770002")
        with connection.cursor() as cursor:  # a second spelling of Rina's number: only SQL could write one
            cursor.execute("UPDATE reminders_caregiver SET phone = '0813-7777-0001' WHERE id = %s", [rina_again.id])
        caregiver(sari, "Dedi", "+6281377770003", is_active=False)
        caregiver(budi, "Rina", "+6281377770001")  # one number for two patients: one reminder per dose each
        caregiver(budi, "Ibu Sari", "+6281277770009")  # a patient caring for another patient
    from reminders.models import Caregiver, Message

    rows = {(caregiver.patient.name, caregiver.name): caregiver.is_active
            for caregiver in Caregiver.objects.select_related("patient")}
    assert rows == {
        ("Ibu Sari", "Ibu Sari sendiri"): False,
        ("Ibu Sari", "Rina"): True,  # the oldest of one number stays
        ("Ibu Sari", "Rina lagi"): False,
        ("Ibu Sari", "Dedi"): False,  # inactive before, left as it was
        ("Bapak Budi", "Rina"): True,
        ("Bapak Budi", "Ibu Sari"): True,
    }
    assert Message.objects.get().caregiver.name == "Ibu Sari sendiri"  # its history stays with it
