"""What PRIMA and Meta's WhatsApp Cloud API agree on (docs/gateways.md): the payload a tapped
button carries back, the outbox id every send carries (`biz_opaque_callback_data`), and the
24-hour customer-service window outside which only an approved template may go out.

A payload is "<answer>:<kind>:<id>": "taken:reminder:8812" (this dose was taken), "yes:consent:31"
(patient 31 agrees). It names exactly what it answers, so a tap is applied to that dose and no
other; the webhook parses it with `parse_button_payload`."""
import datetime

from django.db import connection

from prima.clock import DatabaseNow
from reminders.models import CustomerServiceWindow, Device

# The answers a button may carry, by what they answer.
ANSWERS = {
    "reminder": {"taken", "later", "attend", "late", "cancel"},
    "consent": {"yes", "no"},
}
# Meta's window is 24 hours; we stop sending free text a little before it closes, so a message
# queued in its last minutes does not reach Meta after it closed.
WINDOW = datetime.timedelta(hours=24)
WINDOW_MARGIN = datetime.timedelta(minutes=10)
CALLBACK_PREFIX = "outbox:"


def button_payload(answer: str, kind: str, target_id: int) -> str:
    """The payload of a button that gives `answer` to the `kind` (reminder, consent) `target_id`."""
    if answer not in ANSWERS.get(kind, ()):
        raise ValueError(f"{answer!r} does not answer a {kind!r}")
    return f"{answer}:{kind}:{target_id}"


def parse_button_payload(payload: str) -> tuple[str, str, int] | None:
    """(answer, kind, id) of a payload we made; None for anything else (a forged or old one)."""
    parts = str(payload).strip().split(":")
    if len(parts) != 3 or not parts[2].isascii() or not parts[2].isdigit():
        return None
    answer, kind, target = parts
    if answer not in ANSWERS.get(kind, ()):
        return None
    return answer, kind, int(target)


def callback_data(message_id: int) -> str:
    """What every send carries in `biz_opaque_callback_data`: Meta echoes it in the statuses, so
    a send whose answer was lost is still recognised as ours."""
    return f"{CALLBACK_PREFIX}{message_id}"


def message_id_from_callback(data: str) -> int | None:
    """The outbox id a status's `biz_opaque_callback_data` names; None when it names none."""
    data = str(data or "")
    if not data.startswith(CALLBACK_PREFIX) or not data[len(CALLBACK_PREFIX):].isdigit():
        return None
    return int(data[len(CALLBACK_PREFIX):])


def note_inbound(device: Device, phone: str, at: datetime.datetime) -> None:
    """`phone` wrote to `device` at `at` (Meta's time): its window runs 24 hours from the latest
    such message. Called by the webhook for every inbound message, whoever sent it; a late
    redelivery of an older message never moves the window back."""
    table = CustomerServiceWindow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (device_id, phone, last_inbound_at) VALUES (%s, %s, %s)
                ON CONFLICT (device_id, phone)
                DO UPDATE SET last_inbound_at = greatest({table}.last_inbound_at, EXCLUDED.last_inbound_at)""",
            [device.id, phone, at],
        )


def window_open(phone: str, device: Device | int) -> bool:
    """Whether free text may go to `phone` through `device` now: it wrote to that device in the
    last 24 hours (less a margin), by the database's clock."""
    device_id = device.id if isinstance(device, Device) else device
    return CustomerServiceWindow.objects.filter(
        device_id=device_id, phone=phone, last_inbound_at__gt=DatabaseNow() - (WINDOW - WINDOW_MARGIN),
    ).exists()
