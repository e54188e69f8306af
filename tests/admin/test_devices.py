"""Coordinators keep the WhatsApp devices in the admin: the token goes in and never comes back
out; patients are moved between devices by an action that has the old number tell them."""
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from reminders.outbox.devices import device_token, encrypt_token
from reminders.models import Device, Message, Patient
from tests.factories import make_patient

pytestmark = pytest.mark.django_db

TOKEN = "fonnte-token-9f8e7d"
DEVICES = reverse("admin:reminders_device_changelist")
PATIENTS = reverse("admin:reminders_patient_changelist")


def add_device(client, number="6281100000002", token=TOKEN, **fields):
    return client.post(reverse("admin:reminders_device_add"),
                       {"number": number, "label": "Nomor kedua", "is_active": "on", "token": token, **fields})


def test_a_coordinator_adds_a_device_and_its_token_is_kept_encrypted_never_shown(coordinator_client):
    response = add_device(coordinator_client)

    assert response.status_code == 302
    device = Device.objects.get()
    assert device.number == "+6281100000002" and device_token(device) == TOKEN
    assert TOKEN not in device.token_encrypted
    for page in (DEVICES, reverse("admin:reminders_device_change", args=[device.id]),
                 reverse("admin:reminders_device_history", args=[device.id])):
        assert TOKEN not in coordinator_client.get(page).content.decode()
    assert all(TOKEN not in entry.change_message for entry in LogEntry.objects.all())


def test_a_new_device_needs_a_token_and_an_edit_without_one_keeps_it(coordinator_client):
    response = add_device(coordinator_client, token="")
    assert response.status_code == 200 and "A new device needs its Fonnte token." in response.content.decode()
    assert not Device.objects.exists()

    device = Device.objects.create(number="+6281100000002", token_encrypted=encrypt_token(TOKEN))
    change = reverse("admin:reminders_device_change", args=[device.id])
    assert coordinator_client.post(change, {"label": "Posko", "is_active": "on", "token": ""}).status_code == 302
    device.refresh_from_db()
    assert (device.label, device_token(device)) == ("Posko", TOKEN)

    coordinator_client.post(change, {"label": "Posko", "is_active": "on", "token": "rotated-token"})
    device.refresh_from_db()
    assert device_token(device) == "rotated-token"


def test_a_volunteer_cannot_see_or_add_devices(ani_client):
    assert ani_client.get(DEVICES).status_code == 403
    assert add_device(ani_client).status_code == 403
    assert not Device.objects.exists()


def test_the_move_action_asks_for_the_device_then_moves_and_the_old_number_tells_once(coordinator_client):
    old = Device.objects.create(number="+6281100000001", token_encrypted=encrypt_token("old"))
    new = Device.objects.create(number="+6281100000002", token_encrypted=encrypt_token("new"))
    patients = [make_patient(device=old), make_patient(name="Pak Budi", device=old)]
    chosen = {"action": "move_to_device", ACTION_CHECKBOX_NAME: [p.id for p in patients]}

    asked = coordinator_client.post(PATIENTS, chosen)
    assert asked.status_code == 200 and 'name="device"' in asked.content.decode()
    assert Patient.objects.filter(device=new).count() == 0  # nothing happens before the choice

    done = coordinator_client.post(PATIENTS, {**chosen, "apply": "1", "device": new.id}, follow=True,
                                   HTTP_ACCEPT_LANGUAGE="id")

    assert "2 pasien dipindahkan ke +6281100000002: 2 akan diberi tahu nomor baru" in done.content.decode()
    assert set(Patient.objects.values_list("device", flat=True)) == {new.id}
    notices = Message.objects.filter(kind=Message.Kind.NOTICE)
    assert sorted((m.patient_id, m.device_id) for m in notices) == sorted((p.id, old.id) for p in patients)
    assert all("dari nomor 0811-0000-0002." in m.body for m in notices)  # as the patient dials it

    again = coordinator_client.post(PATIENTS, {**chosen, "apply": "1", "device": new.id}, follow=True,
                                    HTTP_ACCEPT_LANGUAGE="id")
    assert notices.count() == 2 and "0 pasien dipindahkan" in again.content.decode()  # already there: nothing
    back = coordinator_client.post(PATIENTS, {**chosen, "apply": "1", "device": old.id}, follow=True,
                                   HTTP_ACCEPT_LANGUAGE="id")
    assert "2 sudah kembali ke nomor yang mereka kenal" in back.content.decode()  # notices withdrawn, none new
    assert not notices.filter(status="QUEUED").exists()


def test_a_volunteer_is_not_offered_the_move(ani_client, anis_patient):
    Device.objects.create(number="+6281100000002", token_encrypted=encrypt_token(TOKEN))

    page = ani_client.get(PATIENTS).content.decode()
    refused = ani_client.post(PATIENTS, {"action": "move_to_device", ACTION_CHECKBOX_NAME: [anis_patient.id],
                                         "apply": "1", "device": Device.objects.get().id})

    assert "move_to_device" not in page
    assert refused.status_code in (200, 302)
    anis_patient.refresh_from_db()
    assert anis_patient.device_id is None
