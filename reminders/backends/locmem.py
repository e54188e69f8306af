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


class LocmemBackend(BaseWhatsAppBackend):
    def send(self, phone: str, body: str) -> SentMessage:
        provider_id = f"locmem-{next(_ids)}"
        outbox.append(OutboxEntry(phone=phone, body=body, provider_message_id=provider_id))
        return SentMessage(provider_message_id=provider_id)
