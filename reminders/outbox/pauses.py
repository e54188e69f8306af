"""Pausing a sender when it is refused itself, and resuming when it is not.

A disconnected device, or Fonnte refusing its token, the account or the quota, would refuse
every message alike: retrying each one would burn every due message's attempts in one drain
and fail them for good. Instead that sender pauses (one row per scope, a device's number),
its messages wait without spending attempts (`Message.held_by_pause`), the health page and
/healthz say why, and every SENDING_PAUSE_PROBE_SECONDS one send is tried (a probe): its
success lifts the pause. Other devices keep sending. A refused token pauses only that token,
so a fixed one sends again at the next tick; a lost `connect` webhook costs one probe
interval at most.
"""
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from prima.clock import DatabaseNow
from reminders.backends import Scope
from reminders.outbox.devices import default_sender, device_token, is_phone_number
from reminders.models import Device, Message, SendingPause

logger = logging.getLogger(__name__)

KIND_OF_SCOPE = {Scope.DEVICE: SendingPause.Kind.DEVICE, Scope.ACCOUNT: SendingPause.Kind.ACCOUNT}


def token_fingerprint(token: str) -> str:
    """Which token an account refusal was about, without storing the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""


def _tokens_now(scopes: set[str]) -> dict[str, str]:
    """The token each scope sends with now: its device's, or FONNTE_TOKEN's for the default."""
    tokens = {scope: settings.FONNTE_TOKEN for scope in scopes}
    tokens[default_sender().scope] = settings.FONNTE_TOKEN
    for device in Device.objects.filter(number__in=[scope for scope in scopes if is_phone_number(scope)]):
        tokens[device.number] = device_token(device)
    return tokens


def pauses_in_force(scopes: set[str] | None = None) -> dict[str, SendingPause]:
    """The pauses that hold now, by scope (all scopes when None): a device pause, or an account
    pause for the token the scope still has."""
    pauses = SendingPause.objects.annotate(db_now=DatabaseNow())
    if scopes is not None:
        pauses = pauses.filter(scope__in=scopes)
    found = list(pauses)
    tokens = _tokens_now({pause.scope for pause in found})
    return {
        pause.scope: pause for pause in found
        if pause.kind == SendingPause.Kind.DEVICE or pause.token_fingerprint == token_fingerprint(tokens[pause.scope])
    }


def take_probe(pause: SendingPause) -> bool:
    """Whether this process may try one send now: true for one caller per probe interval."""
    return bool(
        SendingPause.objects.filter(id=pause.id, probe_at__lte=DatabaseNow()).update(
            probe_at=DatabaseNow() + timedelta(seconds=settings.SENDING_PAUSE_PROBE_SECONDS)
        )
    )


def pause_sending(scope_of_refusal: Scope, reason: str, *, scope: str, token: str = "") -> SendingPause:
    """Pause `scope` (or keep it paused, with the newest reason) until the next probe. A pause
    in force keeps its probe time: a failed probe has moved it already, and a stream of
    disconnects (forged with a leaked webhook secret) cannot put the probe off for ever."""
    kind = KIND_OF_SCOPE[scope_of_refusal]
    with transaction.atomic():
        pause, created = SendingPause.objects.select_for_update().get_or_create(
            scope=scope,
            defaults={"kind": kind, "reason": reason[:300], "since": DatabaseNow(), "probe_at": DatabaseNow()},
        )
        if created or pause.kind != kind or pause.reason != reason[:300]:
            logger.error("sending paused scope=%s kind=%s reason=%r", scope, kind, reason)
        SendingPause.objects.filter(id=pause.id).update(
            kind=kind,
            reason=reason[:300],
            token_fingerprint=token_fingerprint(token) if kind == SendingPause.Kind.ACCOUNT else "",
            **({"probe_at": DatabaseNow() + timedelta(seconds=settings.SENDING_PAUSE_PROBE_SECONDS)}
               if created else {}),
        )
    return SendingPause.objects.annotate(db_now=DatabaseNow()).get(id=pause.id)


def lift_pause(why: str, *, scope: str, kind: str | None = None) -> bool:
    """End a scope's pause (a send went through, the device reconnected), and make the messages
    it held back due at once; True if there was one."""
    pauses = SendingPause.objects.filter(scope=scope)
    if kind:
        pauses = pauses.filter(kind=kind)
    held = Message.objects.filter(status=Message.Status.QUEUED, held_by_pause=True)
    device = Device.objects.filter(number=scope).first() if is_phone_number(scope) else None
    # No device of that number: the default sender's, or a scope now gone (its messages are the default's).
    held = held.going_through(device.id) if device else held.going_through(None)
    if device and scope == default_sender().scope:
        held = held | Message.objects.filter(status=Message.Status.QUEUED, held_by_pause=True).going_through(None)
    with transaction.atomic():
        lifted, _per_model = pauses.delete()
        if lifted:
            held.update(send_after=DatabaseNow(), held_by_pause=False, last_error="", updated_at=DatabaseNow())
    if lifted:
        logger.warning("sending resumed scope=%s: %s", scope, why)
    return bool(lifted)


def lift_stale_pauses() -> int:
    """The tick's check: an account pause for a token its scope no longer uses (FONNTE_TOKEN or
    the device's token was fixed) is over, and so is a pause of a sender that is gone (a device
    deleted, FONNTE_DEVICES changed); the messages they held back are due now."""
    stale = list(SendingPause.objects.all())
    senders_now = {default_sender().scope} | set(Device.objects.values_list("number", flat=True))
    tokens = _tokens_now({pause.scope for pause in stale})
    lifted = 0
    for pause in stale:
        if pause.scope not in senders_now:
            lifted += lift_pause("its sender is gone", scope=pause.scope)
        elif pause.kind == SendingPause.Kind.ACCOUNT and pause.token_fingerprint != token_fingerprint(
            tokens[pause.scope]
        ):
            lifted += lift_pause("its token changed", scope=pause.scope, kind=SendingPause.Kind.ACCOUNT)
    return lifted
