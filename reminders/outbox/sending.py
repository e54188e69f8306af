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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait as futures_wait
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet

from prima.clock import CLOCK_SQL, DatabaseNow
from ratelimit.services import check_many
from reminders.backends import BaseWhatsAppBackend, Scope, SentMessage, WhatsAppError, gateway_backend
from reminders.outbox.cloud_api import (
    TEMPLATE_HOLD_SECONDS, TEMPLATE_REFUSED, WINDOW_CLOSED, approved_templates, cloud_content, open_windows,
)
from reminders.outbox.devices import (
    NOTICE_HOLD_SECONDS, NOTICE_WAIT_SECONDS, UNREADABLE_TOKEN, WAITING_FOR_NOTICE, Sender, notices_on_their_way,
    senders, wake_those_waiting, waits_for_notice,
)
from reminders.models import Caregiver, Device, Message, Refusal, Reminder, SendingPause
from reminders.outbox.notifications import settle_alerts
from reminders.outbox.pauses import lift_pause, pause_sending, pauses_in_force, take_probe
from reminders.phones import mask_phone
from reminders.outbox.provider_events import record_quotas

logger = logging.getLogger(__name__)

# Retry delay when the rate limiter itself cannot answer: sends fail closed.
RATE_LIMITER_DOWN_DELAY = 30.0
# A chunk prepared while the one before was in flight goes out at most this long after its
# double-check; a slower gateway sends it back to the queue to be checked again.
PREPARED_MAX_SECONDS = 2.0
# A call starts at most PREPARED_MAX_SECONDS after its limit units were recorded, and reaches
# Fonnte a moment later: the send limits' windows are this much wider, so no 60 s of Fonnte's
# own clock ever sees more than the limit (bench/burst.py measures it from the gateway's side).
LIMIT_MARGIN_SECONDS = PREPARED_MAX_SECONDS + 1.0


class Outcome(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"  # rate limit: back to the queue, no attempt spent
    PAUSED = "paused"  # the sender is refused (device, account): back to the queue, no attempt spent
    RETRIED = "retried"  # transient error: back to the queue after a backoff
    FAILED = "failed"
    REFUSED = "refused"  # the double-check at the last moment: the message is no longer wanted
    HELD = "held"  # a notice of a new number waiting for its recipient, or a message waiting for that notice
    LEASE_LOST = "lease_lost"  # another worker took the message over; we changed nothing
    ERROR = "errors"  # a bug while sending: logged; the lease covers the message, retried once it expires


class Skip(StrEnum):
    ALREADY_SENT = "already_sent"
    ALREADY_CLAIMED = "already_claimed"
    CANCELLED = "cancelled"
    OPTED_OUT = "opted_out"
    TOO_LATE = "too_late"
    FAILED = "already_failed"
    NOT_DUE = "not_due"
    MISSING = "missing"
    NOTICE_HELD = "notice_held"  # a notice of a new number waiting for its recipient


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
    sender: Sender | None = None  # who it goes out as, once its attempt is prepared
    content: dict | None = None  # through a Cloud API device: what it goes out as (text, template, buttons)


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
    was the dose's reminder, which is what volunteers then see (MISSED: "needs update"). An
    alert to staff settles its notification at once (the coordinators told now)."""
    Message.objects.filter(id=message.id).update(
        status=status, end_reason=reason, lease_token=None, lease_expires_at=None, held_by_pause=False,
        updated_at=DatabaseNow(),
    )
    if message.kind in Message.STAFF_KINDS:
        settle_alerts([message.id])
    if message.kind == Message.Kind.REMINDER and message.reminder_id and not message.other_delivery_alive():
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
    """Claim rows the caller has locked: cancel the refused, hold a notice its recipient cannot
    receive yet, fail the exhausted, lease the rest.
    The doses of the ones ended are returned to close once the claim has committed: closing
    them here would lock a dose while holding its queued message, the reverse of `close`."""
    token = uuid.uuid4()
    to_claim, closings = [], []
    for message in messages:
        refused = message.refusal(now)
        if refused:
            closings.append(_refusal_closing(message, refused))
            skipped[refused.code] += 1
        elif held := message.held_for_recipient():  # a notice of a new number waits, never withdrawn
            Message.objects.filter(id=message.id).update(
                send_after=DatabaseNow() + timedelta(seconds=NOTICE_HOLD_SECONDS), last_error=held,
                updated_at=DatabaseNow())
            skipped[Skip.NOTICE_HELD] += 1
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
        Message.objects.select_related("patient", "reminder", "caregiver", "check_in")
        .select_for_update(skip_locked=skip_locked, of=("self",))
        .annotate(db_now=DatabaseNow())
    )


def claimable_messages(batch_size: int, among: Sequence[int] | None = None) -> QuerySet:
    """Due messages, most urgent then oldest first, skipping rows other workers hold.
    Served by the partial index message_claimable_idx; to be evaluated inside a transaction."""
    due = _lockable(skip_locked=True).filter(status=Message.Status.QUEUED, send_after__lte=DatabaseNow())
    if among is not None:
        due = due.filter(id__in=among)
    return due.order_by("-priority", "send_after")[:batch_size]


def claim_due_messages(batch_size: int, among: Sequence[int] | None = None) -> ClaimBatch:
    """Claim up to `batch_size` due messages (only those named in `among`, when given: a Celery
    task's batch); rows other workers hold are skipped, not waited for."""
    skipped: Counter = Counter()
    with transaction.atomic():
        candidates = list(claimable_messages(batch_size, among))
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


# What the sweep writes on a message whose lease ran out: its worker stopped (died, or could not
# send and crashed). The words stay until the message is sent or ends, so the message is still
# counted as stuck past its lease (`reminders.health.queue_depth`) once it is back in the queue,
# and a worker that keeps failing does not hide it by claiming it again and again.
LEASE_EXPIRED = "lease expired"
LEASE_EXPIRED_SENDING = f"{LEASE_EXPIRED} while sending: outcome unknown"
LEASE_EXPIRED_CLAIMED = f"{LEASE_EXPIRED} before sending: its worker stopped"


def requeue_stale_leases() -> int:
    """Put messages whose worker vanished back in the queue.

    One that was being sent has an unknown outcome (the provider may have delivered it): its
    attempt stays counted and the next claim is a retry. One that was only claimed was never
    tried and costs nothing. `_claim_locked` fails messages that ran out of attempts.
    """
    stale = Message.objects.filter(status=Message.Status.SENDING, lease_expires_at__lt=DatabaseNow())
    tried = stale.filter(send_started_at__isnull=False).update(
        status=Message.Status.QUEUED, lease_token=None, lease_expires_at=None, send_after=DatabaseNow(),
        last_error=LEASE_EXPIRED_SENDING, updated_at=DatabaseNow(),
    )
    untried = stale.filter(send_started_at__isnull=True).update(
        status=Message.Status.QUEUED, lease_token=None, lease_expires_at=None, send_after=DatabaseNow(),
        last_error=LEASE_EXPIRED_CLAIMED, updated_at=DatabaseNow(),
    )
    if tried or untried:
        logger.warning("requeued stale leases sending=%d claimed_only=%d", tried, untried)
    return tried + untried


def _fenced(claim: Claim) -> QuerySet:
    return Message.objects.filter(id=claim.message_id, lease_token=claim.lease_token, status=Message.Status.SENDING)


def send_limits(phone: str, scope: str, gateway: str = Device.Gateway.FONNTE) -> list[tuple[str, str]]:
    """The limits one message takes a unit of: `whatsapp_send` per phone, and its gateway's for
    the device: Fonnte's `fonnte_device`, or the Cloud API's throughput per number and its pair
    limit (one message every 6 seconds from this number to this phone)."""
    if gateway == Device.Gateway.CLOUD_API:
        return [("whatsapp_send", phone), ("cloud_api_pair", f"{scope}>{phone}"), ("cloud_api_number", scope)]
    return [("whatsapp_send", phone), ("fonnte_device", scope)]


def rate_limit_delays(needs: list[tuple[str, ...] | None]) -> list[float | None]:
    """For each (phone, device scope[, gateway]), in order: None to send now, or the seconds to
    wait before the message fits all its limits (`send_limits`); None in the list for a message
    no limit holds back (the emergency answer).

    Fails closed: if the limiter cannot answer, every message waits rather than risk
    blasting a device (WhatsApp bans numbers that do).
    """
    limited = [need for need in needs if need is not None]
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's transaction usable
            answers = iter(check_many([send_limits(*need) for need in limited], margin=LIMIT_MARGIN_SECONDS))
    except DatabaseError as exc:  # not its text: PostgreSQL may quote the key, a phone number
        logger.error("rate limiter unavailable, deferring sends: %s", exc.__class__.__name__)
        return [None if need is None else RATE_LIMITER_DOWN_DELAY for need in needs]
    delays = []
    for need in needs:
        wait = None if need is None else next(answers)
        delays.append(None if wait is None else min(max(wait, 0.5), settings.SEND_RETRY_MAX_SECONDS))
    return delays


def _log_attempt(claim: Claim, outcome: Outcome, reason: str = "") -> Outcome:
    logger.info(
        "send message_id=%s kind=%s to=%s via=%s attempt=%d outcome=%s duration_ms=%d reason=%r",
        claim.message_id,
        claim.kind,
        mask_phone(claim.phone),
        mask_phone(claim.sender.number) if claim.sender and claim.sender.number else "default",
        claim.attempts,
        outcome,
        (time.monotonic() - claim.claimed_at) * 1000,
        reason,
    )
    return outcome


_RELEASE_SQL = f"""
UPDATE reminders_message AS m
   SET status = 'QUEUED', lease_token = NULL, lease_expires_at = NULL, send_started_at = NULL,
       send_after = {CLOCK_SQL} + make_interval(secs => r.delay), held_by_pause = r.held,
       last_error = coalesce(r.error, m.last_error), attempts = m.attempts - r.give_back,
       updated_at = {CLOCK_SQL}
  FROM unnest(%s::bigint[], %s::uuid[], %s::float[], %s::boolean[], %s::text[], %s::int[])
       AS r(id, token, delay, held, error, give_back)
 WHERE m.id = r.id AND m.lease_token = r.token AND m.status = 'SENDING'
RETURNING m.id
"""


@dataclass(frozen=True)
class Release:
    """A claim going back to the queue for `delay` seconds: held by a pause, rate limited,
    retried after an error, or given back on shutdown."""

    claim: Claim
    delay: float
    held_by_pause: bool = False
    error: str | None = None
    give_back_attempt: bool = False


def release_all(releases: list[Release]) -> set[int]:
    """Put claims back in the queue, each only if still ours; one statement. Returns the ids."""
    if not releases:
        return set()
    columns = [
        [r.claim.message_id for r in releases], [str(r.claim.lease_token) for r in releases],
        [float(r.delay) for r in releases], [r.held_by_pause for r in releases], [r.error for r in releases],
        [int(r.give_back_attempt) for r in releases],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_RELEASE_SQL, columns)
        return {row[0] for row in cursor.fetchall()}


_ATTEMPT_SQL = f"""
UPDATE reminders_message AS m
   SET attempts = m.attempts + 1, send_started_at = {CLOCK_SQL},
       lease_expires_at = {CLOCK_SQL} + make_interval(secs => %s), phone = r.phone, device_id = r.device_id,
       updated_at = {CLOCK_SQL}
  FROM unnest(%s::bigint[], %s::uuid[], %s::text[], %s::bigint[]) AS r(id, token, phone, device_id)
 WHERE m.id = r.id AND m.lease_token = r.token AND m.status = 'SENDING'
RETURNING m.id
"""


@dataclass
class _Chunk:
    """What preparing a chunk of claims decided: who is sent, how the others ended."""

    ready: list[Claim] = field(default_factory=list)
    probes: set[str] = field(default_factory=set)  # scopes whose pause this chunk tries a send for
    device_probes: set[str] = field(default_factory=set)  # those of them paused as a disconnected device
    outcomes: dict[int, tuple[Claim, Outcome, str]] = field(default_factory=dict)  # the claim as prepared
    releases: list[Release] = field(default_factory=list)
    prepared_at: float = 0.0  # time.monotonic() before its double-check and its limits ran


def _hold_for_pause(chunk: _Chunk, claim: Claim, pause: SendingPause) -> None:
    delay = max((pause.probe_at - pause.db_now).total_seconds(), 1.0)
    chunk.releases.append(Release(claim, delay, held_by_pause=True, error=f"sending paused: {pause.reason}"))
    chunk.outcomes[claim.message_id] = (claim, Outcome.PAUSED, pause.reason)


def prepare_attempts(claims: list[Claim]) -> _Chunk:
    """Everything before the calls but counting the attempts, in one transaction for the whole
    chunk: each message must still be ours; the double-check runs again on the patient and
    dose rows locked (so a "SUDAH" or an opt-out committed a moment ago wins); a notice of a
    new number whose recipient cannot receive it yet waits, and so does what would reach that
    recipient from the new number before it; a paused device holds its messages (one may be its
    probe); the limits are checked together. Each ready
    claim carries the number it goes to now (`Message.sending_phone`) and the device it goes through (the patient's,
    as the locked row has it now); `start_attempts` records both as the calls begin."""
    chunk = _Chunk(prepared_at=time.monotonic())
    with transaction.atomic():
        rows = {
            message.id: message
            for message in Message.objects.filter(id__in=[c.message_id for c in claims], status=Message.Status.SENDING)
            .select_related("patient", "check_in").select_for_update(of=("self", "patient"))
            # one lock order for every worker: two chunks cannot deadlock
            .annotate(db_now=DatabaseNow()).order_by("patient_id", "id")
        }
        doses = Reminder.objects.select_for_update().order_by("id").in_bulk(
            [m.reminder_id for m in rows.values() if m.reminder_id])
        caregivers = Caregiver.objects.select_related("patient").select_for_update(of=("self",)).order_by("id").in_bulk(
            [m.caregiver_id for m in rows.values() if m.caregiver_id])
        awaited = notices_on_their_way({message.patient_id for message in rows.values()})
        by_device = senders({message.sending_device_id for message in rows.values()})
        pauses = pauses_in_force({sender.scope for sender in by_device.values()})
        cloud = {device_id for device_id, sender in by_device.items() if sender.gateway == Device.Gateway.CLOUD_API}
        templates = approved_templates(cloud)
        windows = open_windows({(m.sending_phone, m.sending_device_id) for m in rows.values()
                                if m.sending_device_id in cloud})
        waiting = []
        for claim in claims:
            message = rows.get(claim.message_id)
            if message is None or message.lease_token != claim.lease_token:
                chunk.outcomes[claim.message_id] = (claim, Outcome.LEASE_LOST, "lease taken over before sending")
                continue
            message.reminder = doses.get(message.reminder_id)
            if message.caregiver_id:  # a BERHENTI from the caregiver committed a moment ago wins
                message.caregiver = caregivers[message.caregiver_id]
            refused = message.refusal(message.db_now)
            if refused:  # the message is SENDING, not queued: no `close` waits for it
                closing = _refusal_closing(message, refused)
                if closing:
                    closing.apply()
                chunk.outcomes[claim.message_id] = (claim, Outcome.REFUSED, refused.text)
                continue
            held = message.held_for_recipient()
            if held or waits_for_notice(message, awaited):
                delay, why = (NOTICE_HOLD_SECONDS, held) if held else (NOTICE_WAIT_SECONDS, WAITING_FOR_NOTICE)
                chunk.releases.append(Release(claim, delay, error=why))
                chunk.outcomes[claim.message_id] = (claim, Outcome.HELD, why)
                continue
            sender = by_device[message.sending_device_id]
            claim = replace(claim, phone=message.sending_phone, sender=sender)
            if sender.device_id in cloud:
                content = cloud_content(message, window_is_open=(claim.phone, sender.device_id) in windows,
                                        templates=templates, device_id=sender.device_id)
                if isinstance(content, str) and message.kind in Message.STAFF_KINDS:
                    # An alert to staff never waits unseen: failed, it is passed on (settle_alerts).
                    _end(message, Message.Status.FAILED, content, Reminder.Confirmation.MISSED)
                    chunk.outcomes[claim.message_id] = (claim, Outcome.FAILED, content)
                    continue
                if isinstance(content, str):  # no template to send it as: it waits, nothing spent
                    chunk.releases.append(Release(claim, TEMPLATE_HOLD_SECONDS, error=content))
                    chunk.outcomes[claim.message_id] = (claim, Outcome.HELD, content)
                    continue
                claim = replace(claim, content=content)
            if sender.device_id is not None and not sender.token:
                pauses[sender.scope] = pause_sending(Scope.ACCOUNT, UNREADABLE_TOKEN, scope=sender.scope,
                                                     token=sender.token)
            pause = pauses.get(sender.scope)
            if pause is not None:
                if sender.scope in chunk.probes or not take_probe(pause):
                    _hold_for_pause(chunk, claim, pause)
                    continue
                chunk.probes.add(sender.scope)
                if pause.kind == SendingPause.Kind.DEVICE:
                    chunk.device_probes.add(sender.scope)
            waiting.append(claim)
        # An emergency answer is never held back by a limit (DESIGN: never rate-limited).
        delays = rate_limit_delays([None if c.priority else (c.phone, c.sender.scope, c.sender.gateway)
                                    for c in waiting])
        for claim, delay in zip(waiting, delays, strict=True):
            if delay is None:
                chunk.ready.append(claim)
            else:
                chunk.releases.append(Release(claim, delay))
                chunk.outcomes[claim.message_id] = (claim, Outcome.DEFERRED, f"rate limited for {delay:.1f}s")
        release_all(chunk.releases)
    return chunk


def start_attempts(chunk: _Chunk) -> list[Claim]:
    """Count the attempts of a prepared chunk's ready claims, just before their calls, in one
    statement: a process killed after it has spent them only on messages it was sending.
    Returns the claims still ours, with their attempt counted; the others lost their lease."""
    ready = chunk.ready
    if not ready:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_ATTEMPT_SQL, [settings.SEND_LEASE_SECONDS, [c.message_id for c in ready],
                                      [str(c.lease_token) for c in ready], [c.phone for c in ready],
                                      [c.sender.device_id for c in ready]])
        ours = {row[0] for row in cursor.fetchall()}
    for claim in ready:
        if claim.message_id not in ours:
            chunk.outcomes[claim.message_id] = (claim, Outcome.LEASE_LOST, "lease taken over before sending")
    chunk.ready = [replace(claim, attempts=claim.attempts + 1) for claim in ready if claim.message_id in ours]
    return chunk.ready


def _try_send(backend: BaseWhatsAppBackend, claim: Claim) -> SentMessage | Exception:
    """The HTTP call, outside any transaction (in a pool thread: no database here), through the
    sender's own gateway (`launch` chose it). `content` only for a Cloud API device's send: a
    backend that knows nothing of it (a test's stand-in for Fonnte) keeps its signature."""
    try:
        if claim.content is not None:
            return backend.send(claim.phone, claim.body, sender=claim.sender, content=claim.content)
        return backend.send(claim.phone, claim.body, sender=claim.sender)
    except Exception as exc:  # recorded by the caller: a WhatsAppError, or a bug to log
        return exc


_SENT_SQL = f"""
UPDATE reminders_message AS m
   SET status = 'SENT', provider_message_id = r.provider_id, sent_at = {CLOCK_SQL}, lease_token = NULL,
       lease_expires_at = NULL, last_error = '', held_by_pause = false, updated_at = {CLOCK_SQL}
  FROM unnest(%s::bigint[], %s::uuid[], %s::text[]) AS r(id, token, provider_id)
 WHERE m.id = r.id AND m.lease_token = r.token AND m.status = 'SENDING'
RETURNING m.id
"""


def _record_sent(sent: list[tuple[Claim, SentMessage]]) -> set[int]:
    """The sends that went through, in one transaction: each fenced by its lease, then what a
    send changes (`_after_sent`)."""
    if not sent:
        return set()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SENT_SQL, [[c.message_id for c, _s in sent], [str(c.lease_token) for c, _s in sent],
                                   [s.provider_message_id for _c, s in sent]])
        recorded = {row[0] for row in cursor.fetchall()}
        _after_sent([(c.message_id, c.kind, c.reminder_id) for c, _s in sent if c.message_id in recorded])
    return recorded


def _after_sent(sent: list[tuple[int, str, int | None]]) -> None:
    """What messages (id, kind, dose) recorded SENT change, in the caller's transaction: each
    reminder's dose marked sent, its reply window open (a dose withdrawn while its reminder
    was on its way opens again: the patient has it, so her answer counts), each alert's
    notification to staff SENT (urgent or an escalation's), and what waited for a notice of a
    new number that went out due at once."""
    dose_ids = [reminder_id for _id, kind, reminder_id in sent if kind == Message.Kind.REMINDER and reminder_id]
    if dose_ids:
        doses = Reminder.objects.filter(id__in=dose_ids)
        doses.filter(confirmation_status=Reminder.Confirmation.CANCELLED).reopen()
        # The first recipient's delivery opens the window; another's (a caregiver's) leaves it be,
        # so a reply judged against `sent_at` is never made too early by a later send.
        doses.filter(sent_at__isnull=True).update(
            sent_at=DatabaseNow(), reply_deadline=DatabaseNow() + timedelta(minutes=settings.REPLY_WINDOW_MINUTES))
    alerts = [message_id for message_id, kind, _r in sent if kind in Message.STAFF_KINDS]
    if alerts:
        settle_alerts(alerts)
    notices = [message_id for message_id, kind, _r in sent if kind == Message.Kind.NOTICE]
    if notices:
        wake_those_waiting(notices)


def record_sent_after_all(message: Message, provider_message_id: str) -> bool:
    """A send the gateway accepted though its answer never reached us (a timeout, a worker
    that died): the message is waiting to be tried again, or still being tried, with no id of
    the gateway's. Recorded SENT with the id the gateway now names, as if the answer had come,
    so it is not sent again; a worker still sending it loses its lease. False when the message
    was recorded meanwhile (or was never tried). In the caller's transaction."""
    recorded = Message.objects.filter(
        id=message.id, status__in=[Message.Status.QUEUED, Message.Status.SENDING], provider_message_id="",
        attempts__gt=0,
    ).update(status=Message.Status.SENT, provider_message_id=provider_message_id, sent_at=DatabaseNow(),
             lease_token=None, lease_expires_at=None, last_error="", held_by_pause=False, updated_at=DatabaseNow())
    if recorded:
        logger.warning("message_id=%s recorded SENT from the gateway's status: its send's answer was lost", message.id)
        _after_sent([(message.id, message.kind, message.reminder_id)])
    return bool(recorded)


def _keep_quotas(sent: list[SentMessage]) -> None:
    """The devices' remaining quotas from the answers; the messages are sent whatever happens here."""
    quotas = {quota.device: quota for answer in sent for quota in answer.quotas}
    if not quotas:
        return
    try:
        record_quotas(quotas.values())
    except DatabaseError as exc:
        logger.error("device quota not recorded: %s", exc.__class__.__name__)


@dataclass
class _Flight:
    """A chunk whose calls are on their way; each call's result is recorded as it returns."""

    chunk: _Chunk
    calls: list[Future]
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # of the calls recorded so far
    recorded: set[Future] = field(default_factory=set)
    recording: Future | None = None  # `collect` running on the recorder's thread


def launch(chunk: _Chunk, backend: BaseWhatsAppBackend, pool: Executor | None) -> _Flight:
    """Count the chunk's attempts, then start its calls, all at once on `pool` (or here, one
    after the other, without one), each through its sender's gateway (`gateway_backend`)."""
    claims = start_attempts(chunk)
    # Each sender's own gateway, chosen here: building one may read the database, a pool thread may not.
    gateways = [gateway_backend(backend, claim.sender) for claim in claims]
    if pool is None:
        calls = []
        for gateway, claim in zip(gateways, claims, strict=True):
            call: Future = Future()
            call.set_result(_try_send(gateway, claim))
            calls.append(call)
        return _Flight(chunk, calls)
    return _Flight(chunk, [pool.submit(_try_send, gateway, claim) for gateway, claim in zip(gateways, claims,
                                                                                               strict=True)])


def _settle(chunk: _Chunk) -> dict[int, Outcome]:
    """Log the outcomes a chunk's preparation decided (refused, held, deferred, lease lost)."""
    return {message_id: _log_attempt(prepared, outcome, reason)
            for message_id, (prepared, outcome, reason) in chunk.outcomes.items()}


def _record_results(flight: _Flight, done: list[tuple[Claim, object]]) -> None:
    """Record calls that returned: the sends in one transaction, the rare errors one by one."""
    chunk = flight.chunk
    sent = [(claim, result) for claim, result in done if isinstance(result, SentMessage)]
    recorded = _record_sent(sent)
    for scope in chunk.probes & {claim.sender.scope for claim, _result in sent}:
        lift_pause("a send went through", scope=scope)
    _keep_quotas([result for _claim, result in sent])
    for claim, result in done:
        if isinstance(result, SentMessage):
            outcome = Outcome.SENT if claim.message_id in recorded else Outcome.LEASE_LOST
            flight.outcomes[claim.message_id] = _log_attempt(claim, outcome, "" if outcome == Outcome.SENT else
                                                             "sent, but the lease was taken over")
        elif isinstance(result, WhatsAppError):
            error = _as_probe_error(result, claim, chunk)
            flight.outcomes[claim.message_id] = _log_attempt(claim, _record_error(claim, error), error.reason)
        else:
            logger.error("unexpected error sending message_id=%s", claim.message_id, exc_info=result)
            flight.outcomes[claim.message_id] = Outcome.ERROR  # the lease covers it: retried once it expires


def collect(flight: _Flight) -> None:
    """Wait for a flight's calls, recording each one's result as soon as it returns (those that
    return together, together): a crash leaves unknown only the calls still out, never a call
    that returned while a slower one of its chunk was still on its way."""
    claims = dict(zip(flight.calls, flight.chunk.ready, strict=True))
    pending = [call for call in flight.calls if call not in flight.recorded]
    while pending:
        done, _still_out = futures_wait(pending, return_when=FIRST_COMPLETED)
        returned = [call for call in pending if call in done]
        pending = [call for call in pending if call not in done]
        flight.recorded.update(returned)  # before recording: a failure there is not recorded twice
        _record_results(flight, [(claims[call], call.result()) for call in returned])


def land(flight: _Flight) -> dict[int, Outcome]:
    """Wait for a flight's calls and record what happened (each as it returns), by message id,
    with the outcomes its preparation decided."""
    collect(flight)
    return {**flight.outcomes, **_settle(flight.chunk)}


def deliver_chunk(claims: list[Claim], backend: BaseWhatsAppBackend, pool: Executor | None = None) -> list[Outcome]:
    """Send claimed messages, all calls in flight at once (on `pool`), and record what
    happened; the outcomes in the claims' order."""
    outcomes = land(launch(prepare_attempts(claims), backend, pool))
    return [outcomes[claim.message_id] for claim in claims]


def _recorder() -> ThreadPoolExecutor | None:
    """One thread, with a database connection of its own, that records a flight's calls as they
    return while this one prepares the next chunk: on a single connection an answer would wait
    for that preparation (tens of milliseconds, the window in which a kill repeats a message
    the gateway accepted; bench/chaos.py --kills-only measures it). Inside a caller's
    transaction (a test's) another connection would not see its rows: recording stays here."""
    if connection.in_atomic_block:
        return None
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="record")


def _record_meanwhile(flight: _Flight, recorder: ThreadPoolExecutor | None) -> _Flight:
    if recorder is not None:
        flight.recording = recorder.submit(collect, flight)
    return flight


def _recorded(flight: _Flight) -> None:
    """Every call of a flight returned and recorded (what the recorder raised is raised here)."""
    if flight.recording is not None:
        flight.recording.result()
    else:
        collect(flight)


def _recorder_done(flight: _Flight) -> None:
    """On the way out of a failure: the recorder finished with this flight, however it ended,
    so what it did not record is recorded here, once."""
    if flight.recording is not None:
        futures_wait([flight.recording])


def _close_recorder(recorder: ThreadPoolExecutor | None) -> None:
    if recorder is not None:
        recorder.submit(lambda: connection.close()).result()  # the recorder thread's own connection, looked up there
        recorder.shutdown()


def send_claimed(
    claims: list[Claim], backend: BaseWhatsAppBackend, pool: Executor, *, deadline: float,
    should_stop: Callable[[], bool] = lambda: False,
) -> Counter:
    """Send a claimed batch, SEND_CONCURRENCY calls in flight, in a pipeline: while one
    chunk's calls are out, the next one is prepared and each call is recorded as it returns
    (by a recorder thread with its own connection, `_recorder`), so calls do not wait for the
    database and a crash leaves unknown only the calls still out. A prepared chunk starts the moment the one before it lands,
    unless that took over PREPARED_MAX_SECONDS (a slow gateway): its double-check is then too
    old, and its claims go back to the queue to be claimed and checked again. A sender refused
    as a whole by the chunk that landed (token, account, device) gets none of the next chunk's
    calls: they wait out the pause the landing records. At the deadline
    or `should_stop()`, the chunk in flight lands and the rest is given back (nothing spent)."""
    recorder = _recorder()
    try:
        return _pipeline(claims, backend, pool, recorder, deadline=deadline, should_stop=should_stop)
    finally:
        _close_recorder(recorder)


def _pipeline(claims: list[Claim], backend: BaseWhatsAppBackend, pool: Executor, recorder: ThreadPoolExecutor | None,
              *, deadline: float, should_stop: Callable[[], bool]) -> Counter:
    stats: Counter = Counter()
    size = settings.SEND_CONCURRENCY
    rest = list(claims)
    flying: _Flight | None = None

    def stopping() -> bool:
        return should_stop() or time.monotonic() >= deadline

    while rest or flying:
        upcoming, landing, flying = None, flying, None
        held_back: list[Claim] = []
        try:
            try:
                if rest and not stopping():
                    group, rest = rest[:size], rest[size:]
                    upcoming = prepare_attempts(group)
                if landing is not None:
                    _recorded(landing)  # each call recorded as it returned
                    if upcoming is not None:
                        held_back = _withhold(upcoming, _refused_senders(landing))
                too_old = upcoming is not None and time.monotonic() - upcoming.prepared_at > PREPARED_MAX_SECONDS
                if upcoming is not None and (stopping() or too_old):
                    stats["released"] += len(release_all([Release(claim, 0) for claim in upcoming.ready]))
                    stats.update(_settle(upcoming).values())
                elif upcoming is not None:
                    flying = _record_meanwhile(launch(upcoming, backend, pool), recorder)
                if landing is not None:
                    landed, landing = landing, None
                    stats.update(land(landed).values())
            except BaseException:
                # Calls that went out are recorded whatever went wrong (a deadlock, a soft time
                # limit, a bug): unrecorded, their messages would go out again once their
                # leases expire. What was not started keeps its lease and comes back unspent.
                for flight in (landing, flying):
                    if flight is not None:
                        _recorder_done(flight)
                        stats.update(_land_anyway(flight).values())
                flying = None
                raise
            if held_back:
                stats.update(_hold_back(held_back).values())
        except (DatabaseError, ImproperlyConfigured):
            raise  # the connection is gone (the caller reconnects) or a setting is wrong: leases cover the rest
        except Exception:
            logger.exception("unexpected error in a send chunk")
            stats[Outcome.ERROR] += 1
        if stopping() and flying is None:
            break
    if rest:
        stats["released"] += len(release_all([Release(claim, 0) for claim in rest]))
    return stats


def _land_anyway(flight: _Flight) -> dict[int, Outcome]:
    """`land`, on the way out of a failure: what it cannot record is logged, not raised over
    the failure being handled."""
    try:
        return land(flight)
    except Exception:
        logger.exception("could not record a chunk whose calls went out; their leases will send them again")
        return {}


def _refused_senders(flight: _Flight) -> set[str]:
    """The senders whose calls in a flight were refused as a whole: the pause `land` records."""
    refused = set()
    for claim, call in zip(flight.chunk.ready, flight.calls, strict=True):
        result = call.result()
        if isinstance(result, WhatsAppError) and _as_probe_error(result, claim, flight.chunk).pauses_sender:
            refused.add(claim.sender.scope)
    return refused


def _withhold(chunk: _Chunk, scopes: set[str]) -> list[Claim]:
    """Take a prepared chunk's claims for these senders out of it, before its calls start."""
    held = [claim for claim in chunk.ready if claim.sender.scope in scopes]
    chunk.ready = [claim for claim in chunk.ready if claim.sender.scope not in scopes]
    return held


def _hold_back(claims: list[Claim]) -> dict[int, Outcome]:
    """Withheld claims wait out their sender's pause, with no attempt spent (none started)."""
    held = _Chunk()
    pauses = pauses_in_force({claim.sender.scope for claim in claims})
    for claim in claims:
        pause = pauses.get(claim.sender.scope)
        if pause is not None:
            _hold_for_pause(held, claim, pause)
        else:  # the pause did not hold (lifted meanwhile): back to the queue, due now
            held.releases.append(Release(claim, 0))
            held.outcomes[claim.message_id] = (claim, Outcome.DEFERRED, "given back: its sender was refused")
    release_all(held.releases)
    return _settle(held)


def deliver(claim: Claim, backend: BaseWhatsAppBackend) -> Outcome:
    """Send one claimed message and record what happened (a Celery task's unit)."""
    return deliver_chunk([claim], backend)[0]


def _as_probe_error(error: WhatsAppError, claim: Claim, chunk: _Chunk) -> WhatsAppError:
    """Fonnte's words for a disconnected device are not documented: while it is known to be
    down, a failed probe is that, not this message's fault."""
    if claim.sender.scope in chunk.device_probes and error.scope == Scope.MESSAGE and error.transient:
        return WhatsAppError(error.reason, transient=True, scope=Scope.DEVICE)
    return error


def _record_error(claim: Claim, error: WhatsAppError) -> Outcome:
    if error.scope == Scope.TEMPLATE and claim.kind in Message.STAFF_KINDS:
        error = WhatsAppError(error.reason, transient=False)  # an alert to staff fails and is passed on, never waits
    if error.scope in (Scope.WINDOW, Scope.TEMPLATE):
        # Not this send's fault nor the sender's: again as a template at once, or held until
        # the template is fixed; the attempt is given back either way.
        delay, why = (0, WINDOW_CLOSED) if error.scope == Scope.WINDOW else (TEMPLATE_HOLD_SECONDS, TEMPLATE_REFUSED)
        held = release_all([Release(claim, delay, error=f"{why}: {error.reason}", give_back_attempt=True)])
        return Outcome.HELD if held else Outcome.LEASE_LOST
    if error.pauses_sender:
        pause_sending(error.scope, error.reason, scope=claim.sender.scope, token=claim.sender.token)
        released = release_all([Release(claim, settings.SENDING_PAUSE_PROBE_SECONDS, held_by_pause=True,
                                        error=f"sending paused: {error.reason}", give_back_attempt=True)])
        return Outcome.PAUSED if released else Outcome.LEASE_LOST
    if error.transient and claim.attempts < claim.max_attempts:
        retried = release_all([Release(claim, backoff_delay(claim.attempts), error=error.reason)])
        return Outcome.RETRIED if retried else Outcome.LEASE_LOST
    reason = error.reason if not error.transient else f"gave up after {claim.attempts} attempts: {error.reason}"
    with transaction.atomic():
        message = _fenced(claim).select_for_update().first()
        if message is None:
            return Outcome.LEASE_LOST
        Message.objects.filter(id=message.id).update(last_error=error.reason)
        end_message(message, Message.Status.FAILED, reason, Reminder.Confirmation.MISSED)
    return Outcome.FAILED
