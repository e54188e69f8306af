"""The task functions themselves, called in-process, and the on-commit hook that hands a
queued message to a worker. Publishing goes to kombu's in-memory broker: real messages,
nothing to start."""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from locks.services import acquire_lock
from prima.celery import app as celery_app
from ratelimit.models import RateLimitEvent
from reminders.outbox import dispatch
from reminders.models import Message, Reminder
from reminders.outbox.queue import queue_message as queue_reply
from reminders.scheduler import TICK_LOCK
from reminders.tasks import mark_missed, send_message, send_messages, sweep, tick
from tests.celery.cluster import ROOT, broker
from tests.celery.conftest import take_published
from tests.factories import make_patient, make_reminder, make_schedule, queue_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]

chores_run = []


def record_chore() -> None:
    chores_run.append("ran")


def test_it_imports_the_app_without_a_broker_or_redis():
    environment = {name: value for name, value in os.environ.items() if name != "CELERY_BROKER_URL"}
    script = (
        "import sys; sys.modules['redis'] = None\n"  # importing redis now fails: nothing may need it
        "from prima.celery import app\n"
        "import django; django.setup(); app.loader.import_default_modules()\n"
        "print(repr(app.conf.broker_url), 'reminders.tasks.send_message' in app.tasks)"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**environment, "DEBUG": "1"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "'' True"


def test_it_schedules_only_registered_tasks_in_beat():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert scheduled == {"reminders.tasks.tick", "reminders.tasks.sweep", "reminders.tasks.mark_missed"}
    assert scheduled <= set(celery_app.tasks)


def test_it_lets_a_slow_send_finish_but_ends_a_task_before_its_lease(settings):
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost
    assert celery_app.conf.worker_prefetch_multiplier == 1
    slowest_send = settings.FONNTE_CONNECT_TIMEOUT + settings.FONNTE_READ_TIMEOUT
    assert slowest_send < celery_app.conf.task_soft_time_limit < celery_app.conf.task_time_limit
    assert celery_app.conf.task_time_limit < settings.SEND_LEASE_SECONDS
    assert celery_app.conf.broker_transport_options["visibility_timeout"] > celery_app.conf.task_time_limit


def test_send_message_sends_a_due_message_and_a_duplicate_task_skips_it(outbox):
    message = queue_message()
    assert send_message(message.id) == "sent"
    assert send_message(message.id) == "already_sent"
    assert len(outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("SENT", 1)


def test_send_messages_sends_the_named_messages_still_due_and_a_duplicate_task_sends_none(outbox):
    due = [queue_message(body=f"Pesan {n}") for n in range(3)]
    later = queue_message(send_after=timezone.now() + timedelta(minutes=30))
    other = queue_message(body="Bukan untuk tugas ini")
    ids = [message.id for message in due] + [later.id, 10**9]
    first = send_messages(ids)
    assert first.startswith("materialised=0 missed=0 sent=3 ") and "not_claimed=2" in first
    again = send_messages(ids)
    assert " sent=0 " in again and "not_claimed=5" in again and len(outbox) == 3
    assert {m.body for m in outbox} == {"Pesan 0", "Pesan 1", "Pesan 2"}
    assert Message.objects.get(id=other.id).status == "QUEUED"


def test_send_message_of_a_message_not_due_or_gone_changes_nothing(outbox):
    later = queue_message(send_after=timezone.now() + timedelta(minutes=30))
    assert send_message(later.id) == "not_due"
    assert send_message(later.id + 1000) == "missing"
    assert outbox == []


def test_tick_materialises_due_reminders_and_publishes_their_messages(memory_broker):
    now = timezone.localtime()
    with time_machine.travel(now - timedelta(days=1)):  # the schedule existed before today's dose
        make_schedule(time_of_day=(now - timedelta(minutes=5)).time())
    waiting = queue_message()
    stats = tick()
    assert stats["materialised"] == 1
    reminder_message = Message.objects.get(reminder__isnull=False)
    assert stats["enqueued"] == 2
    ((task, (ids,)),) = take_published()
    assert task == "reminders.tasks.send_messages" and sorted(ids) == sorted([waiting.id, reminder_message.id])


def test_tick_publishes_nothing_while_workers_are_behind(memory_broker, monkeypatch):
    monkeypatch.setattr(dispatch, "TICK_PUBLISH_LOW_WATER", 2)
    assert dispatch.publish(list(range(1, dispatch.SEND_TASK_BATCH + 2))) == 2
    queue_message()
    assert tick()["enqueued"] == 0
    assert len(take_published()) == 2


def test_tick_is_skipped_while_another_holds_the_tick_lock(memory_broker):
    queue_message()
    lease = acquire_lock(TICK_LOCK, ttl=60)
    assert lease is not None
    assert tick() == "skipped: another tick holds the lock"
    assert take_published() == []


def test_sweep_requeues_stale_leases_runs_housekeeping_and_prunes_rate_limit_events(settings):
    settings.HOUSEKEEPING_TASKS = ["tests.celery.test_tasks.record_chore", "prima.retention.prune_some"]
    chores_run.clear()
    stranded = queue_message(status="SENDING", attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1),
                             send_started_at=timezone.now() - timedelta(minutes=3))
    RateLimitEvent.objects.create(key="whatsapp_send:+62812", created_at=timezone.now() - timedelta(days=1))
    RateLimitEvent.objects.create(key="whatsapp_send:+62812", created_at=timezone.now())
    stats = sweep()
    assert (stats["requeued"], chores_run) == (1, ["ran"])
    assert RateLimitEvent.objects.count() == 1
    stranded.refresh_from_db()
    assert (stranded.status, stranded.last_error) == ("QUEUED", "lease expired while sending: outcome unknown")


def test_mark_missed_closes_reminders_whose_reply_window_passed():
    reminder = make_reminder(reply_deadline=timezone.now() - timedelta(minutes=1))
    assert mark_missed() == 1
    reminder.refresh_from_db()
    assert reminder.confirmation_status == Reminder.Confirmation.MISSED


def test_a_queued_reply_is_published_once_its_transaction_commits(memory_broker, django_capture_on_commit_callbacks):
    patient = make_patient()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = queue_reply(patient, "confirmed")
            assert take_published() == []  # not before the row is committed
    assert take_published() == [("reminders.tasks.send_message", [message.id])]


def test_a_queued_reply_waits_for_the_scheduler_without_a_broker(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queue_reply(make_patient(), "confirmed")
    assert callbacks == []


def test_a_message_not_yet_due_is_left_for_the_tick(memory_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_reply(make_patient(), "confirmed", send_after=timezone.now() + timedelta(minutes=30))
    assert (callbacks, take_published()) == ([], [])


def test_a_broker_that_cannot_be_reached_does_not_undo_the_reply(django_capture_on_commit_callbacks, caplog):
    with broker("redis://127.0.0.1:9/0"):  # nothing listens on the discard port
        with django_capture_on_commit_callbacks(execute=True):
            message = queue_reply(make_patient(), "confirmed")
    assert Message.objects.get(id=message.id).status == "QUEUED"
    assert "Error calling" in caplog.text


def test_a_stopping_worker_gives_the_claimed_messages_back_at_once_unspent(outbox):
    """A warm shutdown told to the pool process (SIGTERM or SIGUSR2): nothing new is started."""
    from prima.celery import stop_requested

    ids = [queue_message().id for _ in range(3)]
    stop_requested.set()
    try:
        assert " sent=0 " in send_messages(ids)
    finally:
        stop_requested.clear()
    assert not outbox
    assert sorted(Message.objects.values_list("status", "attempts")) == [("QUEUED", 0)] * 3


def test_a_pool_process_turns_its_first_sigterm_into_a_stop_request_and_dies_of_the_second():
    """In a child, as Celery's pool makes it: SIGUSR2 from the main process, or the first SIGTERM
    while a task runs (the whole group signalled), is a stop request; a second SIGTERM (a cold
    shutdown, a hard time limit) ends it as before; after the task, SIGTERM is billiard's again."""
    script = (
        "import os, signal, time\n"
        "from prima import celery\n"
        "celery._listen_for_stop()\n"
        "os.kill(os.getpid(), signal.SIGUSR2)\n"
        "assert celery.stop_requested.is_set(); celery.stop_requested.clear()\n"
        "billiards = lambda *args: print('billiard', flush=True)\n"
        "signal.signal(signal.SIGTERM, billiards)\n"
        "celery._take_sigterm_as_a_stop_request()\n"
        "celery._give_sigterm_back()\n"
        "assert signal.getsignal(signal.SIGTERM) is billiards\n"
        "celery._take_sigterm_as_a_stop_request()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "assert celery.stop_requested.is_set()\n"
        "print('asked', flush=True)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "time.sleep(5)\n"
        "print('survived', flush=True)\n"
    )
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "DEBUG": "1"})
    assert child.stdout == "asked\nbilliard\n" and child.returncode == -15, child.stderr
