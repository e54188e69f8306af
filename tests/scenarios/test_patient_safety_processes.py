"""The cases of issue 15 where two processes race: real processes, each on its own connection."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from prima.clock import database_now
from reminders.backends import locmem
from reminders.backends.locmem import LocmemBackend
from reminders.doses.materialise import close_overdue_doses
from reminders.models import Message, Reminder
from reminders.outbox.sending import claim_due_messages, deliver, requeue_stale_leases
from reminders.workspace.volunteer_actions import confirm_by_volunteer, resend
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.fonnte_standin import FonnteStandIn
from tests.processes import _context, database_url
from tests.scenarios.helpers import SECRET, at, enrol, run_scheduler, say, wib

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rate_limits", "outbox")]
ROOT = Path(__file__).resolve().parents[2]


def claim_then_send_when_told(claimed, go, results) -> None:
    batch = claim_due_messages(10)
    claimed.set()
    go.wait(30)
    results.put([(claim.kind, str(deliver(claim, LocmemBackend()))) for claim in batch.claims])
    connections.close_all()


def test_12_a_follow_up_claimed_in_the_same_instant_as_sudah_is_not_sent(client, settings):
    settings.FONNTE_WEBHOOK_SECRET = SECRET
    schedule = enrol()
    patient = schedule.patient
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, patient, "belum")  # the follow-up is due at 08:35
        run_scheduler()  # the acknowledgement goes out
    follow_up = Message.objects.get(kind=Message.Kind.FOLLOW_UP)
    connections.close_all()
    claimed, go, results = _context.Event(), _context.Event(), _context.Queue()
    worker = _context.Process(target=claim_then_send_when_told, args=(claimed, go, results))
    worker.start()
    assert claimed.wait(30)  # a worker holds the follow-up, about to send it...
    with at(wib(23, 8, 35, 1)):
        assert say(client, patient, "sudah") == "processed"  # ...when her SUDAH is committed
    go.set()
    assert results.get(timeout=30) == [("FOLLOW_UP", "refused")]
    worker.join(30)
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.end_reason, follow_up.attempts) == ("CANCELLED", "reminder is CONFIRMED", 0)
    assert schedule.reminders.get().confirmation_status == "CONFIRMED"


def send_reminders_in_a_batch() -> None:
    call_command("send_reminders", "--loop", "--batch-size", "5", "--max-seconds", "120")


def test_13_a_process_killed_mid_batch_spends_attempts_only_on_the_messages_it_had_in_flight(settings):
    settings.SEND_LEASE_SECONDS = 2
    settings.SEND_CONCURRENCY = 2
    settings.FONNTE_TOKEN = "test-token"
    settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
    messages = [queue_message(body=f"Pesan {n}") for n in range(5)]
    with FonnteStandIn(latency=60) as stuck:
        settings.FONNTE_BASE_URL = stuck.base_url
        connections.close_all()
        worker = _context.Process(target=send_reminders_in_a_batch)
        worker.start()
        deadline = time.monotonic() + 60
        while stuck.total() < 2 and worker.is_alive() and time.monotonic() < deadline:  # both calls in flight
            time.sleep(0.05)
        assert worker.is_alive(), f"the worker ended early (exit code {worker.exitcode})"
        os.kill(worker.pid, signal.SIGKILL)
        worker.join()
    assert stuck.total() == 2
    rows = Message.objects.filter(id__in=[m.id for m in messages])
    assert sorted(m.attempts for m in rows) == [0, 0, 0, 1, 1]
    deadline = time.monotonic() + 30
    requeued = 0
    while requeued < 5 and time.monotonic() < deadline:  # the dead worker's leases run out
        requeued += requeue_stale_leases()
        time.sleep(0.1)
    assert requeued == 5
    with FonnteStandIn() as healthy:  # a loop drains even while the dead run's tick lock lasts
        settings.FONNTE_BASE_URL = healthy.base_url
        call_command("send_reminders", "--loop", "--max-seconds", "3", "--interval", "0.2")
    assert sorted((m.status, m.attempts) for m in rows.all()) == [("SENT", 1)] * 3 + [("SENT", 2)] * 2
    assert {m.last_error for m in rows.all()} == {""}


def test_13_a_run_that_could_send_nothing_for_the_token_exits_non_zero_and_says_why():
    messages = [queue_message(send_after=wib(23, 8)) for _ in range(4)]
    refusing = lambda number, fields: (200, {"status": False, "reason": "invalid token"})  # noqa: E731
    with FonnteStandIn(responder=refusing) as fonnte:
        environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        environment.update(DEBUG="1", DATABASE_URL=database_url(connection.settings_dict), FONNTE_TOKEN="revoked",
                           WHATSAPP_BACKEND="fonnte", FONNTE_BASE_URL=fonnte.base_url, SEND_CONCURRENCY="2")
        connections.close_all()
        result = subprocess.run([sys.executable, "manage.py", "send_reminders", "--max-seconds", "20"], cwd=ROOT,
                                env=environment, capture_output=True, text=True, timeout=120)
        assert fonnte.total() == 2  # the calls in flight together when the first refusal came back
    assert result.returncode == 1, result.stderr
    assert "Sending is paused: invalid token" in result.stderr and "Traceback" not in result.stderr
    assert {(m.status, m.attempts) for m in Message.objects.filter(id__in=[m.id for m in messages])} == {
        ("QUEUED", 0)}
    paused_until = Message.objects.filter(id=messages[0].id).values_list("send_after", flat=True).get()
    assert paused_until > messages[0].created_at + timedelta(minutes=1)


# Found in review: two connections at the exact moment between one's read and its write ----

def in_another_connection(work):
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def a_dose_never_delivered():
    schedule = make_schedule(make_patient())
    now = timezone.now()
    dose = make_reminder(schedule, due_at=now - timedelta(minutes=10), confirmation_status="MISSED",
                         close_reason="target invalid", closed_at=now)
    message = Message.objects.create(patient=schedule.patient, reminder=dose, phone=schedule.patient.phone,
                                     body="Halo, waktunya minum obat.", kind="REMINDER", status="FAILED",
                                     end_reason="target invalid", send_after=dose.due_at)
    return dose, message


def test_a_resend_racing_a_colleagues_manual_confirmation_does_not_remind_a_patient_who_took_it(monkeypatch):
    dose, message = a_dose_never_delivered()
    colleague = get_user_model().objects.create_user(username="relawan.budi", password="x", is_staff=True)
    original = Message.refusal
    raced = []

    def refusal_while_a_colleague_confirms(self, now):
        if not raced:  # between the resend's read of the dose and its write
            raced.append(True)
            thread, outcome = in_another_connection(lambda: confirm_by_volunteer(
                Reminder.objects.get(id=dose.id), colleague, Reminder.ConfirmationMethod.VISIT, "baik", False))
            thread.join(2)  # it waits for the dose the resend holds, or it confirms first
            outcome["thread"] = thread
            raced.append(outcome)
        return original(self, now)

    monkeypatch.setattr(Message, "refusal", refusal_while_a_colleague_confirms)
    resend(Message.objects.filter(id=message.id))
    monkeypatch.setattr(Message, "refusal", original)
    raced[1]["thread"].join(20)
    for claim in claim_due_messages(10).claims:
        deliver(claim, LocmemBackend())
    dose.refresh_from_db()
    confirmed_first = raced[1].get("result") is True and dose.confirmation_status == "CONFIRMED"
    sent = [entry.body for entry in locmem.outbox]
    # Either the resend went first (and the confirmation is refused: the dose is open again and
    # the reminder goes), or the confirmation did (and nothing goes): never both.
    assert (confirmed_first and sent == []) or (raced[1].get("result") is False and len(sent) == 1)


def wait_until_a_connection_waits_for_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_a_claim_and_the_overdue_sweep_of_the_same_dose_do_not_deadlock(monkeypatch):
    schedule = make_schedule(make_patient())
    now = timezone.now()
    dose = make_reminder(schedule, due_at=now - timedelta(hours=3))  # held back by a pause for three hours
    Message.objects.create(patient=schedule.patient, reminder=dose, phone=schedule.patient.phone, body="x",
                           kind="REMINDER", status="QUEUED", send_after=now - timedelta(seconds=5))
    original = Message.refusal
    sweep = {}

    def refusal_while_the_tick_sweeps(self, now):
        if not sweep:  # the claimant holds the message row; the tick starts closing overdue doses
            sweep["thread"], sweep["outcome"] = in_another_connection(lambda: close_overdue_doses(database_now()))
            assert wait_until_a_connection_waits_for_a_lock()
        return original(self, now)

    monkeypatch.setattr(Message, "refusal", refusal_while_the_tick_sweeps)
    claim_error = None
    try:
        claim_due_messages(10)
    except Exception as exc:
        claim_error = exc
    sweep["thread"].join(20)
    errors = [repr(error) for error in (claim_error, sweep["outcome"].get("error")) if error is not None]
    assert errors == []
    dose.refresh_from_db()
    assert dose.confirmation_status == "MISSED"
