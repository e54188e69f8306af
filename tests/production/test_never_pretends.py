"""Production never pretends: with DEBUG off, a WhatsApp or email backend that reaches nobody
(it prints, keeps the messages in memory, or cannot be built) is a `check --deploy` error and
the senders refuse to start in one line; ALLOW_DEMO_BACKENDS allows a stand-in for a demo; and
nothing, demo or not, says "sending: ok" while messages are only printed."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from reminders.health import record_tick
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


@pytest.mark.django_db
@pytest.mark.parametrize("allowed", [True, False])
def test_prima_status_never_says_sending_ok_while_messages_are_only_printed(prima_status, settings, allowed):
    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.console.ConsoleBackend", ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.ALLOW_DEMO_BACKENDS = allowed
    record_tick()
    lines = prima_status()
    assert lines["sending"].startswith("WHATSAPP_BACKEND is console (FONNTE_TOKEN is empty): it prints each message")
    assert ("allowed by ALLOW_DEMO_BACKENDS" in lines["sending"]) == allowed
    assert lines["email"].startswith("EMAIL_URL gives the console email backend")


@pytest.mark.django_db
def test_prima_status_says_the_fonnte_backend_cannot_be_built(prima_status, settings):
    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.fonnte.FonnteBackend", ""
    record_tick()
    assert prima_status()["sending"].startswith("FONNTE_TOKEN must be set to send through Fonnte")


@pytest.mark.django_db
def test_prima_status_says_sending_ok_with_a_real_gateway(prima_status, settings):
    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.fonnte.FonnteBackend", "a-real-token"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    record_tick()
    lines = prima_status()
    assert (lines["sending"], lines["email"]) == ("ok", "ok")


@pytest.mark.django_db
@pytest.mark.parametrize("backend, said", [
    ("reminders.backends.console.ConsoleBackend", "WHATSAPP_BACKEND is console"),
    ("reminders.backends.fonnte.FonnteBackend", "FONNTE_TOKEN must be set"),  # no token, no device
])
def test_healthz_answers_503_in_production_while_whatsapp_reaches_nobody_and_names_why(client, settings, backend,
                                                                                       said):
    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN, settings.ALLOW_DEMO_BACKENDS = backend, "", False
    record_tick()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["sending"].startswith(said)


@pytest.mark.django_db
def test_healthz_of_an_allowed_demo_answers_200_but_never_sending_ok(client, settings):
    settings.WHATSAPP_BACKEND, settings.ALLOW_DEMO_BACKENDS = "reminders.backends.console.ConsoleBackend", True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    record_tick()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert "prints each message" in answer.json()["sending"]
    assert "console email backend" in answer.json()["email"]


@pytest.mark.django_db
def test_metrics_export_a_backend_that_cannot_be_built(client, settings):
    settings.METRICS_TOKEN = "m" * 40
    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.fonnte.FonnteBackend", ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    text = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40}).content.decode()
    assert 'prima_backend_problem{allowed="false",channel="whatsapp",setting="FONNTE_TOKEN"} 1.0' in text
    assert 'channel="email"' not in text


@pytest.mark.django_db
def test_run_prod_refused_by_the_deploy_check_says_so_and_starts_nothing(tmp_path):
    """An operator reading the end of the output sees why nothing runs, not only Django's list."""
    environment = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    environment.update(DATABASE_URL=database_url(connection.settings_dict), **PRODUCTION,
                       FONNTE_TOKEN="a-real-token", STATIC_ROOT=str(tmp_path / "static"),
                       PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    result = subprocess.run([str(ROOT / "deploy" / "run-prod.sh")], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 1
    assert "reminders.E002" in result.stderr  # Django's own words first: EMAIL_URL left at the console
    assert result.stderr.splitlines()[-1] == (
        "run-prod: 'manage.py check --deploy' failed (above); nothing was started")
    assert "started supervisord" not in result.stdout
