"""Coordinators set up WhatsApp Cloud API numbers beside Fonnte ones (issue 30): the gateway is
chosen on the device's form with its secrets write-only, the approved templates are kept in a
registry per device, and the move action takes patients from a Fonnte number to a Cloud API one."""
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from reminders.models import Device, Message, MessageTemplate, Patient
from reminders.outbox.cloud_api import NO_TEMPLATE
from reminders.outbox.devices import device_app_secret, device_token, device_verify_token, encrypt_token
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.reminders.test_sending import drain_all
from tests.scenarios.helpers import move_to_device

pytestmark = pytest.mark.django_db

SECRETS = {"token": "EAAG-access-token-7", "app_secret": "meta-app-secret-3", "verify_token": "prima-verify-5"}
TEMPLATES = reverse("admin:reminders_messagetemplate_changelist")


def add_cloud_device(client, **fields):
    return client.post(reverse("admin:reminders_device_add"), {
        "number": "6281100000009", "label": "Cloud API", "gateway": "CLOUD_API", "is_active": "on",
        "cloud_phone_number_id": "106540352242922", **SECRETS, **fields}, HTTP_ACCEPT_LANGUAGE="id")


def cloud_device(number="+6281100000009") -> Device:
    return Device.objects.create(number=number, gateway=Device.Gateway.CLOUD_API, cloud_phone_number_id=number[-6:],
                                 token_encrypted=encrypt_token("t"), app_secret_encrypted=encrypt_token("s"),
                                 verify_token_encrypted=encrypt_token("v"))


def test_a_coordinator_adds_a_cloud_api_device_and_no_secret_is_ever_shown(coordinator_client):
    assert add_cloud_device(coordinator_client).status_code == 302
    device = Device.objects.get()
    assert device.is_cloud_api and device.cloud_phone_number_id == "106540352242922"
    assert (device_token(device), device_app_secret(device), device_verify_token(device)) == tuple(SECRETS.values())
    pages = [reverse("admin:reminders_device_changelist"), reverse("admin:reminders_device_change", args=[device.id]),
             reverse("admin:reminders_device_history", args=[device.id])]
    for page in pages:
        text = coordinator_client.get(page, HTTP_ACCEPT_LANGUAGE="id").content.decode()
        assert not any(secret in text for secret in SECRETS.values())
    assert "WhatsApp Cloud API (Meta)" in coordinator_client.get(pages[0]).content.decode()
    assert not any(secret in entry.change_message for entry in LogEntry.objects.all() for secret in SECRETS.values())


def test_a_cloud_api_device_needs_its_id_and_each_secret(coordinator_client):
    response = add_cloud_device(coordinator_client, cloud_phone_number_id="", app_secret="", verify_token="")
    page = response.content.decode()
    assert response.status_code == 200 and not Device.objects.exists()
    for said in ("ID nomor telepon dari Meta", "app secret Meta", "verify token webhook"):
        assert said in page


def test_an_edit_keeps_the_secrets_left_empty_and_the_gateway_not_posted(coordinator_client):
    add_cloud_device(coordinator_client)
    device = Device.objects.get()
    change = reverse("admin:reminders_device_change", args=[device.id])
    response = coordinator_client.post(change, {"label": "Posko", "is_active": "on",
                                                "cloud_phone_number_id": "106540352242922", "app_secret": "rotated"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.is_cloud_api and device_app_secret(device) == "rotated"
    assert (device_token(device), device_verify_token(device)) == (SECRETS["token"], SECRETS["verify_token"])


def test_a_fonnte_device_has_no_phone_number_id(coordinator_client):
    response = coordinator_client.post(reverse("admin:reminders_device_add"), {
        "number": "6281100000008", "gateway": "FONNTE", "is_active": "on", "token": "x",
        "cloud_phone_number_id": "123"}, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200 and "Hanya perangkat Cloud API" in response.content.decode()


def template_form(device, **fields):
    return {"device": device.id, "purpose": "MEDICATION", "name": "pengingat_obat", "language": "id",
            "category": "UTILITY", "status": "APPROVED", "body": "Halo {{1}}, minum obat pukul {{2}}.",
            "parameters": '["nama", "waktu"]', "buttons": '["TAKEN", "NOT_YET"]', **fields}


def test_a_coordinator_registers_an_approved_template_and_what_waited_for_it_is_due(coordinator_client):
    device = cloud_device()
    patient = make_patient(device=device)
    waiting = queue_message(patient, reminder=make_reminder(make_schedule(patient)),
                            send_after=timezone.now() + timezone.timedelta(minutes=15),
                            last_error=f"{NO_TEMPLATE}: Medication reminder (outside the 24-hour window)")
    response = coordinator_client.post(reverse("admin:reminders_messagetemplate_add"), template_form(device))
    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.parameters, template.buttons) == (["nama", "waktu"], ["TAKEN", "NOT_YET"])
    waiting.refresh_from_db()
    assert waiting.send_after <= timezone.now()
    listing = coordinator_client.get(TEMPLATES, {"q": "pengingat", "status__exact": "APPROVED"},
                                     HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "pengingat_obat" in listing and "Disetujui" in listing


@pytest.mark.parametrize("fields, said", [
    ({"name": "Pengingat Obat"}, "huruf kecil, angka"),
    ({"parameters": '["nama"]'}, "beri satu nilai"),
    ({"parameters": '["nama", "dosis"]'}, "PRIMA tidak mengenal"),
    ({"buttons": '["SUDAH"]'}, "PRIMA tidak mengenal"),
])
def test_a_template_prima_could_not_send_is_refused_with_the_reason(coordinator_client, fields, said):
    device = cloud_device()
    response = coordinator_client.post(reverse("admin:reminders_messagetemplate_add"),
                                       template_form(device, **fields), HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200 and said in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_one_meta_template_serves_several_purposes_as_the_set_up_steps_say(coordinator_client):
    """docs/gateways.md: one plain `pesan_prima` ("{{1}}") for notices, follow-ups and alerts to
    staff. Each purpose is its own row of the registry; the same purpose twice is refused."""
    device = cloud_device()
    plain = {"name": "pesan_prima", "body": "{{1}}", "parameters": '["pesan"]', "buttons": "[]"}
    add = reverse("admin:reminders_messagetemplate_add")
    for purpose in ("NOTICE", "FOLLOW_UP", "STAFF_ALERT"):
        response = coordinator_client.post(add, template_form(device, purpose=purpose, **plain))
        assert response.status_code == 302, response.content.decode()
    assert sorted(MessageTemplate.objects.values_list("purpose", flat=True)) == ["FOLLOW_UP", "NOTICE", "STAFF_ALERT"]
    again = coordinator_client.post(add, template_form(device, purpose="NOTICE", **plain), HTTP_ACCEPT_LANGUAGE="id")
    assert again.status_code == 200 and MessageTemplate.objects.count() == 3


def test_only_cloud_api_devices_are_offered_for_a_template(coordinator_client):
    cloud_device()
    Device.objects.create(number="+6281100000007", token_encrypted=encrypt_token("f"))
    page = coordinator_client.get(reverse("admin:reminders_messagetemplate_add")).content.decode()
    assert "+6281100000009" in page and "+6281100000007" not in page


def test_a_volunteer_cannot_see_the_templates(ani_client):
    assert ani_client.get(TEMPLATES).status_code == 403


def test_moving_patients_from_a_fonnte_number_to_a_cloud_api_number(coordinator_client, outbox, settings):
    settings.RATE_LIMITS = {name: {"limit": 1_000_000, "window": 60.0} for name in settings.RATE_LIMITS}
    fonnte = Device.objects.create(number="+6281100000001", token_encrypted=encrypt_token("fonnte"))
    cloud = cloud_device()
    MessageTemplate.objects.create(device=cloud, purpose="MEDICATION", name="pengingat_obat", body="Halo {{1}}",
                                   parameters=["nama"], buttons=["TAKEN", "NOT_YET"], status="APPROVED")
    patient = make_patient(device=fonnte)
    done = move_to_device(coordinator_client, [patient], cloud)
    assert done.status_code == 200
    assert Patient.objects.get(id=patient.id).device_id == cloud.id
    reminder = make_reminder(make_schedule(patient))
    queue_message(patient, reminder=reminder, body="Halo Ibu Sari, waktunya minum obat.")

    drain_all()
    drain_all()  # the reminder waited for the notice, and goes once it went

    notice, sent = outbox
    assert (notice.device, notice.content) == (fonnte.number, None)  # the old number tells them, through Fonnte
    assert "0811-0000-0009" in notice.body
    assert sent.device == cloud.number and sent.content["type"] == "template"  # outside the window: the template
    assert Message.objects.filter(kind=Message.Kind.NOTICE, patient=patient).count() == 1


def test_what_waits_for_a_template_is_shown_on_the_health_page_hari_ini_healthz_and_prima_status(
        coordinator_client, settings, prima_status):
    settings.ALLOW_DEMO_BACKENDS = True
    device = cloud_device()
    patient = make_patient(device=device)
    for _ in range(2):
        queue_message(patient, send_after=timezone.now() + timezone.timedelta(minutes=15),
                      last_error=f"{NO_TEMPLATE}: Medication reminder (outside the 24-hour window)")
    health = coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist"),
                                    HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert f"2 pesan lewat {device.number} menunggu templat WhatsApp:" in health
    assert "Medication reminder (outside the 24-hour window)" in health
    assert reverse("admin:reminders_messagetemplate_changelist") in health
    today = coordinator_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "2 pesan menunggu templat WhatsApp" in today and "health-problem" in today
    assert coordinator_client.get("/healthz").json()["waiting_for_template"] == 2
    status = prima_status()
    assert status["waiting for a WhatsApp template"] == "2"
    assert "Medication reminder (outside the 24-hour window)" in status["text"]
