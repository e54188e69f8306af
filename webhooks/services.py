"""The inbox: store every delivery first, then process it once, so nothing is lost and
nothing is applied twice however often Fonnte delivers it.

Processing claims the event with a short lease and writes its final state in the same
transaction as the change it causes, so a crash in between means a retry, never a
change applied twice.
"""
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, DataError, transaction
from django.db.models import F, Max, Q

from locks.services import LockLost, LockNotAcquired, assert_lock_held, hold_lock
from prima.clock import DatabaseNow
from ratelimit.services import check as check_rate_limit
from reminders.conversation.caregivers import Unclear, ask_which, named_caregiver, whose_reply
from reminders.conversation.classifier import classify, urgent_intent
from reminders.conversation.replies import (
    Tap, apply_reply, apply_tap, keep_unapplied_reply, keep_unclear_reply, name_words_of, record_dose_taken,
    who_tapped,
)
from reminders.conversation.deaths import handle_death
from reminders.outbox.cloud_api import message_id_from_callback, note_inbound
from reminders.outbox.cloud_statuses import apply_cloud_status
from reminders.outbox.devices import cloud_device_for, hears_from_an_unnamed_number, known_numbers
from reminders.conversation.emergencies import handle_emergency
from reminders.models import Caregiver, Device, Message, Patient, PatientReply
from reminders.phones import mask_phone, normalise_phone
from reminders.outbox.provider_events import StatusResult, apply_delivery_status, record_device_state
from webhooks.cloud import message_content, split_delivery
from webhooks.models import NOT_OURS, NOT_OURS_CLOUD, WebhookEvent
from webhooks.parsing import ParsedBody, dedupe_key, field

logger = logging.getLogger(__name__)

State = WebhookEvent.State
Intent = PatientReply.Intent
CLAIM_SECONDS = 60


class EventOutcome(Exception):
    """Processing ended in a state other than PROCESSED (ignored, rate limited, not yet)."""

    def __init__(self, state: str, result: str) -> None:
        super().__init__(result)
        self.state = state
        self.result = result


class ClaimLost(Exception):
    """Our claim on the event expired and someone else took it: roll back."""


def last_reminder_sent_to(parsed: ParsedBody) -> datetime | None:
    """When the sender was last sent a reminder, follow-up or weekly check-in: a repeated body
    after that is a new answer ("Sudah" to the 08:00 medicine, then "Sudah" to the 08:15 one),
    not Fonnte delivering the first one again. Our acknowledgements do not count: they ask no
    answer."""
    try:
        phone = normalise_phone(field(parsed.payload, "sender"))
    except ValidationError:
        return None
    return Message.objects.filter(patient__phone=phone, kind__in=Message.QUESTION_KINDS).aggregate(
        last=Max("sent_at"))["last"]


def store_event(kind: str, parsed: ParsedBody, content_type: str) -> WebhookEvent | None:
    """Insert the event unless it repeats one stored; None for a duplicate.

    PostgreSQL decides (webhooks.models.WebhookEventManager.insert_new), so deduplication
    holds across processes and when every cache is down. An unparseable body is stored
    IGNORED with the reason.
    """
    fields = {
        "kind": kind,
        "dedupe_key": dedupe_key(kind, parsed),
        "payload": parsed.payload,
        "raw_body": parsed.raw_text,
        "content_type": content_type[:200],
        "state": State.IGNORED if parsed.payload is None else State.RECEIVED,
        "result": parsed.problem,
    }
    new_after = last_reminder_sent_to(parsed) if kind == WebhookEvent.Kind.INCOMING and parsed.payload else None
    return _insert(fields, new_after)


def _insert(fields: dict, new_after: datetime | None = None) -> WebhookEvent | None:
    try:
        with transaction.atomic():
            event_id = WebhookEvent.objects.insert_new(**fields, new_after=new_after)
    except DataError as exc:  # PostgreSQL refused the payload itself: keep the raw body
        fields.update(payload=None, state=State.IGNORED, result=f"payload not storable ({exc.__class__.__name__})")
        with transaction.atomic():
            event_id = WebhookEvent.objects.insert_new(**fields)
    return WebhookEvent.objects.get(id=event_id) if event_id else None


def store_cloud_delivery(parsed: ParsedBody, signed: set[str], content_type: str) -> tuple[list[WebhookEvent], int]:
    """Store each message and status of a signed Cloud API delivery as its own event, deduped
    by Meta's ids (a wamid; a status by wamid and status); the new events, and how many were
    duplicates. One naming a number whose app secret did not sign the delivery is stored
    IGNORED (not ours, counted). A delivery with neither (a template's review, an unreadable
    body) is stored whole, IGNORED with the reason."""
    items = split_delivery(parsed.payload) if parsed.payload is not None else []
    if not items:
        kind = WebhookEvent.Kind.CLOUD_OTHER
        event = _insert({"kind": kind, "dedupe_key": dedupe_key(kind, parsed), "payload": parsed.payload,
                         "raw_body": parsed.raw_text, "content_type": content_type[:200], "state": State.IGNORED,
                         "result": parsed.problem or "no message or status in it"})
        return ([event], 0) if event else ([], 1)
    stored = []
    for item in items:
        ours = item.phone_number_id in signed
        if not ours:
            logger.warning("Cloud API %s names phone-number id %r, not signed by its app secret: ignored", item.kind,
                           item.phone_number_id[:64])
        event = _insert({"kind": item.kind, "dedupe_key": item.dedupe_key, "payload": item.payload, "raw_body": "",
                         "content_type": content_type[:200], "state": State.RECEIVED if ours else State.IGNORED,
                         "result": "" if ours else NOT_OURS_CLOUD})
        if event:
            stored.append(event)
    return stored, len(items) - len(stored)


class EventClaim:
    """This process's short lease on one event; `finish` writes the outcome if still ours."""

    def __init__(self, event: WebhookEvent, token: uuid.UUID) -> None:
        self.event, self.token, self.state = event, token, ""
        self.started = time.monotonic()

    @classmethod
    def take(cls, event: WebhookEvent) -> "EventClaim | None":
        token = uuid.uuid4()
        claimed = WebhookEvent.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=DatabaseNow()),
            id=event.id,
            state__in=[State.RECEIVED, State.FAILED],
        ).update(claim_token=token, claimed_until=DatabaseNow() + timedelta(seconds=CLAIM_SECONDS))
        return cls(event, token) if claimed else None

    def finish(self, state: str, result: str, error: str = "") -> None:
        done = WebhookEvent.objects.filter(id=self.event.id, claim_token=self.token).update(
            state=state,
            result=result[:300],
            error=error[:2000],
            # Waiting for a message we do not know yet is patience, not a failed attempt.
            attempts=F("attempts") + (0 if state == State.RECEIVED else 1),
            processed_at=DatabaseNow() if state != State.FAILED else None,
            claim_token=None,
            claimed_until=None,
        )
        if not done:
            raise ClaimLost(f"event {self.event.id} was claimed by another process")
        self.state = state
        logger.info(
            "webhook event_id=%s kind=%s state=%s duration_ms=%d result=%r",
            self.event.id, self.event.kind, state, (time.monotonic() - self.started) * 1000, result,
        )


def process_event(event: WebhookEvent) -> str:
    """Process a stored event and record its outcome; never raises for bad input or our bugs.

    Returns the event's new state, or "busy" when another process holds it. Errors leave
    the event FAILED with the error, for the sweeper (`process_webhooks`) to retry.
    """
    claim = EventClaim.take(event)
    if claim is None:
        return "busy"
    try:
        try:
            PROCESSORS[event.kind](event.payload or {}, claim)
        except EventOutcome as outcome:
            claim.finish(outcome.state, outcome.result)
        except ClaimLost:
            raise
        except Exception as exc:  # our own bug or a database hiccup: keep the event, retry later
            if isinstance(exc, DatabaseError):  # its text may quote row data, phone numbers and all
                logger.error("webhook processing failed event_id=%s error=%s", event.id, exc.__class__.__name__)
            else:
                logger.exception("webhook processing failed event_id=%s", event.id)
            claim.finish(State.FAILED, "processing failed; will retry", f"{exc.__class__.__name__}: {exc}")
    except ClaimLost:
        logger.warning("webhook event_id=%s was taken over by another process; our changes rolled back", event.id)
        return "busy"
    return claim.state


def from_our_device(payload: dict) -> bool:
    """Does the event name a number that is or ever was ours (FONNTE_DEVICES, the device
    records, retired ones too, the numbers Fonnte named answering our sends)? Anyone who learnt
    the webhook URL could otherwise pose as our device: stop sending, confirm doses, opt
    patients out. With no number known at all, any device is ours (a deploy check warns)."""
    ours = known_numbers()
    if not ours:
        return True
    try:
        return normalise_phone(field(payload, "device")) in ours
    except ValidationError:
        return False


def _require_our_device(payload: dict, claim: EventClaim, sender: str | None = None) -> None:
    """Ignore an event naming a number that was never ours, and say so where operators look
    (it is counted: the health page, /healthz, /metrics). A reply (`sender`) from a patient who
    hears from a number nobody named is ours whatever number it names (`hears_from_an_unnamed_number`)."""
    if from_our_device(payload):
        return
    if sender is not None:
        try:
            if hears_from_an_unnamed_number(normalise_phone(sender)):
                return
        except ValidationError:
            pass
    logger.warning("webhook event_id=%s kind=%s names device %s, which is not one of ours: ignored", claim.event.id,
                   claim.event.kind, mask_phone(field(payload, "device")) or "(none)")
    raise EventOutcome(State.IGNORED, NOT_OURS)


def _incoming(payload: dict, claim: EventClaim) -> None:
    sender = field(payload, "sender")
    _require_our_device(payload, claim, sender)
    if sender.endswith("@g.us") or field(payload, "member"):
        raise EventOutcome(State.IGNORED, "group message")
    try:
        phone = normalise_phone(sender)
    except ValidationError:
        raise EventOutcome(State.IGNORED, "sender is not a phone number") from None
    _take_reply(phone, field(payload, "message") or field(payload, "text"), received_time(payload, claim.event), claim)


def _take_reply(phone: str, text: str, received_at: datetime, claim: EventClaim) -> None:
    """A typed message (or a voice note: no text) from `phone`, through any gateway: danger
    first, then the patient's response limit, then applied under the patient's lock."""
    patient, caregiver = Patient.objects.filter(phone=phone).first(), None
    if patient is not None and (speaks_for := named_caregiver(phone, text, patient)) is not None:
        patient, caregiver = speaks_for.patient, speaks_for
    elif patient is None:  # a caregiver answering for their patient (reminders/conversation/caregivers.py)
        caregiver = whose_reply(phone, text)
        if caregiver is None:
            raise EventOutcome(State.IGNORED, f"unknown sender {mask_phone(phone)}")
        if isinstance(caregiver, Unclear):
            with transaction.atomic():
                urgent = urgent_intent(text, by_caregiver=True)
                if urgent == Intent.EMERGENCY:  # never dropped: every patient this phone cares for is flagged
                    for i, one in enumerate(caregiver.caregivers):
                        handle_emergency(one.patient, text, received_at, claim.event.received_at, one, answer=i == 0)
                elif urgent == Intent.DEATH:  # which patient is not known: nobody is paused, everyone told, asked which
                    for i, one in enumerate(caregiver.caregivers):
                        handle_death(one.patient, text, received_at, claim.event.received_at, one, certain=False,
                                     answer=i == 0)
                    ask_which(caregiver)
                elif classify(text) == Intent.THANKS:  # "terima kasih" asks nothing, of any patient
                    claim.finish(State.PROCESSED, "caregiver of several patients: thanks; nothing to do")
                    return
                else:
                    keep_unclear_reply(caregiver, text, received_at, claim.event.received_at)
                claim.finish(State.PROCESSED, "caregiver of several patients; asked which, kept for volunteers")
            return
        patient = caregiver.patient
    urgent = urgent_intent(text, name_words_of(patient, caregiver), by_caregiver=caregiver is not None)
    if urgent is not None:  # before the rate limit and any lock: never dropped, never delayed
        with transaction.atomic():
            if urgent == Intent.DEATH:
                reply = handle_death(patient, text, received_at, claim.event.received_at, caregiver)
            else:
                reply = handle_emergency(patient, text, received_at, claim.event.received_at, caregiver)
                record_dose_taken(reply)  # "sdh minum obat tp masih sesak"
            claim.finish(State.PROCESSED, f"{urgent}: {reply.outcome}")
        return
    _apply_under_lock(patient, caregiver, text, received_at, claim,
                      lambda: apply_reply(patient, text, received_at, claim.event.received_at, caregiver))


def _take_tap(phone: str, tap: Tap, text: str, received_at: datetime, claim: EventClaim) -> None:
    """A button the sender tapped (a template's quick reply, an interactive reply button): it
    names the dose or question it answers, and is applied to that one only, and only when it is
    the sender's own (or their patient's, for a caregiver)."""
    sender = who_tapped(phone, tap)
    if sender is None:
        logger.warning("webhook event_id=%s: %s tapped a button naming %s %s, not theirs: refused", claim.event.id,
                       mask_phone(phone), tap.kind, tap.target_id)
        raise EventOutcome(State.IGNORED, f"tap names a {tap.kind} that is not the sender's; refused")
    patient, caregiver = sender
    _apply_under_lock(patient, caregiver, text, received_at, claim,
                      lambda: apply_tap(patient, tap, text, received_at, claim.event.received_at, caregiver))


def _apply_under_lock(patient: Patient, caregiver: Caregiver | None, text: str, received_at: datetime,
                      claim: EventClaim, apply: Callable[[], PatientReply]) -> None:
    """The patient's response limit, then `apply` under the patient's lock, in one transaction
    with the event's outcome."""
    # The limit guards against floods of new messages; our own retries of an event are not that.
    if claim.event.attempts == 0 and not check_rate_limit("patient_response", patient.id).allowed:
        with transaction.atomic():
            keep_unapplied_reply(patient, text, "not applied: over the response limit", received_at,
                                 claim.event.received_at, caregiver)
            claim.finish(State.RATE_LIMITED, "patient over the response limit; kept for volunteers")
        return
    try:
        with hold_lock(f"patient:{patient.id}", ttl=CLAIM_SECONDS, wait=settings.PATIENT_LOCK_WAIT_SECONDS) as lease:
            with transaction.atomic():
                assert_lock_held(lease)  # a worker paused past the lease must not apply the reply
                reply = apply()
                claim.finish(State.PROCESSED, f"{reply.intent}: {reply.outcome}")
    except LockNotAcquired:
        raise EventOutcome(State.FAILED, "another reply of this patient is being applied; will retry") from None
    except LockLost:
        raise EventOutcome(State.FAILED, "the patient lock expired while applying the reply; will retry") from None


def _cloud_device(payload: dict) -> Device:
    device = cloud_device_for(field(payload, "phone_number_id"))
    if device is None:  # removed since the delivery was stored
        raise EventOutcome(State.IGNORED, NOT_OURS_CLOUD)
    return device


def _cloud_message(payload: dict, claim: EventClaim) -> None:
    """A message to a Cloud API number: its sender's customer-service window opens, whoever
    they are; then a tap is applied to what it names, anything else read like Fonnte's."""
    device = _cloud_device(payload)
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    try:
        phone = normalise_phone(field(message, "from"))
    except ValidationError:
        raise EventOutcome(State.IGNORED, "sender is not a phone number") from None
    received_at = received_time(message, claim.event)
    note_inbound(device, phone, received_at)
    content = message_content(message)
    if content.ignored:
        raise EventOutcome(State.IGNORED, content.ignored)
    tap = Tap.of(content.payload)
    if tap is not None:
        _take_tap(phone, tap, content.text, received_at, claim)
    else:  # typed; or a button not ours (another tool's template): its label read as if typed
        _take_reply(phone, content.text, received_at, claim)


def _status(payload: dict, claim: EventClaim) -> None:
    _require_our_device(payload, claim)
    provider_id = field(payload, "id")
    if not provider_id:
        raise EventOutcome(State.IGNORED, "status without a message id")
    _record_status(claim, lambda: apply_delivery_status(provider_id, field(payload, "status"), field(payload, "state"),
                                                        device=field(payload, "device")))


def _cloud_status(payload: dict, claim: EventClaim) -> None:
    """A status of a message sent through a Cloud API number: by its wamid, or, when our send's
    answer was lost, by the outbox id it carries back (`biz_opaque_callback_data`)."""
    device = _cloud_device(payload)
    status = payload.get("status") if isinstance(payload.get("status"), dict) else {}
    wamid = field(status, "id")
    if not wamid:
        raise EventOutcome(State.IGNORED, "status without a message id")
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    _record_status(claim, lambda: apply_cloud_status(
        wamid, field(status, "status"), device, outbox_id=message_id_from_callback(
            field(status, "biz_opaque_callback_data")), recipient=field(status, "recipient_id"),
        errors=[error for error in errors if isinstance(error, dict)]))


def _record_status(claim: EventClaim, apply: Callable[[], StatusResult]) -> None:
    with transaction.atomic():
        result = apply()
        if result == StatusResult.UNKNOWN_MESSAGE:
            # It can arrive before our own send result is written: the sweeper retries it.
            claim.finish(State.RECEIVED, "message not known yet; will retry")
        else:
            claim.finish(State.PROCESSED, str(result))


def _device(payload: dict, claim: EventClaim) -> None:
    _require_our_device(payload, claim)
    status = field(payload, "status").lower()
    if status not in ("connect", "disconnect"):
        raise EventOutcome(State.IGNORED, f"unknown device status {status!r}")
    with transaction.atomic():
        changed = record_device_state(
            field(payload, "device") or "default",
            connected=status == "connect",
            changed_at=min(_timestamp(payload) or claim.event.received_at, claim.event.received_at),
            reason=field(payload, "reason")[:200],
        )
        claim.finish(State.PROCESSED, f"device {status}" if changed else "older than the known state")


def _nothing_to_process(payload: dict, claim: EventClaim) -> None:
    raise EventOutcome(State.IGNORED, "no message or status in it")


PROCESSORS: dict[str, Callable[[dict, EventClaim], None]] = {
    WebhookEvent.Kind.INCOMING: _incoming,
    WebhookEvent.Kind.STATUS: _status,
    WebhookEvent.Kind.DEVICE: _device,
    WebhookEvent.Kind.CLOUD_MESSAGE: _cloud_message,
    WebhookEvent.Kind.CLOUD_STATUS: _cloud_status,
    WebhookEvent.Kind.CLOUD_OTHER: _nothing_to_process,
}


def _timestamp(payload: dict) -> datetime | None:
    raw = field(payload, "timestamp")
    try:
        return datetime.fromtimestamp(float(raw), tz=dt_timezone.utc) if raw else None
    except (ValueError, OverflowError, OSError):
        return None


def received_time(payload: dict, event: WebhookEvent) -> datetime:
    """When the patient's message reached us: Fonnte's own time when it gives one (it may have
    held the message while we could not answer), never later than our own arrival time.
    Processed later (a busy lock, the sweeper), a reply is still judged by this."""
    given = _timestamp(payload)
    return min(given, event.received_at) if given else event.received_at


def process_pending_events(*, limit: int = 500) -> Counter:
    """The sweeper: retry RECEIVED and FAILED events that no request is working on.

    Events that failed WEBHOOK_MAX_ATTEMPTS times stay FAILED for a volunteer to look at;
    a status for a message we still do not know after WEBHOOK_STATUS_PATIENCE_MINUTES
    is IGNORED.
    """
    patience = DatabaseNow() - timedelta(minutes=settings.WEBHOOK_STATUS_PATIENCE_MINUTES)
    counts: Counter = Counter()
    counts["gave_up"] = WebhookEvent.objects.filter(
        kind__in=[WebhookEvent.Kind.STATUS, WebhookEvent.Kind.CLOUD_STATUS], state=State.RECEIVED,
        received_at__lt=patience, claim_token__isnull=True
    ).update(state=State.IGNORED, result="no message with this id appeared; gave up")
    pending = (
        WebhookEvent.objects.filter(state__in=[State.RECEIVED, State.FAILED], attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=DatabaseNow()))
        .order_by("received_at")[:limit]
    )
    for event in pending:
        counts[process_event(event)] += 1
    return counts
