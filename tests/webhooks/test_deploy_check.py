"""`check --deploy` warns while webhooks would accept any device, and only then."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.outbox.devices import encrypt_token
from reminders.models import Device
from tests.factories import make_patient, make_reminder, make_schedule
from webhooks.apps import cloud_devices_can_be_heard, our_devices_are_known

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secret_set(settings):
    settings.FONNTE_WEBHOOK_SECRET = "s3cret"
    settings.FONNTE_DEVICES = []


def test_it_warns_when_no_number_of_ours_is_known():
    assert [message.id for message in our_devices_are_known(None)] == ["webhooks.W001"]


def test_a_registered_device_is_a_known_number(settings):
    Device.objects.create(number="+6281100000001", label="Perangkat 2")
    assert our_devices_are_known(None) == []


def test_the_setting_is_a_known_number(settings):
    settings.FONNTE_DEVICES = ["+6281100000000"]
    assert our_devices_are_known(None) == []


def test_fonnte_tokens_own_number_must_be_named_once_devices_are_registered_too(settings):
    """Patients on no device hear from FONNTE_TOKEN's number, known only from FONNTE_DEVICES."""
    settings.FONNTE_TOKEN = "default-token"
    Device.objects.create(number="+6281100000001", label="Perangkat 2")
    assert [message.id for message in our_devices_are_known(None)] == ["webhooks.W001"]


def test_a_reply_to_fonnte_tokens_number_counts_while_that_number_is_not_named(client, settings):
    """Devices registered, FONNTE_DEVICES empty: a patient still on FONNTE_TOKEN's number is
    answered, not ignored as a stranger (that number cannot be told from others')."""
    settings.FONNTE_TOKEN = "default-token"
    patient = make_patient()  # before any device: on FONNTE_TOKEN's number
    Device.objects.create(number="+6281100000001", token_encrypted=encrypt_token("t"))
    dose = make_reminder(make_schedule(patient), reply_deadline=timezone.now() + timedelta(hours=1))
    payload = {"device": "6281299990000", "sender": patient.phone.lstrip("+"), "message": "sudah", "inboxid": "d1"}

    answer = client.post("/webhooks/fonnte/s3cret/incoming/", data=json.dumps(payload),
                         content_type="application/json")

    assert answer.json() == {"status": "processed"}
    dose.refresh_from_db()
    assert dose.confirmation_status == "CONFIRMED"


@pytest.mark.parametrize("secret, verify_token, warned", [("app-secret", "verify", False), ("", "verify", True),
                                                          ("app-secret", "", True)])
def test_a_cloud_api_device_that_cannot_check_meta_s_signature_or_handshake_is_warned_about(secret, verify_token,
                                                                                            warned):
    Device.objects.create(number="+6281100000009", gateway=Device.Gateway.CLOUD_API, cloud_phone_number_id="1065",
                          app_secret_encrypted=encrypt_token(secret) if secret else "",
                          verify_token_encrypted=encrypt_token(verify_token) if verify_token else "")
    assert [message.id for message in cloud_devices_can_be_heard(None)] == (["webhooks.W002"] if warned else [])
