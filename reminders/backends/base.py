from dataclasses import dataclass


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


class WhatsAppError(Exception):
    """A send that did not go through. `transient` errors are retried with backoff;
    permanent ones (invalid number, bad token) fail the message at once."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class BaseWhatsAppBackend:
    def send(self, phone: str, body: str) -> SentMessage:
        """Send `body` to `phone` (E.164) or raise WhatsAppError."""
        raise NotImplementedError
