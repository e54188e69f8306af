import sys
import uuid

from reminders.backends.base import BaseWhatsAppBackend, SentMessage
from reminders.phones import mask_phone


class ConsoleBackend(BaseWhatsAppBackend):
    """Prints each message instead of sending it: the default for development."""

    def send(self, phone: str, body: str) -> SentMessage:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"[WhatsApp to {mask_phone(phone)}] {body}\n")
        sys.stdout.flush()
        return SentMessage(provider_message_id=provider_id, detail="printed to the console")
