from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class DeviceQuota:
    """How many messages a sending device may still send, as the provider reported it."""

    device: str  # E.164 where it parses, so every spelling of one number is one device
    remaining: int


@dataclass(frozen=True)
class SentMessage:
    """What the provider said when it accepted a message."""

    provider_message_id: str
    detail: str = ""
    quotas: tuple[DeviceQuota, ...] = ()


class Scope(StrEnum):
    """What a refusal is about. A MESSAGE error is this message's (retried when `transient`,
    else it fails); a DEVICE or ACCOUNT refusal would refuse every message alike, so it pauses
    sending instead, and no message spends an attempt on it. The Cloud API adds two that hold
    the message without spending an attempt either: WINDOW (free text outside the patient's
    24-hour window: it goes again as a template) and TEMPLATE (Meta refused the template: it
    waits for a coordinator to fix it)."""

    MESSAGE = "message"
    DEVICE = "device"
    ACCOUNT = "account"
    WINDOW = "window"
    TEMPLATE = "template"


class WhatsAppError(Exception):
    """A send that did not go through. `transient` errors are retried with backoff;
    permanent ones (invalid number) fail the message at once; `scope` says whether the
    refusal concerns this message or the whole sender."""

    def __init__(self, reason: str, *, transient: bool, scope: Scope = Scope.MESSAGE) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.scope = scope

    @property
    def pauses_sender(self) -> bool:
        """Whether it refuses every message of the sender alike (token, account, device)."""
        return self.scope in (Scope.DEVICE, Scope.ACCOUNT)


class BaseWhatsAppBackend:
    # What a backend that reaches nobody does instead of sending ("prints each message to the
    # console"); empty for a real gateway. With DEBUG off such a stand-in is refused unless
    # ALLOW_DEMO_BACKENDS is on (reminders/outbox/readiness.py): production never pretends.
    stand_in: str = ""

    def send(self, phone: str, body: str, sender=None) -> SentMessage:
        """Send `body` to `phone` (E.164) as `sender` (a reminders.outbox.devices.Sender: its token and
        number; None for the default), or raise WhatsAppError. Called from several threads at
        once (SEND_CONCURRENCY), so a backend must be safe for that. A send through a Cloud API
        device also passes `content=`: the message object the outbox chose for it (text,
        template, buttons: reminders/outbox/cloud_api.py); a stand-in that catches every send
        accepts it."""
        raise NotImplementedError
