"""What Meta's WhatsApp Cloud API tells us after a send (docs/webhooks.md#cloud-api-statuses):
statuses moved forward like Fonnte's (`provider_events.move_message`), a send whose answer
was lost recognised by the outbox id it carries back, and failures by Meta's error codes.

Every send carries `biz_opaque_callback_data = "outbox:<Message.id>"` (reminders/outbox/cloud_api.py),
and Meta echoes it in each status. A status naming a wamid we never recorded, but an outbox
message that was tried and is waiting to be tried again (a timeout, a worker that died), means
Meta accepted that send: it is recorded SENT with the wamid, never sent again.
"""
import logging

from django.core.exceptions import ValidationError

from reminders.models import Device, Message
from reminders.outbox.cloud_api import requeue_as_template
from reminders.outbox.provider_events import StatusResult, move_message
from reminders.outbox.sending import record_sent_after_all
from reminders.phones import normalise_phone

logger = logging.getLogger(__name__)

CLOUD_STATES = {"sent": Message.Status.SENT, "delivered": Message.Status.DELIVERED, "read": Message.Status.READ,
                "played": Message.Status.READ}
WINDOW_CLOSED_CODE = 131047
# What Meta's codes mean to a volunteer reading `end_reason` (the title Meta gives otherwise).
ERROR_MEANINGS = {
    131026: "undeliverable: the number is not on WhatsApp, its app is too old, or Meta's terms are not accepted",
    131049: "not delivered: Meta limits how many business messages one person gets",
    131051: "unsupported message type",
    132000: "the template's values do not match its placeholders",
    132001: "the template does not exist or is not approved in this language",
}


def failure_reason(errors: list[dict]) -> tuple[int | None, str]:
    """Meta's first error: its code, and the words kept in `end_reason`."""
    error = errors[0] if errors else {}
    try:
        code = int(error.get("code"))
    except (TypeError, ValueError):
        code = None
    details = error.get("error_data", {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
    meaning = ERROR_MEANINGS.get(code) or str(error.get("title") or error.get("message") or "no reason given")
    return code, f"Cloud API error {code or '?'}: {meaning}" + (f" ({str(details)[:200]})" if details else "")


def _lost_send(outbox_id: int | None, wamid: str, device: Device, recipient: str) -> Message | None:
    """The outbox message the status names by its id, recorded SENT with the wamid when its
    send's answer was lost; only a message sent through this device to this recipient, so a
    status about another deployment's "outbox:<id>" (the same Meta number) changes nothing."""
    if outbox_id is None:
        return None
    message = Message.objects.filter(id=outbox_id, device=device).select_related("patient", "caregiver").first()
    try:
        same_recipient = message is not None and normalise_phone(recipient) == message.sending_phone
    except ValidationError:
        same_recipient = False
    if not same_recipient:
        return None
    if record_sent_after_all(message, wamid):
        return message
    # Recorded with another wamid (sent twice), never tried, or ended (FAILED after its attempts).
    logger.warning("Cloud API status for outbox:%s (%s), a message not waiting for its send's answer: left as it is",
                   outbox_id, message.status)
    return None


def apply_cloud_status(wamid: str, status: str, device: Device, outbox_id: int | None = None, recipient: str = "",
                       errors: list[dict] | None = None) -> StatusResult:
    """Move the message with that wamid forward (or the one its outbox id names, its send's answer
    lost): sent, delivered, read (a voice note's "played" too; read may come without delivered);
    failed with Meta's reason, except a closed customer-service window (131047): the message goes
    again as its kind's approved template, or waits for one (`cloud_api.requeue_as_template`).
    In the caller's transaction."""
    message = (Message.objects.filter(provider_message_id=wamid).only("id", "kind", "reminder_id").first()
               or _lost_send(outbox_id, wamid, device, recipient))
    if message is None:
        return StatusResult.UNKNOWN_MESSAGE
    word = status.strip().lower()
    if word == "failed":
        code, reason = failure_reason(errors or [])
        if code == WINDOW_CLOSED_CODE:
            return StatusResult.APPLIED if requeue_as_template(message.id, reason) else StatusResult.UNCHANGED
        return move_message(message, Message.Status.FAILED, reason)
    target = CLOUD_STATES.get(word)
    return move_message(message, target) if target else StatusResult.UNCHANGED
