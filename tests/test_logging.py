"""Log lines: one per send attempt and per webhook event, phones masked, secrets never."""
import json
import logging

import pytest

from prima.logging import RedactSecrets
from tests.factories import make_patient, queue_message
from tests.reminders.test_sending import drain_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]

PHONE = "+6281234567890"


def test_a_send_attempt_logs_one_line_with_ids_outcome_duration_and_a_masked_phone(outbox, caplog):
    caplog.set_level(logging.INFO)
    message = queue_message(make_patient(PHONE))
    drain_all()
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("send ")]
    assert f"message_id={message.id}" in line and "outcome=sent" in line and "duration_ms=" in line
    assert "to=+62812*****890" in line
    assert "81234567890" not in caplog.text


def test_a_webhook_event_logs_one_line_with_its_state_and_no_phone(client, settings, caplog):
    settings.FONNTE_WEBHOOK_SECRET = "hook-secret"
    caplog.set_level(logging.INFO)
    make_patient(PHONE)
    client.post("/webhooks/fonnte/hook-secret/incoming/", data=json.dumps({"sender": "6281234567890", "message": "x"}),
                content_type="application/json")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("webhook event_id=")]
    assert len(lines) == 1 and "state=PROCESSED" in lines[0] and "duration_ms=" in lines[0]
    assert "81234567890" not in caplog.text


def test_secrets_are_redacted_from_any_log_record(settings):
    settings.FONNTE_WEBHOOK_SECRET, settings.FONNTE_TOKEN = "hook-secret", "device-token"
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s (token %s)",
        ("/webhooks/fonnte/hook-secret/status/", "device-token"), None,
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "Not Found: /webhooks/fonnte/[redacted]/status/ (token [redacted])"
