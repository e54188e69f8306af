"""The contract between the Cloud API's sending and its webhooks (issue 30): button payloads, the
outbox id a send carries, the customer-service window, a device's secrets."""
import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from reminders.models import Device
from reminders.outbox.cloud_api import (
    button_payload, callback_data, message_id_from_callback, note_inbound, parse_button_payload, window_open,
)
from reminders.outbox.devices import (
    cloud_device_for, device_app_secret, device_token, device_verify_token, encrypt_token,
)

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"


def cloud_device(number="+6281100000001", phone_number_id="106540352242922") -> Device:
    return Device.objects.create(
        number=number, gateway=Device.Gateway.CLOUD_API, cloud_phone_number_id=phone_number_id,
        token_encrypted=encrypt_token("EAAG-token"), app_secret_encrypted=encrypt_token("app-secret"),
        verify_token_encrypted=encrypt_token("verify-me"),
    )


@pytest.mark.parametrize("answer, kind, target", [
    ("taken", "reminder", 8812), ("later", "reminder", 8812), ("attend", "reminder", 9001),
    ("late", "reminder", 9001), ("cancel", "reminder", 9001), ("yes", "consent", 31), ("no", "consent", 31),
])
def test_a_payload_reads_back_as_what_it_answers(answer, kind, target):
    payload = button_payload(answer, kind, target)
    assert payload == f"{answer}:{kind}:{target}"
    assert parse_button_payload(payload) == (answer, kind, target)


@pytest.mark.parametrize("payload", ["", "taken:8812", "taken:consent:1", "yes:reminder:1", "taken:reminder:x",
                                     "taken:reminder:-1", "taken:reminder:1:2", "taken:reminder:١٢"])
def test_a_payload_we_did_not_make_is_none(payload):
    assert parse_button_payload(payload) is None


def test_a_button_that_answers_nothing_is_refused():
    with pytest.raises(ValueError):
        button_payload("yes", "reminder", 1)


def test_the_outbox_id_comes_back_from_a_status():
    assert callback_data(991) == "outbox:991"
    assert message_id_from_callback("outbox:991") == 991
    assert message_id_from_callback("someone else's") is None
    assert message_id_from_callback(None) is None


def test_an_existing_device_is_a_fonnte_one():
    device = Device.objects.create(number="+6281100000009")
    device.refresh_from_db()
    assert device.gateway == Device.Gateway.FONNTE and not device.is_cloud_api


def test_a_device_keeps_its_secrets_encrypted_and_reads_them_back():
    device = cloud_device()
    assert "app-secret" not in device.app_secret_encrypted
    assert (device_token(device), device_app_secret(device), device_verify_token(device)) == (
        "EAAG-token", "app-secret", "verify-me")
    device.app_secret_encrypted = "not a fernet token"
    assert device_app_secret(device) == ""


def test_the_webhook_finds_its_device_by_phone_number_id():
    device = cloud_device()
    Device.objects.create(number="+6281100000002")
    assert cloud_device_for("106540352242922") == device
    assert cloud_device_for("") is None
    assert cloud_device_for("999") is None


def test_two_devices_cannot_share_a_phone_number_id_but_fonnte_ones_have_none():
    cloud_device()
    Device.objects.create(number="+6281100000003")
    Device.objects.create(number="+6281100000004")
    with pytest.raises(IntegrityError):
        cloud_device(number="+6281100000005")


def test_the_window_is_open_for_a_day_after_they_last_wrote_to_that_device():
    device, other = cloud_device(), cloud_device("+6281100000006", "2")
    assert not window_open(PHONE, device)
    note_inbound(device, PHONE, timezone.now() - datetime.timedelta(hours=23))
    assert window_open(PHONE, device)
    assert not window_open(PHONE, other)
    assert not window_open("+6281299999999", device)


def test_the_window_closes_a_little_before_meta_closes_it():
    device = cloud_device()
    note_inbound(device, PHONE, timezone.now() - datetime.timedelta(hours=23, minutes=55))
    assert not window_open(PHONE, device)


def test_a_late_redelivery_of_an_older_message_never_moves_the_window_back():
    device = cloud_device()
    note_inbound(device, PHONE, timezone.now() - datetime.timedelta(hours=1))
    note_inbound(device, PHONE, timezone.now() - datetime.timedelta(hours=30))
    assert window_open(PHONE, device)
    note_inbound(device, PHONE, timezone.now() - datetime.timedelta(minutes=1))
    assert window_open(PHONE, device)
