import sys
import uuid

from reminders.backends.base import BaseWhatsAppBackend, SentMessage
from reminders.phones import mask_phone


class ConsoleBackend(BaseWhatsAppBackend):
    """Prints each message instead of sending it: the default for development."""

    stand_in = "prints each message to the console"

    def send(self, phone: str, body: str, sender=None, content: dict | None = None) -> SentMessage:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        via = f" via {mask_phone(sender.number)}" if sender and sender.number else ""
        as_template = f" as template {content['template']['name']}" if content and "template" in content else ""
        sys.stdout.write(f"[WhatsApp to {mask_phone(phone)}{via}{as_template}] {body}\n")
        sys.stdout.flush()
        return SentMessage(provider_message_id=provider_id, detail="printed to the console")
