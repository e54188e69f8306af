from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.models import DeviceState, Message
from reminders.outbox.sending import Outcome
from tests.factories import queue_message
from tests.reminders.test_sending import drain_all
from tests.webhooks.conftest import post_json
from webhooks.models import WebhookEvent
from webhooks.services import process_pending_events

pytestmark = pytest.mark.django_db


def status(provider_id="9001", stateid="", **fields):
    return {"device": "6281100000000", "id": provider_id, "stateid": stateid, **fields}


@pytest.fixture
def sent():
    return queue_message(status=Message.Status.SENT, provider_message_id="9001", sent_at=timezone.now())


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"status": "sent", "state": "delivered"}, "DELIVERED"),
        ({"status": "sent", "state": "read"}, "READ"),
        ({"status": "sent", "state": "sent"}, "SENT"),
        ({"status": "invalid"}, "FAILED"),
        ({"status": "failed"}, "FAILED"),
        ({"status": "expired"}, "FAILED"),
        ({"status": "url unreachable"}, "FAILED"),
        ({"status": "pending"}, "SENT"),
        ({"status": "processing"}, "SENT"),
        ({"status": "waiting"}, "SENT"),
    ],
)
def test_fonnte_states_map_onto_the_message(client, sent, fields, expected):
    assert post_json(client, status(**fields), kind="status").json() == {"status": "processed"}
    sent.refresh_from_db()
    assert sent.status == expected
    if expected == "FAILED":
        assert sent.end_reason.startswith(f"Fonnte status: {fields['status']} (")


def test_an_expired_message_says_the_device_was_disconnected_for_7_days(client, sent):
    post_json(client, status(status="expired"), kind="status")
    sent.refresh_from_db()
    assert sent.end_reason == "Fonnte status: expired (the device stayed disconnected for 7 days)"


def test_read_before_delivered_stays_read(client, sent):
    post_json(client, status(stateid="2", status="sent", state="read"), kind="status")
    post_json(client, status(stateid="1", status="sent", state="delivered"), kind="status")
    sent.refresh_from_db()
    assert sent.status == "READ" and sent.read_at and sent.delivered_at


def test_a_status_is_deduplicated_by_id_and_stateid(client, sent):
    payload = status(stateid="5", status="sent", state="delivered")
    post_json(client, payload, kind="status")
    assert post_json(client, payload, kind="status").json() == {"status": "duplicate"}
    assert WebhookEvent.objects.get().dedupe_key == "status:9001:5"


def test_a_status_that_arrives_before_our_send_result_is_applied_later(client):
    message = queue_message(status=Message.Status.SENDING)
    response = post_json(client, status(provider_id="4242", stateid="1", status="sent", state="delivered"),
                         kind="status")
    assert response.json() == {"status": "received"}
    Message.objects.filter(id=message.id).update(status="SENT", provider_message_id="4242")
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(seconds=10))
    assert process_pending_events()["PROCESSED"] == 1
    message.refresh_from_db()
    assert message.status == "DELIVERED"


def test_a_status_for_a_message_that_never_appears_is_ignored_after_a_while(client, settings):
    settings.WEBHOOK_STATUS_PATIENCE_MINUTES = 30
    post_json(client, status(provider_id="nope", status="sent", state="read"), kind="status")
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=31))
    assert process_pending_events()["gave_up"] == 1
    assert WebhookEvent.objects.get().state == "IGNORED"


def test_a_disconnected_device_defers_sending_and_connect_resumes_at_once(client, outbox):
    message = queue_message()
    post_json(client, {"device": "6281100000000", "status": "disconnect", "reason": "phone offline",
                       "timestamp": int(timezone.now().timestamp())}, kind="device")
    state = DeviceState.objects.get()
    assert not state.connected and state.reason == "phone offline" and state.last_disconnect_at
    assert drain_all()[Outcome.PAUSED] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("QUEUED", 0)
    assert message.last_error == "sending paused: device 6281100000000 disconnected: phone offline"
    assert message.send_after > timezone.now() + timedelta(seconds=30)
    post_json(client, {"device": "6281100000000", "status": "connect",
                       "timestamp": int(timezone.now().timestamp()) + 1}, kind="device")
    assert drain_all()[Outcome.SENT] == 1 and len(outbox) == 1


def test_an_older_device_state_does_not_override_a_newer_one(client):
    now = int(timezone.now().timestamp())
    post_json(client, {"device": "d", "status": "connect", "timestamp": now}, kind="device")
    post_json(client, {"device": "d", "status": "disconnect", "timestamp": now - 60}, kind="device")
    assert DeviceState.objects.get().connected
