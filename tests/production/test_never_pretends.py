"""Production never pretends: with DEBUG off, a WhatsApp or email backend that reaches nobody
(it prints, keeps the messages in memory, or cannot be built) is a `check --deploy` error and
the senders refuse to start in one line; ALLOW_DEMO_BACKENDS allows a stand-in for a demo."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from reminders.models import Message
from tests.factories import queue_message
from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x7" * 30 + "Qz-_9a"
# Everything production needs but the backends; each test adds the backend settings it tries.
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "prima.example.org",
              "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO", "FONNTE_WEBHOOK_SECRET": "w" * 40,
              "FONNTE_DEVICES": "6281100000000", "METRICS_TOKEN": "m" * 40}
REAL = {"FONNTE_TOKEN": "a-real-token", "EMAIL_URL": "smtp+tls://prima:secret@smtp.example.org:587"}
NOT_INHERITED = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "FONNTE_TOKEN", "EMAIL_URL", "WHATSAPP_BACKEND",
                 "ALLOW_DEMO_BACKENDS", "TEST_DATABASE_NAME")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """A command on the test database (no WhatsApp device in it), as production runs it."""
    environment = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    environment.update(DATABASE_URL=database_url(connection.settings_dict), **PRODUCTION)
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def check_deploy(*args: str, **env: str) -> subprocess.CompletedProcess:
    return manage("check", "--deploy", *args, **env)


@pytest.mark.django_db
@pytest.mark.parametrize("env, setting, words", [
    ({**REAL, "WHATSAPP_BACKEND": "console"}, "WHATSAPP_BACKEND", "prints each message"),
    ({**REAL, "WHATSAPP_BACKEND": "locmem"}, "WHATSAPP_BACKEND", "keeps each message in memory"),
    # No token: the Fonnte backend, not a silent fallback to the console, and it cannot be built.
    ({**REAL, "FONNTE_TOKEN": ""}, "FONNTE_TOKEN", "FONNTE_TOKEN must be set"),
    ({"FONNTE_TOKEN": "a-real-token"}, "EMAIL_URL", "console email backend"),
    ({**REAL, "EMAIL_URL": "dummymail://"}, "EMAIL_URL", "dummy email backend"),
])
def test_a_backend_that_reaches_nobody_is_a_deploy_check_error_naming_its_setting(env, setting, words):
    result = check_deploy(**env)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("?: (reminders.E")]
    assert len(errors) == 1, result.stderr
    assert setting in errors[0] and words in errors[0]


@pytest.mark.django_db
def test_real_backends_pass_the_deploy_check():
    result = check_deploy("--fail-level", "WARNING", **REAL)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_a_demo_allowed_by_its_setting_passes_with_a_warning_that_nothing_is_sent():
    result = check_deploy(ALLOW_DEMO_BACKENDS="1")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "(reminders.W" in line]
    assert len(warnings) == 2 and "prints each message" in warnings[0] and "console email" in warnings[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("env, named", [
    ({**REAL, "WHATSAPP_BACKEND": "console"}, "WHATSAPP_BACKEND is console"),
    ({**REAL, "FONNTE_TOKEN": ""}, "FONNTE_TOKEN must be set"),
    ({"FONNTE_TOKEN": "a-real-token"}, "EMAIL_URL"),
])
def test_send_reminders_refuses_to_start_in_one_line_and_sends_nothing(env, named):
    waiting = queue_message()
    result = manage("send_reminders", "--max-seconds", "5", **env)
    assert result.returncode == 2
    assert result.stdout == ""  # no "sent=1"
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Configuration error: ")
    assert named in result.stderr
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (Message.Status.QUEUED, 0)


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_recorded_as_the_reason_nothing_ticks(prima_status):
    manage("send_reminders", "--max-seconds", "5", **{**REAL, "WHATSAPP_BACKEND": "console"})
    assert "send_reminders refused to start: WHATSAPP_BACKEND is console" in prima_status()["text"]


@pytest.mark.django_db(transaction=True)
def test_send_reminders_prints_for_a_demo_that_allows_it():
    waiting = queue_message(body="Halo demo")
    result = manage("send_reminders", "--max-seconds", "5", ALLOW_DEMO_BACKENDS="1")
    assert result.returncode == 0, result.stderr
    assert "Halo demo" in result.stdout and "sent=1" in result.stdout
    waiting.refresh_from_db()
    assert waiting.status == Message.Status.SENT
