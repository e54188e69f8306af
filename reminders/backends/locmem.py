import itertools
from dataclasses import dataclass

from reminders.backends.base import BaseWhatsAppBackend, SentMessage

# Every message "sent" in this process, for tests: reminders.backends.locmem.outbox.
outbox: list["OutboxEntry"] = []
_ids = itertools.count(1)


@dataclass(frozen=True)
class OutboxEntry:
    phone: str
    body: str
    provider_message_id: str
    device: str = ""  # the number it went out from ("" for the default sender)
    content: dict | None = None  # what a Cloud API device would have posted (text, template, buttons)


class LocmemBackend(BaseWhatsAppBackend):
    """Keeps each message in `outbox` instead of sending it: for tests."""

    stand_in = "keeps each message in memory"

    def send(self, phone: str, body: str, sender=None, content: dict | None = None) -> SentMessage:
        provider_id = f"locmem-{next(_ids)}"
        outbox.append(OutboxEntry(phone=phone, body=body, provider_message_id=provider_id,
                                  device=sender.number if sender else "", content=content))
        return SentMessage(provider_message_id=provider_id)
