"""The Celery shape when it cannot send: a worker (or beat) whose WhatsApp backend cannot be
built stops at start in one line, instead of claiming messages and stranding them SENDING with
a traceback every minute; and messages stuck past their lease are counted by prima_status,
/healthz and /metrics until they are sent, the sweep that puts them back in the queue
notwithstanding."""
import os
import signal
import subprocess
from datetime import timedelta

import pytest
import responses
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from reminders.health import record_tick
from reminders.models import Message
from reminders.outbox.dispatch import publish
from reminders.outbox.sending import claim_due_messages
from reminders.tasks import send_message, send_messages, sweep, tick
from tests.celery.cluster import CELERY, ROOT, broker, worker_environment
from tests.factories import queue_message

SECRET = "x7" * 30 + "Qz-_9a"
TOKEN_PROBLEM = "FONNTE_TOKEN must be set to send through Fonnte (or a WhatsApp device added in the admin)"


def run_until_it_ends(command: list[str], environment: dict[str, str],
                      timeout: float = 45) -> tuple[int | None, str, str]:
    """Run a Celery program; (exit status, stdout, stderr), the status None when it was still
    running after `timeout` seconds (then stopped, with whatever it started)."""
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environment}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return None, out, err


WORKER = [str(CELERY), "-A", "prima", "worker", "--pool=prefork", "--concurrency=1", "--without-gossip",
          "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("overrides, said", [
    ({"FONNTE_TOKEN": ""}, f"celery worker: configuration error: {TOKEN_PROBLEM}: no WhatsApp message can be sent"),
    # Production with a backend that only prints: refused too (ALLOW_DEMO_BACKENDS would allow it).
    ({"DEBUG": "0", "SECRET_KEY": SECRET, "WHATSAPP_BACKEND": "console", "EMAIL_URL": "smtp://127.0.0.1:25"},
     "celery worker: configuration error: WHATSAPP_BACKEND is console: it prints each message to the console "
     "instead of sending it; set it for real, or ALLOW_DEMO_BACKENDS=1 for a demo"),
])
def test_a_worker_that_cannot_send_stops_at_start_in_one_line_and_claims_nothing(redis_url, overrides, said):
    waiting = queue_message()
    with broker(redis_url):
        publish([waiting.id])  # what beat's tick would hand it
    status, out, err = run_until_it_ends(WORKER, worker_environment(redis_url, "http://127.0.0.1:9", **overrides))
    assert status == 2, f"the worker is still running or ended otherwise ({status}):\n{err[-3000:]}"
    assert err.splitlines() == [said]
    assert "Traceback" not in out + err
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (Message.Status.QUEUED, 0)


@pytest.mark.django_db(transaction=True)
def test_beat_that_cannot_send_stops_at_start_in_one_line(redis_url, tmp_path):
    environment = worker_environment(redis_url, "http://127.0.0.1:9", FONNTE_TOKEN="",
                                     CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "beat"))
    status, out, err = run_until_it_ends([str(CELERY), "-A", "prima", "beat", "--loglevel=INFO"], environment)
    assert status == 2, f"beat is still running or ended otherwise ({status}):\n{err[-3000:]}"
    assert err.splitlines() == [f"celery beat: configuration error: {TOKEN_PROBLEM}: no WhatsApp message can be sent"]


@pytest.mark.django_db
def test_the_refusal_is_recorded_for_the_health_page(prima_status, settings):
    from prima.celery import refuse_to_pretend

    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.fonnte.FonnteBackend", ""
    with pytest.raises(SystemExit):
        refuse_to_pretend("celery worker")
    assert f"celery worker refused to start: {TOKEN_PROBLEM}" in prima_status()["text"]


@pytest.mark.django_db
@pytest.mark.parametrize("task", ["send_messages", "send_message"])
def test_a_task_whose_backend_cannot_be_built_claims_nothing(settings, task):
    """A worker started before the token was removed: the task fails before claiming, so the
    message waits QUEUED (counted as due, late) instead of SENDING until its lease runs out."""
    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.fonnte.FonnteBackend", ""
    waiting = queue_message()
    with pytest.raises(ImproperlyConfigured):
        send_messages([waiting.id]) if task == "send_messages" else send_message(waiting.id)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.lease_token) == (Message.Status.QUEUED, None)


def stuck(count: int) -> str:
    return f"{count} message(s) stuck past their lease"


def a_worker_claims_and_stops() -> None:
    """A worker claims what is due, then dies (or crashes) before sending; its lease runs out."""
    claims = claim_due_messages(50).claims
    Message.objects.filter(id__in=[c.message_id for c in claims]).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def fonnte(settings):
    settings.FONNTE_TOKEN, settings.WHATSAPP_BACKEND = "device-token-1", "reminders.backends.fonnte.FonnteBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("POST", "https://api.fonnte.com/send", json={"status": True, "detail": "ok", "id": [1]})
        yield mock


@pytest.mark.django_db
def test_messages_stuck_past_their_lease_are_counted_until_sent_whatever_the_sweep_does(fonnte, client, settings,
                                                                                        memory_broker, prima_status):
    settings.METRICS_TOKEN = "m" * 40
    record_tick()
    queue_message()
    queue_message()
    assert prima_status()["sending"] == "ok"

    a_worker_claims_and_stops()
    assert stuck(2) in prima_status()["sending"]
    sweep()  # back in the queue, not sent: still stuck
    assert Message.objects.filter(status=Message.Status.QUEUED).count() == 2
    lines = prima_status()
    assert stuck(2) in lines["sending"] and "stale_leases=2" in lines["outbox"]
    a_worker_claims_and_stops()  # a worker that keeps failing claims them again and again
    health = client.get("/healthz").json()
    assert health["stale_leases"] == 2 and stuck(2) in health["sending"]
    metrics = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40}).content.decode()
    assert 'prima_queue_messages{state="stale_lease"} 2.0' in metrics

    sweep()
    tick()  # publishes them; a worker that can send sends them
    for message in Message.objects.all():
        send_message(message.id)
    lines = prima_status()
    assert (lines["sending"], lines["outbox"].split()[2]) == ("ok", "stale_leases=0")
    assert Message.objects.filter(status=Message.Status.SENT).count() == 2
