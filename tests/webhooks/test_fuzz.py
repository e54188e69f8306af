"""Thousands of generated bodies: the webhooks never answer 500, and store every body under the cap."""
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from tests.factories import make_patient
from tests.webhooks.conftest import url
from tests.webhooks.test_cloud_api import URL, sign
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

FIELDS = ["sender", "message", "text", "inboxid", "id", "stateid", "status", "state", "device", "member",
          "timestamp", "reason", "name", "type", "url"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
fonnte_like = st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(st.text(max_size=40), st.integers(), json_values, st.sampled_from(
        ["6281200000001", "0812-0000-0001", "120363@g.us", "sudah", "BELUM", "read", "connect", "disconnect",
         "\x00", "9" * 400, "1e308", "-1"])),
    max_size=8,
)
json_bodies = st.one_of(fonnte_like, json_values).map(lambda value: json.dumps(value).encode())
form_bodies = fonnte_like.map(
    lambda fields: "&".join(f"{key}={str(value)[:60]}" for key, value in fields.items()).encode("utf-8", "replace")
)
bodies = st.one_of(json_bodies, form_bodies, st.binary(max_size=300),
                   st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
                   st.just(b"x" * 70_000))
content_types = st.sampled_from([
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
    "multipart/form-data", "text/plain", "", "application/json; charset=latin-1", "garbage/;;;",
])


@hypothesis_settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(["incoming", "status", "device"]), body=bodies, content_type=content_types)
def test_no_body_gets_a_500_and_every_body_under_the_cap_is_stored(kind, body, content_type):
    before = WebhookEvent.objects.count()
    response = Client().generic("POST", url(kind), data=body, content_type=content_type)
    assert response.status_code in (200, 413), response.content[:200]
    if len(body) > 64 * 1024:
        assert response.status_code == 413
        return
    assert response.status_code == 200
    status = response.json()["status"]
    if status == "duplicate":
        assert WebhookEvent.objects.count() == before
    else:
        assert WebhookEvent.objects.count() == before + 1
        assert status in {"processed", "ignored", "rate_limited", "failed", "received"}


@pytest.fixture(autouse=True)
def a_known_patient(db):
    make_patient(phone="081200000001")


cloud_values = st.one_of(st.text(max_size=30), st.integers(), json_values, st.sampled_from(
    ["6281200000001", "106540352242922", "text", "button", "interactive", "audio", "image", "failed", "read",
     "outbox:1", "outbox:x", "taken:reminder:1", "yes:consent:1", "later:reminder:99999999999999999999", "\x00"]))
cloud_items = st.dictionaries(
    st.sampled_from(["from", "id", "type", "timestamp", "text", "button", "interactive", "audio", "image", "context",
                     "status", "recipient_id", "biz_opaque_callback_data", "errors", "reaction"]),
    st.one_of(cloud_values, st.dictionaries(st.sampled_from(["body", "payload", "text", "id", "title", "caption",
                                                             "type", "button_reply", "emoji", "code"]),
                                            cloud_values, max_size=4)),
    max_size=8,
)
cloud_deliveries = st.builds(
    lambda number, messages, statuses: {"object": "whatsapp_business_account", "entry": [{"changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": number}, "messages": messages,
                                        "statuses": statuses}}]}]},
    st.sampled_from(["106540352242922", "", "999"]), st.lists(cloud_items, max_size=3),
    st.lists(cloud_items, max_size=3),
)


@pytest.fixture
def cloud_device(a_known_patient):
    from tests.webhooks.test_cloud_api import make_cloud_device

    return make_cloud_device()


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=st.one_of(cloud_deliveries, json_values))
def test_no_signed_cloud_api_delivery_gets_a_500_or_fails_processing(cloud_device, payload):
    raw = json.dumps(payload).encode()
    response = Client().post(URL, data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(raw))
    assert response.status_code == 200, response.content[:200]
    assert not WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).exists()
