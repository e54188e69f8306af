"""The outbox pipeline: claim due messages with a lease, send outside any transaction,
record the result fenced by the lease token.

A claim is one UPDATE that only one process can win (SKIP LOCKED for batches, a row lock
for a single id). The lease makes a crash mean a retry, never a loss: a message whose
worker died is claimed again once its lease expires, and its attempt is counted. A worker
whose lease was taken over cannot overwrite the new claimant's result, because every
write after the claim is conditional on the lease token.
"""
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from ratelimit.services import check as check_rate_limit
from reminders.backends import BaseWhatsAppBackend, SentMessage, WhatsAppError
from reminders.models import Message, Reminder
from reminders.phones import mask_phone
from reminders.provider_events import DEVICE_DISCONNECTED, device_connected, record_quotas
from reminders.services import close_undelivered_reminders

logger = logging.getLogger(__name__)

# Retry delay when the rate limiter itself cannot answer: sends fail closed.
RATE_LIMITER_DOWN_DELAY = 30.0
# While the device is disconnected, look again this often (a connect webhook resumes at once).
DEVICE_RETRY_SECONDS = 60.0


class Outcome(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"  # rate limit: back to the queue, no attempt spent
    RETRIED = "retried"  # transient error: back to the queue after a backoff
    FAILED = "failed"
    LEASE_LOST = "lease_lost"  # another worker took the message over; we changed nothing


class Skip(StrEnum):
    ALREADY_SENT = "already_sent"
    ALREADY_CLAIMED = "already_claimed"
    CANCELLED = "cancelled"
    OPTED_OUT = "opted_out"
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

    def needs_renewal(self) -> bool:
        """A claim older than a third of its lease is renewed (and so re-proved) before sending."""
        return time.monotonic() - self.claimed_at > settings.SEND_LEASE_SECONDS / 3


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


def refusal(message: Message) -> tuple[Skip, str] | None:
    """The double-check: why this message must not go out now, or None when it may."""
    patient = message.patient
    if message.kind == Message.Kind.REPLY:
        return None  # answers a message the patient just sent, goodbyes included
    if patient.opted_out_at is not None:
        return Skip.OPTED_OUT, "patient opted out"
    if not patient.is_active:
        return Skip.CANCELLED, "patient is not active"
    if message.kind == Message.Kind.VERIFICATION:
        if patient.verification_status != patient.Verification.PENDING:
            return Skip.CANCELLED, f"patient verification is {patient.verification_status}"
        return None
    if patient.verification_status != patient.Verification.VERIFIED:
        return Skip.CANCELLED, f"patient verification is {patient.verification_status}"
    reminder = message.reminder
    waiting = {
        Message.Kind.REMINDER: {Reminder.Confirmation.PENDING},
        Message.Kind.FOLLOW_UP: {Reminder.Confirmation.PENDING, Reminder.Confirmation.NOT_YET},
    }.get(message.kind)
    if reminder is not None and waiting and reminder.confirmation_status not in waiting:
        return Skip.CANCELLED, f"reminder is {reminder.confirmation_status}"
    too_late = timezone.now() - timedelta(minutes=settings.REMINDER_CATCH_UP_MINUTES)
    if message.kind == Message.Kind.REMINDER and reminder is not None and reminder.due_at < too_late:
        # Hours late, a medication reminder risks a double dose; volunteers see it as missed.
        return Skip.CANCELLED, f"too late: due {timezone.localtime(reminder.due_at, patient.zone):%Y-%m-%d %H:%M}"
    return None


def _claim_locked(messages: list[Message], skipped: Counter) -> list[Claim]:
    """Claim rows the caller has locked: cancel the refused, fail the exhausted, lease the rest."""
    token = uuid.uuid4()
    to_claim = []
    for message in messages:
        refused = refusal(message)
        if refused:
            reason, text = refused
            Message.objects.filter(id=message.id).update(
                status=Message.Status.CANCELLED, end_reason=text, lease_token=None, updated_at=Now()
            )
            skipped[reason] += 1
        elif message.attempts >= message.max_attempts:
            Message.objects.filter(id=message.id).update(
                status=Message.Status.FAILED,
                end_reason=f"gave up after {message.attempts} attempts: {message.last_error or 'no error recorded'}",
                lease_token=None,
                updated_at=Now(),
            )
            skipped[Skip.FAILED] += 1
        else:
            to_claim.append(message)
    close_undelivered_reminders(
        [m.reminder_id for m in messages if m not in to_claim and m.reminder_id and m.kind == Message.Kind.REMINDER]
    )
    Message.objects.filter(id__in=[m.id for m in to_claim]).update(
        status=Message.Status.SENDING,
        lease_token=token,
        lease_expires_at=Now() + lease_duration(),
        attempts=F("attempts") + 1,
        updated_at=Now(),
    )
    return [
        Claim(
            message_id=m.id,
            lease_token=token,
            attempts=m.attempts + 1,
            max_attempts=m.max_attempts,
            phone=m.phone,
            body=m.body,
            kind=m.kind,
            reminder_id=m.reminder_id,
            priority=m.priority,
        )
        for m in to_claim
    ]


def _lockable(skip_locked: bool = False) -> QuerySet:
    return Message.objects.select_related("patient", "reminder").select_for_update(
        skip_locked=skip_locked, of=("self",)
    )


def claimable_messages(batch_size: int) -> QuerySet:
    """Due messages, most urgent then oldest first, skipping rows other workers hold.
    Served by the partial index message_claimable_idx; to be evaluated inside a transaction."""
    return (
        _lockable(skip_locked=True)
        .filter(status=Message.Status.QUEUED, send_after__lte=Now())
        .order_by("-priority", "send_after")[:batch_size]
    )


def claim_due_messages(batch_size: int) -> ClaimBatch:
    """Claim up to `batch_size` due messages; rows other workers hold are skipped, not waited for."""
    skipped: Counter = Counter()
    with transaction.atomic():
        candidates = list(claimable_messages(batch_size))
        claims = _claim_locked(candidates, skipped)
    return ClaimBatch(claims=claims, skipped=skipped)


def claim_message(message_id: int) -> Claim | Skip:
    """Claim one message by id (a Celery task's unit); duplicates of the task get a Skip."""
    skipped: Counter = Counter()
    with transaction.atomic():
        message = _lockable().annotate(db_now=Now()).filter(id=message_id).first()
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
        claims = _claim_locked([message], skipped)
    return claims[0] if claims else next(iter(skipped))


def requeue_stale_leases() -> int:
    """Put messages whose worker vanished mid-send back in the queue.

    The outcome of that send is unknown (the provider may have delivered it), so the
    attempt stays counted and the next claim is a retry; `_claim_locked` fails messages
    that ran out of attempts.
    """
    count = Message.objects.filter(status=Message.Status.SENDING, lease_expires_at__lt=Now()).update(
        status=Message.Status.QUEUED,
        lease_token=None,
        lease_expires_at=None,
        send_after=Now(),
        last_error="lease expired while sending: outcome unknown",
        updated_at=Now(),
    )
    if count:
        logger.warning("requeued stale leases count=%d", count)
    return count


def _fenced(claim: Claim) -> QuerySet:
    return Message.objects.filter(id=claim.message_id, lease_token=claim.lease_token, status=Message.Status.SENDING)


def _release(claim: Claim, delay: float, **fields) -> bool:
    """Back to the queue, `delay` seconds from now (database clock), if we still hold it."""
    return bool(
        _fenced(claim).update(
            status=Message.Status.QUEUED,
            lease_token=None,
            lease_expires_at=None,
            send_after=Now() + timedelta(seconds=delay),
            updated_at=Now(),
            **fields,
        )
    )


def release_unsent(claim: Claim) -> bool:
    """Give back a claim we will not send (shutting down): no attempt spent."""
    return _release(claim, 0, attempts=F("attempts") - 1)


class _Denied(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


def rate_limit_delay(phone: str) -> float | None:
    """Seconds to wait before this send fits the limits, or None to send now.

    Fails closed: if the limiter cannot answer, the message waits rather than risk
    blasting the device (WhatsApp bans numbers that do).
    """
    try:
        # Both limits in one transaction: one commit, and a denial by either rolls back the
        # other's hit, so a message that waits spends nobody's budget.
        with transaction.atomic():
            for name, subject in (("whatsapp_send", phone), ("fonnte_device", "")):
                decision = check_rate_limit(name, subject)
                if not decision.allowed:
                    raise _Denied(decision.retry_after)
    except _Denied as denied:
        return min(max(denied.retry_after, 0.5), settings.SEND_RETRY_MAX_SECONDS)
    except DatabaseError as exc:
        logger.error("rate limiter unavailable, deferring send: %s", exc)
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


def deliver(claim: Claim, backend: BaseWhatsAppBackend) -> Outcome:
    """Send one claimed message and record what happened."""
    started = time.monotonic()
    if not device_connected():
        released = _release(claim, DEVICE_RETRY_SECONDS, attempts=F("attempts") - 1, last_error=DEVICE_DISCONNECTED)
        return _log_attempt(claim, Outcome.DEFERRED if released else Outcome.LEASE_LOST, started, DEVICE_DISCONNECTED)
    # An emergency answer is never held back by a limit (DESIGN: never rate-limited).
    delay = None if claim.priority else rate_limit_delay(claim.phone)
    if delay is not None:
        outcome = Outcome.DEFERRED if _release(claim, delay, attempts=F("attempts") - 1) else Outcome.LEASE_LOST
        return _log_attempt(claim, outcome, started, f"rate limited for {delay:.1f}s")
    # A claim that waited in its batch behind slow sends is renewed right before the call:
    # that proves we still own the message and gives the call a full lease to finish.
    if claim.needs_renewal() and not _fenced(claim).update(lease_expires_at=Now() + lease_duration()):
        return _log_attempt(claim, Outcome.LEASE_LOST, started, "lease taken over before sending")
    try:
        sent = backend.send(claim.phone, claim.body)
    except WhatsAppError as exc:
        return _log_attempt(claim, _record_error(claim, exc), started, exc.reason)
    with transaction.atomic():
        recorded = _fenced(claim).update(
            status=Message.Status.SENT,
            provider_message_id=sent.provider_message_id,
            sent_at=Now(),
            lease_token=None,
            lease_expires_at=None,
            last_error="",
            updated_at=Now(),
        )
        if recorded and claim.kind == Message.Kind.REMINDER and claim.reminder_id:
            Reminder.objects.filter(id=claim.reminder_id).update(
                reply_deadline=Now() + timedelta(minutes=settings.REPLY_WINDOW_MINUTES)
            )
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
    if error.transient and claim.attempts < claim.max_attempts:
        retried = _release(claim, backoff_delay(claim.attempts), last_error=error.reason)
        return Outcome.RETRIED if retried else Outcome.LEASE_LOST
    reason = error.reason if not error.transient else f"gave up after {claim.attempts} attempts: {error.reason}"
    failed = _fenced(claim).update(
        status=Message.Status.FAILED,
        last_error=error.reason,
        end_reason=reason,
        lease_token=None,
        lease_expires_at=None,
        updated_at=Now(),
    )
    if failed and claim.kind == Message.Kind.REMINDER and claim.reminder_id:
        close_undelivered_reminders([claim.reminder_id])
    return Outcome.FAILED if failed else Outcome.LEASE_LOST
