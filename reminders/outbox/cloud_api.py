"""What PRIMA and Meta's WhatsApp Cloud API agree on (docs/gateways.md): the payload a tapped
button carries back, the outbox id every send carries (`biz_opaque_callback_data`), the
24-hour customer-service window outside which only an approved template may go out, and what
each message goes out as (`cloud_content`): free text or reply buttons inside the window, its
purpose's approved template outside it, or held with the reason when there is none.

A payload is "<answer>:<kind>:<id>": "taken:reminder:8812" (this dose was taken), "yes:consent:31"
(patient 31 agrees). It names exactly what it answers, so a tap is applied to that dose and no
other; the webhook parses it with `parse_button_payload`."""
import datetime
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q

from prima.clock import DatabaseNow
from reminders.models import CustomerServiceWindow, Device, Message, MessageTemplate, Reminder, ReminderSchedule

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
    wake_held_for_template(device.id, phone)
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
    return bool(open_windows({(phone, device.id if isinstance(device, Device) else device)}))


def open_windows(pairs: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The (phone, device id) pairs among these whose window is open now: one query for a chunk."""
    if not pairs:
        return set()
    which = Q()
    for phone, device_id in pairs:
        which |= Q(phone=phone, device_id=device_id)
    return set(CustomerServiceWindow.objects.filter(
        which, last_inbound_at__gt=DatabaseNow() - (WINDOW - WINDOW_MARGIN)).values_list("phone", "device_id"))


# Why a message to a Cloud API device waits (`Message.last_error`), read by the health page and
# Hari ini. Held like a pause holds: no attempt is spent, and the message is looked at again.
NO_TEMPLATE = "waiting for an approved WhatsApp template"
TEMPLATE_REFUSED = "WhatsApp refused the template"
WINDOW_CLOSED = "the customer-service window was closed"
TEMPLATE_HOLD_SECONDS = 900.0

# The purpose of each kind of message (a reminder's: its schedule's kind). A REPLY usually
# answers a message the patient just sent, inside the window, as text; but the patient may have
# written to the old number they were moved from (still ours, still heard), or the answer may
# have waited out a pause: outside the window it goes as the plain NOTICE template ("{{1}}" =
# the whole text), never held for a purpose nobody can register. The emergency safety answer
# is such a REPLY.
PURPOSE_OF_KIND = {
    Message.Kind.REPLY: MessageTemplate.Purpose.NOTICE,
    Message.Kind.ASSIGNMENT: MessageTemplate.Purpose.STAFF_ALERT,
    Message.Kind.FOLLOW_UP: MessageTemplate.Purpose.FOLLOW_UP,
    Message.Kind.VERIFICATION: MessageTemplate.Purpose.VERIFICATION,
    Message.Kind.NOTICE: MessageTemplate.Purpose.NOTICE,
    Message.Kind.CHECK_IN: MessageTemplate.Purpose.CHECK_IN,
    Message.Kind.ESCALATION: MessageTemplate.Purpose.STAFF_ALERT,
    Message.Kind.STAFF_ALERT: MessageTemplate.Purpose.STAFF_ALERT,
}
PURPOSE_OF_SCHEDULE = {
    ReminderSchedule.Kind.MEDICATION: MessageTemplate.Purpose.MEDICATION,
    ReminderSchedule.Kind.APPOINTMENT: MessageTemplate.Purpose.APPOINTMENT,
    ReminderSchedule.Kind.OTHER: MessageTemplate.Purpose.OTHER,
}
# What each answer a template's button may give (MessageTemplate.buttons) puts in its payload.
BUTTON_ANSWERS = {
    "TAKEN": ("taken", "reminder"), "NOT_YET": ("later", "reminder"),
    "ATTENDING": ("attend", "reminder"), "LATE": ("late", "reminder"), "CANCEL": ("cancel", "reminder"),
    "YES": ("yes", "consent"), "NO": ("no", "consent"),
}
# Reply buttons inside the window (titles ≤ 20 characters), by purpose.
REPLY_BUTTONS = {
    MessageTemplate.Purpose.MEDICATION: [("TAKEN", "Sudah diminum"), ("NOT_YET", "Belum")],
    MessageTemplate.Purpose.APPOINTMENT: [("ATTENDING", "Hadir"), ("LATE", "Terlambat"), ("CANCEL", "Batal")],
    MessageTemplate.Purpose.VERIFICATION: [("YES", "Ya"), ("NO", "Tidak")],
}
INTERACTIVE_BODY_LIMIT = 1024
# What a template's {{n}} may take (MessageTemplate.parameters).
TEMPLATE_VALUES = ("nama", "pasien", "waktu", "pesan")


def purpose_of(message: Message) -> str | None:
    if message.kind == Message.Kind.REMINDER and message.reminder_id:
        return PURPOSE_OF_SCHEDULE.get(message.reminder.schedule.kind)
    return PURPOSE_OF_KIND.get(message.kind)


def approved_templates(device_ids: set[int]) -> dict[tuple[int, str], MessageTemplate]:
    """The approved template of each (device, purpose): the newest when several are."""
    found: dict[tuple[int, str], MessageTemplate] = {}
    for template in MessageTemplate.objects.filter(device_id__in=device_ids, status=MessageTemplate.Status.APPROVED
                                                   ).order_by("-updated_at", "-id"):
        found.setdefault((template.device_id, template.purpose), template)
    return found


def template_values(message: Message) -> dict[str, str]:
    """PRIMA's value for each name a template's {{n}} may take. Meta refuses a parameter with a
    line break, a tab or four spaces in a row: each run of white space becomes one space."""
    patient = message.patient
    recipient = message.caregiver if message.caregiver_id else patient
    due = message.reminder.due_at.astimezone(patient.zone) if message.reminder_id else None
    values = {"nama": recipient.name if message.kind not in Message.STAFF_KINDS else patient.name,
              "pasien": patient.name, "waktu": f"{due:%H:%M}" if due else "", "pesan": message.body}
    return {name: re.sub(r"\s+", " ", value).strip() or "-" for name, value in values.items()}


def _answers(message: Message, answer_names: list[str]) -> list[str]:
    """The payload of each button, naming the dose or the consent question it answers."""
    payloads = []
    for name in answer_names:
        answer, kind = BUTTON_ANSWERS[name]
        payloads.append(button_payload(answer, kind, message.reminder_id if kind == "reminder" else message.patient_id))
    return payloads


def _buttons_fit(message: Message, answer_names: list[str]) -> bool:
    """Whether the buttons name something this message asks: a dose for a reminder's, the
    patient's consent for the consent question's."""
    kinds = {BUTTON_ANSWERS[name][1] for name in answer_names}
    if "reminder" in kinds and not (message.kind == Message.Kind.REMINDER and message.reminder_id):
        return False
    return "consent" not in kinds or message.kind == Message.Kind.VERIFICATION


def _as_template(message: Message, template: MessageTemplate) -> dict:
    values = template_values(message)
    components = [{"type": "body", "parameters": [{"type": "text", "text": values[name]}
                                                   for name in template.parameters]}] if template.parameters else []
    for index, payload in enumerate(_answers(message, template.buttons)):
        components.append({"type": "button", "sub_type": "quick_reply", "index": str(index),
                           "parameters": [{"type": "payload", "payload": payload}]})
    return {"type": "template", "template": {"name": template.name, "language": {"code": template.language},
                                             "components": components}}


def _as_text(message: Message, purpose: str | None) -> dict:
    buttons = REPLY_BUTTONS.get(purpose, [])
    names = [name for name, _title in buttons]
    if buttons and len(message.body) <= INTERACTIVE_BODY_LIMIT and _buttons_fit(message, names):
        replies = [{"type": "reply", "reply": {"id": payload, "title": title}}
                   for payload, (_name, title) in zip(_answers(message, names), buttons, strict=True)]
        return {"type": "interactive", "interactive": {"type": "button", "body": {"text": message.body},
                                                       "action": {"buttons": replies}}}
    return {"type": "text", "text": {"preview_url": False, "body": message.body}}


def template_problem(template: MessageTemplate) -> str:
    """What keeps a template from being sent as PRIMA fills it ("" when nothing does)."""
    unknown = [name for name in template.parameters if name not in TEMPLATE_VALUES]
    if unknown:
        return f"the template {template.name} names values PRIMA does not have: {', '.join(map(str, unknown))}"
    odd = [name for name in template.buttons if name not in BUTTON_ANSWERS]
    if odd:
        return f"the template {template.name} has buttons PRIMA does not know: {', '.join(map(str, odd))}"
    return ""


def cloud_content(message: Message, *, window_is_open: bool,
                  templates: dict[tuple[int, str], MessageTemplate], device_id: int) -> dict | str:
    """What `message` goes out as through a Cloud API device, with its outbox id, or why it must
    wait: inside the window, text (a reminder or the consent question with its reply buttons);
    outside it (or once Meta said it was closed), its purpose's approved template, never free
    text that Meta would refuse (131047)."""
    purpose = purpose_of(message)
    if window_is_open and not message.last_error.startswith(WINDOW_CLOSED):
        content = _as_text(message, purpose)
    else:
        template = templates.get((device_id, purpose)) if purpose else None
        if template is None:
            label = MessageTemplate.Purpose(purpose).label if purpose else message.get_kind_display()
            return f"{NO_TEMPLATE}: {label} (outside the 24-hour window)"
        if problem := template_problem(template):
            return f"{TEMPLATE_REFUSED}: {problem}"
        if not _buttons_fit(message, template.buttons):
            return f"{TEMPLATE_REFUSED}: the buttons of {template.name} answer something this message does not ask"
        content = _as_template(message, template)
    return {**content, "biz_opaque_callback_data": callback_data(message.id)}


def held_for_template() -> Q:
    """A queued message's condition for waiting for a template: none approved, or Meta refused it."""
    return Q(last_error__startswith=NO_TEMPLATE) | Q(last_error__startswith=TEMPLATE_REFUSED)


@dataclass(frozen=True)
class TemplateHold:
    """Messages through one device that wait for one reason (the health page's lines)."""

    device: str
    reason: str
    count: int


def template_holds() -> list[TemplateHold]:
    """What waits for a template, by device and reason, the most first: one query."""
    rows = (Message.objects.filter(held_for_template(), status=Message.Status.QUEUED)
            .values("patient__device__number", "last_error").annotate(count=Count("id")).order_by("-count"))
    return [TemplateHold(row["patient__device__number"] or "", row["last_error"], row["count"]) for row in rows]


def wake_held_for_template(device_id: int, phone: str | None = None) -> int:
    """Messages held for want of a template (or refused as one) to this device's patients are due
    now: a template was approved, or `phone` opened its window by writing."""
    held = Message.objects.filter(held_for_template(), status=Message.Status.QUEUED, patient__device_id=device_id)
    if phone is not None:
        held = held.filter(phone=phone)
    return held.update(send_after=DatabaseNow(), updated_at=DatabaseNow())


def requeue_as_template(message_id: int, reason: str) -> bool:
    """Meta said after accepting it that the window was closed (a `failed` status with 131047):
    the message was never delivered, so it goes again, as its template (or waits for one).
    Only a message still recorded SENT: a later status (delivered, read) says otherwise. A
    dose's reminder that reached nobody else makes its dose unsent again, so the double-check
    lets it go (and closes it as missed once it is too late)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(id=message_id, status=Message.Status.SENT).first()
        if message is None:
            return False
        Message.objects.filter(id=message.id).update(
            status=Message.Status.QUEUED, send_after=DatabaseNow(), last_error=f"{WINDOW_CLOSED}: {reason}"[:300],
            provider_message_id="", sent_at=None, updated_at=DatabaseNow())
        others = Message.objects.filter(reminder_id=message.reminder_id, kind=Message.Kind.REMINDER,
                                        sent_at__isnull=False).exclude(id=message.id)
        if message.kind == Message.Kind.REMINDER and message.reminder_id and not others.exists():
            Reminder.objects.filter(id=message.reminder_id, confirmation_status=Reminder.Confirmation.PENDING).update(
                sent_at=None, reply_deadline=None)
    return True
