"""What the gateways tell us after a send: delivery states of messages (Fonnte's here, the
Cloud API's in `cloud_statuses`, both moved forward by `move_message`), and the device's connection."""
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.db.models.functions import Coalesce

from prima.clock import DatabaseNow
from reminders.backends import Scope
from reminders.backends.base import DeviceQuota
from reminders.models import DeviceState, Message, Reminder, SendingPause
from reminders.outbox.devices import is_phone_number, sender_scope_for_number
from reminders.outbox.notifications import settle_alerts
from reminders.outbox.pauses import lift_pause, pause_sending
from reminders.phones import normalise_device

# Deliveries move forward only: READ never returns to DELIVERED or SENT.
RANK = {Message.Status.SENDING: 0, Message.Status.SENT: 1, Message.Status.DELIVERED: 2, Message.Status.READ: 3}
WHATSAPP_STATES = {"sent": Message.Status.SENT, "delivered": Message.Status.DELIVERED, "read": Message.Status.READ}
# Fonnte's statuses that end a message, with what each means to a volunteer reading end_reason.
FAILURE_STATUSES = {
    "invalid": "bad target or parameter",
    "failed": "content Fonnte cannot process",
    "expired": "the device stayed disconnected for 7 days",
    "url unreachable": "the attachment's address could not be reached",
}


class StatusResult(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # in flight, or older than what we know
    UNKNOWN_MESSAGE = "unknown message"  # our send result may not be written yet


def target_status(status: str, state: str) -> str | None:
    """Map Fonnte's `status` (its processing) and `state` (WhatsApp's delivery) onto ours."""
    status, state = status.strip().lower(), state.strip().lower()
    if state in WHATSAPP_STATES:
        return WHATSAPP_STATES[state]
    if status in FAILURE_STATUSES:
        return Message.Status.FAILED
    if status == "sent":
        return Message.Status.SENT
    return None


def apply_delivery_status(provider_message_id: str, status: str, state: str, device: str = "") -> StatusResult:
    """Move the message forward to what Fonnte says (`move_message`): the message with that id
    sent through the device the status names (ids are Fonnte's, per device)."""
    target = target_status(status, state)
    candidates = Message.objects.filter(provider_message_id=provider_message_id).only("id", "kind", "reminder_id")
    number = normalise_device(device) if device else ""
    through_device = candidates.filter(device__number=number).first() if is_phone_number(number) else None
    message = through_device or candidates.first()
    if message is None:
        return StatusResult.UNKNOWN_MESSAGE
    if target is None:
        return StatusResult.UNCHANGED
    word = status.strip().lower()
    reason = f"Fonnte status: {word} ({FAILURE_STATUSES[word]})" if target == Message.Status.FAILED else ""
    return move_message(message, target, reason)


def move_message(message: Message, target: str, end_reason: str = "") -> StatusResult:
    """Move the message forward to `target` (whichever gateway said so): DELIVERED and READ
    only from an earlier state, FAILED (with `end_reason`) only from SENDING or SENT. A reminder
    the gateway could not deliver after all was never received: its dose is not sent, and
    closes as missed ("not delivered"), so a volunteer sees it and can send it again; an urgent
    alert to staff it could not deliver is a failed notification, passed on like one."""
    if target == Message.Status.FAILED:
        earlier = [Message.Status.SENDING, Message.Status.SENT]
        fields = {"end_reason": end_reason}
    else:
        earlier = [s for s, rank in RANK.items() if rank < RANK[target]]
        fields = {}
        if target in (Message.Status.DELIVERED, Message.Status.READ):
            fields["delivered_at"] = Coalesce("delivered_at", DatabaseNow())
        if target == Message.Status.READ:
            fields["read_at"] = Coalesce("read_at", DatabaseNow())
    updated = Message.objects.filter(id=message.id, status__in=earlier).update(
        status=target, updated_at=DatabaseNow(), **fields
    )
    if updated and target == Message.Status.FAILED and message.kind == Message.Kind.REMINDER and message.reminder_id:
        dose = Reminder.objects.filter(id=message.reminder_id).open()
        dose.update(sent_at=None, reply_deadline=None)
        dose.close(Reminder.Confirmation.MISSED, f"not delivered: {end_reason}")
    if updated and target == Message.Status.FAILED and message.kind in Message.STAFF_KINDS:
        settle_alerts([message.id])
    return StatusResult.APPLIED if updated else StatusResult.UNCHANGED


def record_device_state(device: str, connected: bool, changed_at: datetime, reason: str = "") -> bool:
    """Store the device's state unless we already know a newer one; True when it changed.

    A disconnect pauses sending (messages wait, spending no attempts); a connect lifts that
    pause, and the messages it held back become due at once.
    """
    with transaction.atomic():
        state, created = DeviceState.objects.select_for_update().get_or_create(
            device=normalise_device(device),
            defaults={"connected": connected, "changed_at": changed_at, "reason": reason},
        )
        if not created and state.changed_at is not None and state.changed_at > changed_at:
            return False
        state.connected, state.changed_at, state.reason = connected, changed_at, reason
        if connected:
            state.last_connect_at = changed_at
        else:
            state.last_disconnect_at = changed_at
        state.save()
        scope = sender_scope_for_number(state.device)
        if scope is None:
            return True  # a number we were told is ours (FONNTE_DEVICES) but send through no device
        if not connected:
            why = f"device {device} disconnected" + (f": {reason}" if reason else "")
            pause_sending(Scope.DEVICE, why, scope=scope)
        else:
            lift_pause(f"device {device} connected", scope=scope, kind=SendingPause.Kind.DEVICE)
    return True


def reset_device_state(state: DeviceState, who: str) -> None:
    """A coordinator's "it is connected": whatever the newest state said (a forged or stale
    disconnect included), the device counts as connected now and its pause is lifted."""
    DeviceState.objects.filter(id=state.id).update(
        connected=True, changed_at=DatabaseNow(), last_connect_at=DatabaseNow(), reason=f"reset by {who}"
    )
    scope = sender_scope_for_number(state.device)
    if scope is not None:
        lift_pause(f"device {state.device} reset by {who}", scope=scope, kind=SendingPause.Kind.DEVICE)


def record_quotas(quotas: Iterable[DeviceQuota]) -> None:
    """Keep each device's remaining quota from a /send answer: one statement per device, in its
    own short transaction (every send writes it; a long-held row lock would queue the workers)."""
    DeviceState.objects.bulk_create(
        [DeviceState(device=quota.device, quota_remaining=quota.remaining, quota_seen_at=DatabaseNow())
         for quota in quotas],
        update_conflicts=True, unique_fields=["device"], update_fields=["quota_remaining", "quota_seen_at"],
    )
