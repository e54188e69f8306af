"""The sending promise under real races: separate processes, each with its own connection,
sending through a local HTTP stand-in for Fonnte that counts every request."""
import os
import signal
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from reminders.backends.fonnte import FonnteBackend
from reminders.models import Message, Reminder
from reminders.outbox.sending import Outcome, Skip, claim_message, deliver
from tests.factories import make_patient, make_schedule, materialise, queue_message
from tests.fonnte_standin import FonnteStandIn
from tests.processes import _context, run_in_processes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rate_limits")]


@pytest.fixture
def fonnte(settings):
    with FonnteStandIn() as standin:
        settings.FONNTE_TOKEN = "test-token"
        settings.FONNTE_BASE_URL = standin.base_url
        settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
        yield standin


def claim_and_send(message_id):
    claimed = claim_message(message_id)
    if isinstance(claimed, Skip):
        return str(claimed)
    return str(deliver(claimed, FonnteBackend()))


def test_fifty_processes_racing_for_one_message_send_it_once(fonnte):
    message = queue_message()
    results = run_in_processes(claim_and_send, [(message.id,)] * 50)
    assert results.count(Outcome.SENT) == 1
    assert set(results) - {Outcome.SENT} <= {Skip.ALREADY_CLAIMED, Skip.ALREADY_SENT}
    assert fonnte.total() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("SENT", 1)


def run_send_reminders_loop():
    call_command("send_reminders", "--loop", "--max-seconds", "300", "--interval", "0.2", "--batch-size", "20")
    connections.close_all()


def test_four_send_reminders_loops_send_a_thousand_messages_exactly_once(fonnte):
    patients = [make_patient() for _ in range(20)]
    messages = [queue_message(patients[i % 20], body=f"Pesan nomor {i}") for i in range(1000)]
    connections.close_all()
    loops = [_context.Process(target=run_send_reminders_loop) for _ in range(4)]
    for loop in loops:
        loop.start()
    deadline = time.monotonic() + 240
    while Message.objects.exclude(status="SENT").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    for loop in loops:  # SIGTERM: each loop finishes what is in flight and exits cleanly
        os.kill(loop.pid, signal.SIGTERM)
    for loop in loops:
        loop.join(timeout=60)
    assert [loop.exitcode for loop in loops] == [0, 0, 0, 0]
    assert Message.objects.filter(status="SENT").count() == 1000
    assert fonnte.total() == 1000
    assert all(fonnte.requests[(m.phone.lstrip("+"), m.body)] == 1 for m in messages)


def materialise_now():
    return materialise()


def test_racing_materialisations_make_each_reminder_and_message_once():
    now = timezone.localtime()
    with time_machine.travel(now - timedelta(days=1)):  # the schedules existed before today's doses
        schedules = [make_schedule(time_of_day=(now - timedelta(minutes=m)).time()) for m in range(1, 31)]
    created = run_in_processes(materialise_now, [()] * 8)
    assert sum(created) == len(schedules) == Reminder.objects.count()
    assert Message.objects.filter(kind="REMINDER").count() == len(schedules)


def send_with_stuck_provider(message_id, ready):
    claimed = claim_message(message_id)
    ready.set()
    deliver(claimed, FonnteBackend())  # the stand-in never answers in time; we are killed first


def test_a_worker_killed_mid_send_is_retried_by_another_after_its_lease_expires(settings):
    settings.SEND_LEASE_SECONDS = 2
    settings.FONNTE_TOKEN = "test-token"
    settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
    message = queue_message()
    with FonnteStandIn(latency=30) as stuck:
        settings.FONNTE_BASE_URL = stuck.base_url
        connections.close_all()
        ready = _context.Event()
        worker = _context.Process(target=send_with_stuck_provider, args=(message.id, ready))
        worker.start()
        assert ready.wait(30)
        deadline = time.monotonic() + 10
        while stuck.total() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.join()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("SENDING", 1)
    with FonnteStandIn() as healthy:
        settings.FONNTE_BASE_URL = healthy.base_url
        time.sleep(2.5)
        call_command("send_reminders", "--max-seconds", "10")
        assert healthy.total() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("SENT", 2)
