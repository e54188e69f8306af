"""`send_reminders --loop` as a long-running process: stopped with SIGTERM it finishes the
message in flight and gives the rest back; a lost database connection does not end it."""
import logging
import os
import signal
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections

from locks.models import Lock
from reminders.models import Message
from tests.factories import make_patient, queue_message
from tests.fonnte_standin import FonnteStandIn
from tests.processes import _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rate_limits")]


@pytest.fixture
def slow_fonnte(settings):
    with FonnteStandIn(latency=1.0) as standin:
        settings.FONNTE_TOKEN = "test-token"
        settings.FONNTE_BASE_URL = standin.base_url
        settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
        yield standin


def run_loop(output_path):
    """The loop, its summary written to `output_path` and its warnings and errors to `.log` beside it."""
    errors = logging.FileHandler(f"{output_path}.log")
    errors.setLevel(logging.WARNING)
    errors.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(errors)
    with open(output_path, "w") as output:
        call_command("send_reminders", "--loop", "--interval", "0.2", "--batch-size", "5", stdout=output)
    connections.close_all()


def start_loop(tmp_path):
    output = tmp_path / "loop.out"
    connections.close_all()
    process = _context.Process(target=run_loop, args=(str(output),))
    process.start()
    return process, output


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigterm_finishes_the_message_in_flight_gives_back_the_rest_and_exits_0(slow_fonnte, settings, tmp_path):
    settings.SEND_LEASE_SECONDS = 30
    patient = make_patient()
    for _ in range(10):
        queue_message(patient)
    process, output = start_loop(tmp_path)
    wait_for(lambda: slow_fonnte.total() >= 1)
    stopped_at = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    process.join(timeout=settings.SEND_LEASE_SECONDS)
    assert process.exitcode == 0 and time.monotonic() - stopped_at < 5
    statuses = list(Message.objects.values_list("status", "attempts"))
    assert statuses.count(("SENT", 1)) == slow_fonnte.total() >= 1
    assert statuses.count(("QUEUED", 0)) == 10 - slow_fonnte.total()
    assert not Lock.objects.exists()
    assert "sent=" in output.read_text().splitlines()[-1]


def test_a_terminated_database_connection_is_logged_and_the_loop_goes_on(settings, tmp_path):
    with FonnteStandIn() as fonnte:
        settings.FONNTE_TOKEN, settings.FONNTE_BASE_URL = "test-token", fonnte.base_url
        settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
        patient = make_patient()
        queue_message(patient)
        process, output = start_loop(tmp_path)
        wait_for(lambda: Message.objects.filter(status="SENT").count() == 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.rowcount >= 1
        queue_message(patient)
        wait_for(lambda: Message.objects.filter(status="SENT").count() == 2)
        os.kill(process.pid, signal.SIGTERM)
        process.join(timeout=30)
    assert process.exitcode == 0
    assert fonnte.total() == 2
    # Where the connection was when it was cut decides who notices first: the loop itself
    # ("database unavailable", counted as database_errors) or a step that logs and goes on (the
    # quota write, the rate limiter, a tick step; Django reconnects after). Either way it is
    # logged as an error, never silent.
    log = Path(f"{output}.log").read_text()
    assert "ERROR" in log and "OperationalError" in log or "database unavailable" in log, log
