"""The device webhook's token (and anything else secret-looking) is never stored or shown."""
import json

import pytest
from django.db import connection
from django.urls import reverse

from reminders.models import DeviceState
from tests.migrations import models_as_of
from tests.webhooks.conftest import post_json, url
from webhooks.models import WebhookEvent
from webhooks.redaction import REDACTED, redact

pytestmark = pytest.mark.django_db

TOKEN = "Zq7fonnteDeviceTokenXk2"
DEVICE_BODY = {"device": "6285885529352", "status": "disconnect", "token": TOKEN, "timestamp": 1767225600,
               "reason": "logout from phone"}


def tables_containing(text: str) -> list[str]:
    """Every table of the database whose rows, cast whole to text, contain `text`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        tables = [name for (name,) in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} AS row WHERE strpos(row::text, %s) > 0)", [text])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_the_search_finds_a_token_where_one_is_stored():
    WebhookEvent.objects.create(kind="DEVICE", dedupe_key="k", payload={"token": TOKEN}, raw_body="")
    assert tables_containing(TOKEN) == ["public.webhooks_webhookevent"]


def test_a_device_status_is_recorded_and_its_token_is_in_no_table_nor_admin_page(client, admin_client):
    response = post_json(client, DEVICE_BODY, kind="device")

    assert response.status_code == 200 and response.json() == {"status": "processed"}
    device = DeviceState.objects.get()
    assert (device.connected, device.reason) == (False, "logout from phone")
    event = WebhookEvent.objects.get()
    assert event.payload["token"] == REDACTED and f'"token": "{REDACTED}"' in event.raw_body
    assert tables_containing(TOKEN) == []
    for page in [reverse("admin:webhooks_webhookevent_changelist"),
                 reverse("admin:webhooks_webhookevent_change", args=[event.id]),
                 reverse("admin:reminders_devicestate_changelist"),
                 reverse("admin:reminders_devicestate_change", args=[device.id])]:
        shown = admin_client.get(page)
        assert shown.status_code == 200 and TOKEN not in shown.content.decode()


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_body_loses_its_token_too(client, encoding):
    if encoding == "urlencoded":
        from urllib.parse import urlencode

        response = client.post(url("device"), data=urlencode(DEVICE_BODY),
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url("device"), data=DEVICE_BODY)  # the test client's default is multipart
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.state == "PROCESSED" and event.payload["token"] == REDACTED
    assert TOKEN not in event.raw_body and REDACTED in event.raw_body


def test_a_body_that_does_not_parse_loses_its_token_too(client):
    truncated = '{"status": "disconnect", "token": "' + TOKEN + '", '
    client.post(url("device"), data=truncated, content_type="application/json")
    event = WebhookEvent.objects.get()
    assert event.state == "IGNORED" and TOKEN not in event.raw_body and REDACTED in event.raw_body


def test_two_deliveries_of_one_status_are_still_one_event(client):
    post_json(client, DEVICE_BODY, kind="device")
    assert post_json(client, DEVICE_BODY, kind="device").json() == {"status": "duplicate"}


@pytest.mark.parametrize("name", ["token", "Token", "api_key", "apiKey", "X-Api-Key", "client_secret", "password",
                                  "Authorization", "access_token"])
def test_secret_looking_names_in_any_spelling_are_redacted_at_any_depth(name):
    payload = {"device": "628", "extra": [{name: "hunter2-long-value"}], "message": "SUDAH"}
    clean, raw = redact(payload, json.dumps(payload))
    assert clean == {"device": "628", "extra": [{name: REDACTED}], "message": "SUDAH"}
    assert "hunter2" not in raw and json.loads(raw) == clean


def test_ordinary_fields_are_kept_as_they_are():
    payload = {"sender": "6281234567890", "message": "Sudah minum obat, token of thanks", "inboxid": "77",
               "keyword": "x"}
    assert redact(payload, json.dumps(payload)) == (payload, json.dumps(payload))


def test_the_configured_fonnte_token_is_removed_wherever_it_appears(settings):
    settings.FONNTE_TOKEN = "our-own-device-token"
    payload = {"message": "my token is our-own-device-token"}
    clean, raw = redact(payload, json.dumps(payload))
    assert clean == {"message": f"my token is {REDACTED}"} and "our-own-device-token" not in raw


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_scrubs_events_stored_before_redaction():
    with models_as_of("webhooks", "0002_dedupe_horizon") as old_apps:
        OldEvent = old_apps.get_model("webhooks", "WebhookEvent")
        old = OldEvent.objects.create(kind="DEVICE", dedupe_key="old", payload=DEVICE_BODY,
                                      raw_body=json.dumps(DEVICE_BODY), state="PROCESSED")
        untouched = OldEvent.objects.create(kind="INCOMING", dedupe_key="reply", payload={"message": "SUDAH"},
                                            raw_body='{"message": "SUDAH"}', state="PROCESSED")

    assert tables_containing(TOKEN) == []
    scrubbed = WebhookEvent.objects.get(id=old.id)
    assert scrubbed.payload == {**DEVICE_BODY, "token": REDACTED} and REDACTED in scrubbed.raw_body
    assert WebhookEvent.objects.get(id=untouched.id).raw_body == '{"message": "SUDAH"}'
