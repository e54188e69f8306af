"""Log lines: one per send attempt and per webhook event, phones masked, secrets never."""
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(server: subprocess.Popen, port: int, deadline_seconds: float = 60) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "runserver exited before listening"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)  # polling for the port, not waiting for luck: the deadline fails the test
    raise AssertionError(f"runserver did not listen on {port} within {deadline_seconds}s")


@pytest.mark.parametrize("debug", ["1", "0"])
def test_runserver_logs_a_refused_webhook_request_once_and_without_the_secret(debug):
    secret, port = "dev-webhook-secret-4f9Kq2", free_port()
    environment = dict(os.environ, DEBUG=debug, FONNTE_WEBHOOK_SECRET=secret, LOG_LEVEL="INFO")
    if debug == "0":  # production mode, served over plain HTTP for the test
        environment.update(SECRET_KEY="k" * 50, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=Path(__file__).resolve().parent.parent, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_listening(server, port)
        response = requests.get(f"http://127.0.0.1:{port}/webhooks/fonnte/{secret}/incoming/", timeout=30)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert response.status_code == 405
    assert secret not in output
    refused = [line for line in output.splitlines() if "Method Not Allowed" in line]
    assert refused == [refused[0]] and "WARNING django.request" in refused[0], output
    assert "/webhooks/fonnte/[redacted]/incoming/" in refused[0]
