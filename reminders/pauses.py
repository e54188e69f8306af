"""Pausing sending when the sender itself is refused, and resuming when it is not.

A disconnected device, or Fonnte refusing the token, the account or its quota, would refuse
every message alike: retrying each one would burn every due message's attempts in one drain
and fail them for good. Instead sending pauses, due messages wait without spending attempts,
the health page and /healthz say why, and every SENDING_PAUSE_PROBE_SECONDS one send is tried
(a probe): its success lifts the pause. A refused token pauses only that token, so a fixed
FONNTE_TOKEN sends again at once; a lost `connect` webhook costs one probe interval at most.
"""
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from prima.clock import DatabaseNow
from reminders.backends import Scope
from reminders.models import Message, SendingPause

logger = logging.getLogger(__name__)

# One sender today; issue 18's device pool gives each device its own scope.
SENDER = "fonnte"

KIND_OF_SCOPE = {Scope.DEVICE: SendingPause.Kind.DEVICE, Scope.ACCOUNT: SendingPause.Kind.ACCOUNT}


def token_fingerprint() -> str:
    """Which token an account refusal was about, without storing the token."""
    token = settings.FONNTE_TOKEN
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""


def _in_force() -> Q:
    """Pauses that hold for this process: device pauses, and account pauses of our token."""
    return Q(kind=SendingPause.Kind.DEVICE) | Q(kind=SendingPause.Kind.ACCOUNT, token_fingerprint=token_fingerprint())


def current_pause(scope: str = SENDER) -> SendingPause | None:
    return SendingPause.objects.filter(_in_force(), scope=scope).annotate(db_now=DatabaseNow()).first()


def take_probe(pause: SendingPause) -> bool:
    """Whether this process may try one send now: true for one caller per probe interval."""
    return bool(
        SendingPause.objects.filter(id=pause.id, probe_at__lte=DatabaseNow()).update(
            probe_at=DatabaseNow() + timedelta(seconds=settings.SENDING_PAUSE_PROBE_SECONDS)
        )
    )


def pause_sending(scope_of_refusal: Scope, reason: str, scope: str = SENDER) -> SendingPause:
    """Pause (or keep paused, with the newest reason) until the next probe."""
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
            token_fingerprint=token_fingerprint() if kind == SendingPause.Kind.ACCOUNT else "",
            probe_at=DatabaseNow() + timedelta(seconds=settings.SENDING_PAUSE_PROBE_SECONDS),
        )
    pause.refresh_from_db()
    return pause


def lift_pause(why: str, scope: str = SENDER, kind: str | None = None) -> bool:
    """End the pause (a send went through, or the device reconnected), and make the messages
    it held back due at once; True if there was one."""
    pauses = SendingPause.objects.filter(scope=scope)
    if kind:
        pauses = pauses.filter(kind=kind)
    with transaction.atomic():
        lifted, _per_model = pauses.delete()
        if lifted:
            Message.objects.filter(status=Message.Status.QUEUED, held_by_pause=True).update(
                send_after=DatabaseNow(), held_by_pause=False, last_error="", updated_at=DatabaseNow()
            )
    if lifted:
        logger.warning("sending resumed scope=%s: %s", scope, why)
    return bool(lifted)


def lift_pauses_of_other_tokens(scope: str = SENDER) -> int:
    """The tick's check: an account pause for a token we no longer use (FONNTE_TOKEN was
    fixed) is over, and the messages it held back are due now."""
    stale = SendingPause.objects.filter(scope=scope, kind=SendingPause.Kind.ACCOUNT).exclude(
        token_fingerprint=token_fingerprint()
    )
    return int(stale.exists() and lift_pause("FONNTE_TOKEN changed", scope=scope, kind=SendingPause.Kind.ACCOUNT))
