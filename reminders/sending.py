"""The outbox pipeline: claim due messages with a lease, send outside any transaction,
record the result fenced by the lease token.

A claim is one UPDATE that only one process can win (SKIP LOCKED for batches, a row lock
for a single id). The lease makes a crash mean a retry, never a loss: a message whose
worker died is claimed again once its lease expires. An attempt is counted only when its
send is tried (`prepare_attempt`), so a worker killed holding a batch spends nothing on the
messages it never tried. A worker whose lease was taken over cannot overwrite the new
claimant's result, because every write after the claim is conditional on the lease token.
"""
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, QuerySet

from prima.clock import DatabaseNow
from ratelimit.services import check as check_rate_limit
from reminders.backends import BaseWhatsAppBackend, Scope, SentMessage, WhatsAppError
from reminders.models import Message, Refusal, Reminder, SendingPause
from reminders.pauses import current_pause, lift_pause, pause_sending, take_probe
from reminders.phones import mask_phone
from reminders.provider_events import record_quotas

logger = logging.getLogger(__name__)

# Retry delay when the rate limiter itself cannot answer: sends fail closed.
RATE_LIMITER_DOWN_DELAY = 30.0


class Outcome(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"  # rate limit: back to the queue, no attempt spent
    PAUSED = "paused"  # the sender is refused (device, account): back to the queue, no attempt spent
    RETRIED = "retried"  # transient error: back to the queue after a backoff
    FAILED = "failed"
    REFUSED = "refused"  # the double-check at the last moment: the message is no longer wanted
    LEASE_LOST = "lease_lost"  # another worker took the message over; we changed nothing


class Skip(StrEnum):
    ALREADY_SENT = "already_sent"
    ALREADY_CLAIMED = "already_claimed"
    CANCELLED = "cancelled"
    OPTED_OUT = "opted_out"
    TOO_LATE = "too_late"
    FAILED = "already_failed"
    NOT_DUE = "not_due"
    MISSING = "missing"


@dataclass(frozen=True)
class Claim:
    """A message this worker may send until `lease_token` is taken from it."""

    message_id: int
    lease_token: uuid.UUID
    attempts: int
    max_attempts: int
    phone: str
    body: str
    kind: str
    reminder_id: int | None
    priority: int = 0
    claimed_at: float = field(default_factory=time.monotonic)


@dataclass
class ClaimBatch:
    claims: list[Claim]
    skipped: Counter


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.SEND_LEASE_SECONDS)


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, base·2^(attempt-1)], capped.

    Jitter spreads retries of many messages that failed together (a provider outage)
    so they do not all return in the same second.
    """
    ceiling = min(settings.SEND_RETRY_MAX_SECONDS, settings.SEND_RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    return (rng or random).uniform(0, ceiling)


@dataclass(frozen=True)
class DoseClosing:
    """A dose to close because its reminder message will never go out."""

    reminder_id: int
    state: str
    reason: str

    def apply(self) -> None:
        Reminder.objects.filter(id=self.reminder_id).open().close(self.state, self.reason)


def _end(message: Message, status: str, reason: str, dose_state: str) -> DoseClosing | None:
    """End a message for good (CANCELLED or FAILED); returns the closing of its dose when it
    was the dose's reminder, which is what volunteers then see (MISSED: "needs update")."""
    Message.objects.filter(id=message.id).update(
        status=status, end_reason=reason, lease_token=None, lease_expires_at=None, held_by_pause=False,
        updated_at=DatabaseNow(),
    )
    if message.kind == Message.Kind.REMINDER and message.reminder_id:
        return DoseClosing(message.reminder_id, dose_state, reason)
    return None


def end_message(message: Message, status: str, reason: str, dose_state: str) -> None:
    """End a message and close its dose at once: for a caller that holds no queued message's
    lock (a dose is always locked before its queued messages, by `close`)."""
    closing = _end(message, status, reason, dose_state)
    if closing:
        closing.apply()


def _refusal_closing(message: Message, refused: Refusal) -> DoseClosing | None:
    return _end(message, Message.Status.CANCELLED, refused.text, refused.dose_state)


def _claim_locked(messages: list[Message], now: datetime, skipped: Counter) -> tuple[list[Claim], list[DoseClosing]]:
    """Claim rows the caller has locked: cancel the refused, fail the exhausted, lease the rest.
    The doses of the ones ended are returned to close once the claim has committed: closing
    them here would lock a dose while holding its queued message, the reverse of `close`."""
    token = uuid.uuid4()
    to_claim, closings = [], []
    for message in messages:
        refused = message.refusal(now)
        if refused:
            closings.append(_refusal_closing(message, refused))
            skipped[refused.code] += 1
        elif message.attempts >= message.max_attempts:
            closings.append(_end(
                message, Message.Status.FAILED,
                f"gave up after {message.attempts} attempts: {message.last_error or 'no error recorded'}",
                Reminder.Confirmation.MISSED,
            ))
            skipped[Skip.FAILED] += 1
        else:
            to_claim.append(message)
    Message.objects.filter(id__in=[m.id for m in to_claim]).update(
        status=Message.Status.SENDING,
        lease_token=token,
        lease_expires_at=DatabaseNow() + lease_duration(),
        send_started_at=None,
        updated_at=DatabaseNow(),
    )
    claims = [
        Claim(
            message_id=m.id,
            lease_token=token,
            attempts=m.attempts,
            max_attempts=m.max_attempts,
            phone=m.phone,
            body=m.body,
            kind=m.kind,
            reminder_id=m.reminder_id,
            priority=m.priority,
        )
        for m in to_claim
    ]
    return claims, [closing for closing in closings if closing]


def _lockable(skip_locked: bool = False) -> QuerySet:
    return (
        Message.objects.select_related("patient", "reminder")
        .select_for_update(skip_locked=skip_locked, of=("self",))
        .annotate(db_now=DatabaseNow())
    )


def claimable_messages(batch_size: int) -> QuerySet:
    """Due messages, most urgent then oldest first, skipping rows other workers hold.
    Served by the partial index message_claimable_idx; to be evaluated inside a transaction."""
    return (
        _lockable(skip_locked=True)
        .filter(status=Message.Status.QUEUED, send_after__lte=DatabaseNow())
        .order_by("-priority", "send_after")[:batch_size]
    )


def claim_due_messages(batch_size: int) -> ClaimBatch:
    """Claim up to `batch_size` due messages; rows other workers hold are skipped, not waited for."""
    skipped: Counter = Counter()
    with transaction.atomic():
        candidates = list(claimable_messages(batch_size))
        claims, closings = _claim_locked(candidates, candidates[0].db_now if candidates else None, skipped)
    for closing in closings:
        closing.apply()
    return ClaimBatch(claims=claims, skipped=skipped)


def claim_message(message_id: int) -> Claim | Skip:
    """Claim one message by id (a Celery task's unit); duplicates of the task get a Skip."""
    skipped: Counter = Counter()
    with transaction.atomic():
        message = _lockable().filter(id=message_id).first()
        if message is None:
            return Skip.MISSING
        stale_lease = message.status == Message.Status.SENDING and message.lease_expires_at < message.db_now
        if message.status == Message.Status.QUEUED and message.send_after > message.db_now:
            return Skip.NOT_DUE
        if message.status != Message.Status.QUEUED and not stale_lease:
            return {
                Message.Status.SENDING: Skip.ALREADY_CLAIMED,
                Message.Status.CANCELLED: Skip.CANCELLED,
                Message.Status.FAILED: Skip.FAILED,
            }.get(message.status, Skip.ALREADY_SENT)
        claims, closings = _claim_locked([message], message.db_now, skipped)
    for closing in closings:
        closing.apply()
    return claims[0] if claims else Skip(next(iter(skipped)))


def requeue_stale_leases() -> int:
    """Put messages whose worker vanished back in the queue.

    One that was being sent has an unknown outcome (the provider may have delivered it): its
    attempt stays counted and the next claim is a retry. One that was only claimed was never
    tried and costs nothing. `_claim_locked` fails messages that ran out of attempts.
    """
    stale = Message.objects.filter(status=Message.Status.SENDING, lease_expires_at__lt=DatabaseNow())
    tried = stale.filter(send_started_at__isnull=False).update(
        status=Message.Status.QUEUED, lease_token=None, lease_expires_at=None, send_after=DatabaseNow(),
        last_error="lease expired while sending: outcome unknown", updated_at=DatabaseNow(),
    )
    untried = stale.filter(send_started_at__isnull=True).update(
        status=Message.Status.QUEUED, lease_token=None, lease_expires_at=None, send_after=DatabaseNow(),
        updated_at=DatabaseNow(),
    )
    if tried or untried:
        logger.warning("requeued stale leases sending=%d claimed_only=%d", tried, untried)
    return tried + untried


def _fenced(claim: Claim) -> QuerySet:
    return Message.objects.filter(id=claim.message_id, lease_token=claim.lease_token, status=Message.Status.SENDING)


def _release(claim: Claim, delay: float, held_by_pause: bool = False, **fields) -> bool:
    """Back to the queue, `delay` seconds from now (database clock), if we still hold it."""
    return bool(
        _fenced(claim).update(
            status=Message.Status.QUEUED,
            lease_token=None,
            lease_expires_at=None,
            send_started_at=None,
            send_after=DatabaseNow() + timedelta(seconds=delay),
            held_by_pause=held_by_pause,
            updated_at=DatabaseNow(),
            **fields,
        )
    )


def release_unsent(claim: Claim) -> bool:
    """Give back a claim we will not send (shutting down): nothing was spent on it."""
    return _release(claim, 0)


class _Denied(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


def rate_limit_delay(phone: str) -> float | None:
    """Seconds to wait before this send fits the limits, or None to send now.

    Fails closed: if the limiter cannot answer, the message waits rather than risk
    blasting the device (WhatsApp bans numbers that do).
    """
    try:
        # Both limits in one savepoint: a denial by either rolls back the other's hit, so a
        # message that waits spends nobody's budget.
        with transaction.atomic():
            for name, subject in (("whatsapp_send", phone), ("fonnte_device", "")):
                decision = check_rate_limit(name, subject)
                if not decision.allowed:
                    raise _Denied(decision.retry_after)
    except _Denied as denied:
        return min(max(denied.retry_after, 0.5), settings.SEND_RETRY_MAX_SECONDS)
    except DatabaseError as exc:  # not its text: PostgreSQL may quote the key, a phone number
        logger.error("rate limiter unavailable, deferring send: %s", exc.__class__.__name__)
        return RATE_LIMITER_DOWN_DELAY
    return None


def _log_attempt(claim: Claim, outcome: Outcome, started: float, reason: str = "") -> Outcome:
    logger.info(
        "send message_id=%s kind=%s to=%s attempt=%d outcome=%s duration_ms=%d reason=%r",
        claim.message_id,
        claim.kind,
        mask_phone(claim.phone),
        claim.attempts,
        outcome,
        (time.monotonic() - started) * 1000,
        reason,
    )
    return outcome


def prepare_attempt(claim: Claim) -> Claim | tuple[Outcome, str]:
    """The last moment before the call, in one transaction: the message must still be ours,
    the double-check runs again on the patient and dose rows locked (so a "SUDAH" or an opt-out
    committed a moment ago wins), the limits are hit, and only then is the attempt counted.
    Returns the claim to send (with the patient's current number), or why not."""
    with transaction.atomic():
        message = (
            _fenced(claim).select_related("patient").select_for_update(of=("self", "patient"))
            .annotate(db_now=DatabaseNow()).first()
        )
        if message is None:
            return Outcome.LEASE_LOST, "lease taken over before sending"
        if message.reminder_id:
            message.reminder = Reminder.objects.select_for_update().get(id=message.reminder_id)
        refused = message.refusal(message.db_now)
        if refused:  # the message is SENDING, not queued: no `close` waits for it
            closing = _refusal_closing(message, refused)
            if closing:
                closing.apply()
            return Outcome.REFUSED, refused.text
        # An emergency answer is never held back by a limit (DESIGN: never rate-limited).
        delay = None if claim.priority else rate_limit_delay(message.patient.phone)
        if delay is not None:
            _release(claim, delay)
            return Outcome.DEFERRED, f"rate limited for {delay:.1f}s"
        _fenced(claim).update(
            attempts=F("attempts") + 1,
            send_started_at=DatabaseNow(),
            lease_expires_at=DatabaseNow() + lease_duration(),
            phone=message.patient.phone,
            updated_at=DatabaseNow(),
        )
    return replace(claim, attempts=message.attempts + 1, phone=message.patient.phone)


def _wait_for_pause(claim: Claim, pause: SendingPause, started: float) -> Outcome:
    delay = max((pause.probe_at - pause.db_now).total_seconds(), 1.0)
    released = _release(claim, delay, held_by_pause=True, last_error=f"sending paused: {pause.reason}")
    return _log_attempt(claim, Outcome.PAUSED if released else Outcome.LEASE_LOST, started, pause.reason)


def deliver(claim: Claim, backend: BaseWhatsAppBackend) -> Outcome:
    """Send one claimed message and record what happened."""
    started = time.monotonic()
    pause = current_pause()
    probing = pause is not None and take_probe(pause)
    if pause is not None and not probing:
        return _wait_for_pause(claim, pause, started)
    prepared = prepare_attempt(claim)
    if isinstance(prepared, tuple):
        outcome, reason = prepared
        return _log_attempt(claim, outcome, started, reason)
    claim = prepared
    try:
        sent = backend.send(claim.phone, claim.body)
    except WhatsAppError as exc:
        if probing and pause.kind == SendingPause.Kind.DEVICE and exc.scope == Scope.MESSAGE and exc.transient:
            # Fonnte's words for a disconnected device are not documented: while it is known to
            # be down, a failed probe is that, not this message's fault.
            exc = WhatsAppError(exc.reason, transient=True, scope=Scope.DEVICE)
        return _log_attempt(claim, _record_error(claim, exc), started, exc.reason)
    with transaction.atomic():
        recorded = _fenced(claim).update(
            status=Message.Status.SENT,
            provider_message_id=sent.provider_message_id,
            sent_at=DatabaseNow(),
            lease_token=None,
            lease_expires_at=None,
            last_error="",
            updated_at=DatabaseNow(),
        )
        if recorded and claim.kind == Message.Kind.REMINDER and claim.reminder_id:
            dose = Reminder.objects.filter(id=claim.reminder_id)
            # Withdrawn while it was on its way (a volunteer's cancel): the patient has it now,
            # so the dose waits for the answer like any other.
            dose.filter(confirmation_status=Reminder.Confirmation.CANCELLED).reopen()
            dose.update(sent_at=DatabaseNow(),
                        reply_deadline=DatabaseNow() + timedelta(minutes=settings.REPLY_WINDOW_MINUTES))
    if pause is not None:
        lift_pause("a send went through")
    _keep_quotas(sent)
    if not recorded:
        logger.warning("send result not recorded: lease lost message_id=%s", claim.message_id)
        return _log_attempt(claim, Outcome.LEASE_LOST, started, "sent, but the lease was taken over")
    return _log_attempt(claim, Outcome.SENT, started)


def _keep_quotas(sent: SentMessage) -> None:
    """The devices' remaining quotas from the answer; the message is sent whatever happens here."""
    if not sent.quotas:
        return
    try:
        record_quotas(sent.quotas)
    except DatabaseError as exc:
        logger.error("device quota not recorded: %s", exc.__class__.__name__)


def _record_error(claim: Claim, error: WhatsAppError) -> Outcome:
    if error.scope != Scope.MESSAGE:
        pause_sending(error.scope, error.reason)
        released = _release(claim, settings.SENDING_PAUSE_PROBE_SECONDS, held_by_pause=True,
                            attempts=F("attempts") - 1, last_error=f"sending paused: {error.reason}")
        return Outcome.PAUSED if released else Outcome.LEASE_LOST
    if error.transient and claim.attempts < claim.max_attempts:
        retried = _release(claim, backoff_delay(claim.attempts), last_error=error.reason)
        return Outcome.RETRIED if retried else Outcome.LEASE_LOST
    reason = error.reason if not error.transient else f"gave up after {claim.attempts} attempts: {error.reason}"
    with transaction.atomic():
        message = _fenced(claim).select_for_update().first()
        if message is None:
            return Outcome.LEASE_LOST
        Message.objects.filter(id=message.id).update(last_error=error.reason)
        end_message(message, Message.Status.FAILED, reason, Reminder.Confirmation.MISSED)
    return Outcome.FAILED
