import dataclasses
import random
import time
import uuid
from datetime import timedelta

import pytest
import responses
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from locks.services import acquire_lock, release_lock
from reminders.backends import get_backend
from reminders.backends.base import BaseWhatsAppBackend, WhatsAppError
from reminders.models import Message, Reminder
from reminders.scheduler import TICK_LOCK, drain
from reminders.outbox.sending import (
    LEASE_EXPIRED_CLAIMED,
    Outcome,
    Skip,
    backoff_delay,
    claim_due_messages,
    claim_message,
    deliver,
    prepare_attempts,
    start_attempts,
    requeue_stale_leases,
)
from tests.factories import make_patient, make_reminder, queue_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]


def drain_all(backend=None):
    import time

    return drain(
        backend or get_backend(), batch_size=50, deadline=time.monotonic() + 30, should_stop=lambda: False
    )


def make_due(message):
    """Pretend the backoff or deferral has passed."""
    Message.objects.filter(id=message.id).update(send_after=timezone.now() - timedelta(seconds=1))


def test_it_sends_a_due_message_and_records_the_provider_id(outbox):
    message = queue_message(body="Halo")
    stats = drain_all()
    assert stats[Outcome.SENT] == 1
    assert [(e.phone, e.body) for e in outbox] == [(message.phone, "Halo")]
    message.refresh_from_db()
    assert message.status == "SENT" and message.attempts == 1
    assert message.provider_message_id == outbox[0].provider_message_id
    assert message.sent_at is not None and message.lease_token is None


def test_it_leaves_messages_that_are_not_due_yet(outbox):
    queue_message(send_after=timezone.now() + timedelta(minutes=5))
    assert drain_all()[Outcome.SENT] == 0
    assert outbox == []


def test_a_sent_reminder_starts_its_reply_window(outbox, settings):
    settings.REPLY_WINDOW_MINUTES = 90
    reminder = make_reminder()
    queue_message(reminder.patient, reminder=reminder)
    drain_all()
    reminder.refresh_from_db()
    message = reminder.messages.get()
    assert reminder.reply_deadline - message.sent_at == pytest.approx(timedelta(minutes=90), abs=timedelta(seconds=2))


@pytest.mark.parametrize(
    "patient_fields, skip, reason",
    [
        ({"opted_out_at": timezone.now()}, Skip.OPTED_OUT, "patient opted out"),
        ({"is_active": False}, Skip.CANCELLED, "patient is not active"),
        ({"verification_status": "DECLINED"}, Skip.CANCELLED, "patient verification is DECLINED"),
    ],
)
def test_the_double_check_cancels_messages_the_patient_must_not_get(outbox, patient_fields, skip, reason):
    message = queue_message(make_patient(**patient_fields))
    stats = drain_all()
    assert stats[skip] == 1 and stats[Outcome.SENT] == 0
    message.refresh_from_db()
    assert (message.status, message.end_reason, message.attempts) == ("CANCELLED", reason, 0)
    assert outbox == []


def test_the_double_check_cancels_a_reminder_already_answered(outbox):
    reminder = make_reminder(confirmation_status=Reminder.Confirmation.CONFIRMED)
    message = queue_message(reminder.patient, reminder=reminder)
    assert drain_all()[Skip.CANCELLED] == 1
    message.refresh_from_db()
    assert message.status == "CANCELLED" and message.end_reason == "reminder is CONFIRMED"


def test_a_reply_reaches_a_patient_who_just_opted_out(outbox):
    queue_message(make_patient(opted_out_at=timezone.now()), kind=Message.Kind.REPLY, body="Sampai jumpa")
    assert drain_all()[Outcome.SENT] == 1


def test_a_verification_question_goes_only_to_a_pending_patient(outbox):
    pending = queue_message(make_patient(verification_status="PENDING"), kind=Message.Kind.VERIFICATION)
    verified = queue_message(make_patient(), kind=Message.Kind.VERIFICATION)
    drain_all()
    pending.refresh_from_db(), verified.refresh_from_db()
    assert (pending.status, verified.status) == ("SENT", "CANCELLED")


def test_the_per_phone_limit_defers_the_excess_without_spending_attempts(outbox, settings):
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, whatsapp_send={"limit": 30, "window": 60.0})
    patient = make_patient()
    for _ in range(40):
        queue_message(patient)
    stats = drain_all()
    assert (stats[Outcome.SENT], stats[Outcome.DEFERRED], stats[Outcome.FAILED]) == (30, 10, 0)
    deferred = Message.objects.filter(status="QUEUED")
    assert deferred.count() == 10
    assert all(m.send_after > timezone.now() + timedelta(seconds=30) and m.attempts == 0 for m in deferred)
    assert len(outbox) == 30


def test_the_device_limit_applies_across_patients(outbox, settings):
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, fonnte_device={"limit": 3, "window": 60.0})
    for _ in range(5):
        queue_message()
    stats = drain_all()
    assert (stats[Outcome.SENT], stats[Outcome.DEFERRED]) == (3, 2)


class ScriptedBackend(BaseWhatsAppBackend):
    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def send(self, phone, body, sender=None):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        from reminders.backends.base import SentMessage

        return SentMessage(provider_message_id=f"p{self.calls}")


@responses.activate
def test_two_server_errors_then_success_sends_on_the_third_attempt_with_growing_delays(settings, monkeypatch):
    settings.FONNTE_TOKEN, settings.FONNTE_BASE_URL = "t", "https://fonnte.test"
    settings.SEND_RETRY_BASE_SECONDS = 30
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # the jitter's ceiling
    responses.post("https://fonnte.test/send", status=502, body="bad gateway")
    responses.post("https://fonnte.test/send", status=503, body="unavailable")
    responses.post("https://fonnte.test/send", json={"status": True, "id": ["555"]})
    from reminders.backends.fonnte import FonnteBackend

    backend = FonnteBackend()
    message = queue_message()
    delays = []
    for expected in (Outcome.RETRIED, Outcome.RETRIED, Outcome.SENT):
        assert drain_all(backend)[expected] == 1
        message.refresh_from_db()
        if expected == Outcome.RETRIED:
            delays.append((message.send_after - message.updated_at).total_seconds())
            assert "HTTP 50" in message.last_error
            make_due(message)
    assert delays == [pytest.approx(30, abs=1), pytest.approx(60, abs=1)]
    assert (message.status, message.attempts, message.provider_message_id) == ("SENT", 3, "555")
    assert len(responses.calls) == 3


def test_an_invalid_number_fails_at_once_with_the_providers_reason():
    message = queue_message()
    backend = ScriptedBackend(WhatsAppError("target invalid", transient=False))
    assert drain_all(backend)[Outcome.FAILED] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.end_reason) == ("FAILED", 1, "target invalid")


def test_it_gives_up_after_the_maximum_attempts(settings):
    message = queue_message(max_attempts=3)
    backend = ScriptedBackend(*[WhatsAppError("insufficient quota", transient=True)] * 3)
    for expected in (Outcome.RETRIED, Outcome.RETRIED, Outcome.FAILED):
        assert drain_all(backend)[expected] == 1
        make_due(message)
    message.refresh_from_db()
    assert message.status == "FAILED" and message.attempts == 3
    assert message.end_reason == "gave up after 3 attempts: insufficient quota"


def test_backoff_has_full_jitter_under_a_doubling_ceiling(settings):
    settings.SEND_RETRY_BASE_SECONDS, settings.SEND_RETRY_MAX_SECONDS = 10, 50
    rng = random.Random(7)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 50), (9, 50)]:
        samples = [backoff_delay(attempt, rng) for _ in range(300)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.9 and min(samples) < ceiling * 0.1


def test_a_worker_that_lost_its_lease_changes_nothing(outbox, settings):
    message = queue_message()
    claim = claim_due_messages(10).claims[0]
    # Its lease ran out while it waited (a long batch, a pause), and another worker took over.
    claim = dataclasses.replace(claim, claimed_at=claim.claimed_at - settings.SEND_LEASE_SECONDS)
    Message.objects.filter(id=message.id).update(lease_token=uuid.uuid4())
    assert deliver(claim, get_backend()) == Outcome.LEASE_LOST
    message.refresh_from_db()
    assert message.status == "SENDING" and outbox == []


def test_a_stale_lease_of_a_message_being_sent_is_claimed_again_and_counted_as_a_second_attempt(outbox):
    message = queue_message()
    (claim,) = claim_due_messages(10).claims
    start_attempts(prepare_attempts([claim]))  # the send is tried; then this worker dies without a word
    Message.objects.filter(id=message.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert requeue_stale_leases() == 1
    message.refresh_from_db()
    assert message.last_error == "lease expired while sending: outcome unknown"
    assert drain_all()[Outcome.SENT] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("SENT", 2)


def test_a_chunk_prepared_but_not_started_spends_no_attempt_when_its_worker_dies(outbox):
    message = queue_message()
    (claim,) = claim_due_messages(10).claims
    assert prepare_attempts([claim]).ready  # checked and within the limits; the calls never begin
    Message.objects.filter(id=message.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert requeue_stale_leases() == 1
    message.refresh_from_db()
    # Never tried: no attempt spent, no "outcome unknown"; said stuck until it is sent.
    assert (message.status, message.attempts, message.last_error) == ("QUEUED", 0, LEASE_EXPIRED_CLAIMED)


def test_a_stale_lease_of_messages_only_claimed_spends_no_attempt(outbox):
    messages = [queue_message() for _ in range(5)]
    claim_due_messages(10)  # a batch claimed; the worker dies before trying any of them
    Message.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert requeue_stale_leases() == 5
    assert drain_all()[Outcome.SENT] == 5
    assert [m.attempts for m in Message.objects.filter(id__in=[m.id for m in messages])] == [1] * 5


IN_FIVE_MINUTES = object()


@pytest.mark.parametrize(
    "fields, skip",
    [
        ({"status": "SENT"}, Skip.ALREADY_SENT),
        ({"status": "READ"}, Skip.ALREADY_SENT),
        ({"status": "SENDING", "lease_expires_at": IN_FIVE_MINUTES}, Skip.ALREADY_CLAIMED),
        ({"status": "CANCELLED"}, Skip.CANCELLED),
        ({"status": "FAILED"}, Skip.FAILED),
        ({"send_after": IN_FIVE_MINUTES}, Skip.NOT_DUE),
    ],
)
def test_claiming_one_message_says_why_it_was_skipped(fields, skip):
    """The future is taken when the test runs, not when it is collected (a long suite reaches it later)."""
    in_five_minutes = timezone.now() + timedelta(minutes=5)
    message = queue_message(**{key: in_five_minutes if value is IN_FIVE_MINUTES else value for key, value in fields.items()})
    assert claim_message(message.id) == skip
    assert claim_message(10**9) == Skip.MISSING


def test_claiming_one_message_takes_over_a_stale_lease():
    message = queue_message(status="SENDING", attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1))
    claim = claim_message(message.id)
    assert claim.message_id == message.id and claim.attempts == 1  # the next try is the second
    assert start_attempts(prepare_attempts([claim]))[0].attempts == 2


def test_send_reminders_prints_a_one_line_summary(outbox, capsys):
    queue_message()
    call_command("send_reminders")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("materialised=0 missed=0 sent=1 deferred=0 retried=0 failed=0 skipped: ")
    assert "already_sent=0 already_claimed=0 cancelled=0 opted_out=0" in out[-1]


def test_send_reminders_exits_quietly_while_another_run_holds_the_tick_lock(outbox, capsys):
    queue_message()
    lease = acquire_lock(TICK_LOCK, ttl=60)
    try:
        call_command("send_reminders")
    finally:
        release_lock(lease)
    assert "holds the tick lock" in capsys.readouterr().out
    assert outbox == []


def test_send_reminders_dry_run_changes_nothing(outbox, capsys):
    message = queue_message()
    call_command("send_reminders", "--dry-run")
    assert "1 message(s) due now" in capsys.readouterr().out
    message.refresh_from_db()
    assert message.status == "QUEUED" and outbox == []


def test_send_reminders_rejects_a_bad_batch_size():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="batch-size"):
        call_command("send_reminders", "--batch-size", "0")


@pytest.mark.parametrize("failure", [RuntimeError("a bug preparing"), DatabaseError("deadlock detected")])
def test_calls_already_out_are_recorded_when_preparing_the_next_chunk_fails(outbox, settings, monkeypatch,
                                                                             failure):
    """Unrecorded, a sent message would stay SENDING and go out again once its lease expired."""
    from concurrent.futures import ThreadPoolExecutor

    from reminders.outbox import sending

    settings.SEND_CONCURRENCY = 2
    messages = [queue_message() for _ in range(4)]
    claims = claim_due_messages(10).claims
    real_prepare, calls = sending.prepare_attempts, []

    def second_fails(group):
        calls.append(group)
        if len(calls) == 2:
            raise failure
        return real_prepare(group)

    monkeypatch.setattr(sending, "prepare_attempts", second_fails)
    with ThreadPoolExecutor(2) as pool:
        try:
            sending.send_claimed(claims, get_backend(), pool, deadline=time.monotonic() + 30)
        except DatabaseError:
            assert isinstance(failure, DatabaseError)

    states = {m.id: (m.status, m.attempts) for m in Message.objects.filter(id__in=[m.id for m in messages])}
    first = [claim.message_id for claim in calls[0]]
    assert [states[i] for i in first] == [("SENT", 1)] * 2  # the chunk in flight was recorded
    assert len(outbox) == 2
    assert all(states[i] == ("SENDING", 0) for i in states if i not in first)  # not started: back unspent later


def recorded_event(monkeypatch, message):
    """An event set once `message` is recorded SENT (by whichever thread records it)."""
    import threading

    from reminders.outbox import sending

    recorded_now, real_record_sent = threading.Event(), sending._record_sent

    def record_sent(sent):
        recorded = real_record_sent(sent)
        if message.id in recorded:
            recorded_now.set()
        return recorded

    monkeypatch.setattr(sending, "_record_sent", record_sent)
    return recorded_now


def test_each_call_is_recorded_as_soon_as_it_returns_not_when_its_chunk_slowest_does(outbox, settings, monkeypatch):
    """A crash then leaves unknown only the calls still out. The slow call waits until the fast
    one of its chunk is recorded; recorded per chunk, it would wait forever (here: 10 s)."""
    from concurrent.futures import ThreadPoolExecutor

    from reminders.backends.base import SentMessage
    from reminders.outbox import sending

    settings.SEND_CONCURRENCY = 2
    fast, slow = queue_message(body="fast"), queue_message(body="slow")
    fast_recorded, waited = recorded_event(monkeypatch, fast), []

    class OneSlowCall(BaseWhatsAppBackend):
        def send(self, phone, body, sender=None):
            if body == "slow":
                waited.append(fast_recorded.wait(timeout=10))
            return SentMessage(provider_message_id=body)

    claims = claim_due_messages(10).claims
    with ThreadPoolExecutor(2) as pool:
        stats = sending.send_claimed(claims, OneSlowCall(), pool, deadline=time.monotonic() + 30)
    assert waited == [True] and stats[Outcome.SENT] == 2
    assert sorted(Message.objects.values_list("provider_message_id", "status")) == [("fast", "SENT"), ("slow", "SENT")]


@pytest.mark.django_db(transaction=True)
def test_a_call_that_returns_while_the_next_chunk_is_prepared_is_recorded_meanwhile(settings, monkeypatch):
    """The window in which a kill repeats a message the gateway accepted is the time from its
    answer to its record: it must not include the next chunk's preparation. Here that
    preparation waits for the first chunk's record; on one connection it would wait forever
    (here: 10 s)."""
    from concurrent.futures import ThreadPoolExecutor

    from reminders.backends.base import SentMessage
    from reminders.outbox import sending

    settings.SEND_CONCURRENCY = 1
    first, second = queue_message(body="first"), queue_message(body="second")
    first_recorded, waited = recorded_event(monkeypatch, first), []
    real_prepare = sending.prepare_attempts

    def prepare(group):
        if [claim.message_id for claim in group] == [second.id]:
            waited.append(first_recorded.wait(timeout=10))
        return real_prepare(group)

    class Gateway(BaseWhatsAppBackend):
        def send(self, phone, body, sender=None):
            return SentMessage(provider_message_id=body)

    monkeypatch.setattr(sending, "prepare_attempts", prepare)
    claims = claim_due_messages(10).claims
    assert [claim.message_id for claim in claims] == [first.id, second.id]
    with ThreadPoolExecutor(1) as pool:
        stats = sending.send_claimed(claims, Gateway(), pool, deadline=time.monotonic() + 30)
    assert waited == [True] and stats[Outcome.SENT] == 2
    assert sorted(Message.objects.values_list("provider_message_id", "status")) == [("first", "SENT"),
                                                                                    ("second", "SENT")]
