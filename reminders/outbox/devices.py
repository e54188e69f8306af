"""WhatsApp devices: which number a message goes through, with which token.

A patient is pinned to a device (`Patient.device`) and always hears from it. A patient with
no device, in a deployment with no devices at all, is served by the default sender:
FONNTE_TOKEN, whose number is the first of FONNTE_DEVICES when given. Each sender has a
`scope`, its number: the key of its rate limit and of its sending pause, so one device down
or out of quota pauses only its own patients.

Device tokens are kept encrypted with a key derived from SECRET_KEY: the database alone
does not give them away, and the admin never shows one back. Rotating SECRET_KEY makes them
unreadable: sending through that device pauses until a coordinator enters its token again.
"""
import base64
import enum
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from prima.clock import DatabaseNow
from reminders.models import NOTICE_HELD, Device, DeviceState, Message, Patient
from reminders.phones import as_dialled

DEFAULT_SCOPE = "fonnte"
UNREADABLE_TOKEN = "the device token cannot be read (SECRET_KEY changed?): enter it again in the admin"


@dataclass(frozen=True)
class Sender:
    """Who a message goes out as: the token, the number, and the scope of its limit and pause."""

    scope: str
    token: str
    number: str
    device_id: int | None
    gateway: str = Device.Gateway.FONNTE
    # The Cloud API's id of the number (`/{phone-number-id}/messages`); "" for Fonnte.
    phone_number_id: str = ""


def _cipher() -> Fernet:
    key = hashlib.sha256(f"prima-device-token:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_token(token: str) -> str:
    return _cipher().encrypt(token.encode()).decode()


def _decrypt(encrypted: str) -> str:
    try:
        return _cipher().decrypt(encrypted.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def device_token(device: Device) -> str:
    """The device's token, or "" when it cannot be read (the sender then pauses it)."""
    return _decrypt(device.token_encrypted)


def device_app_secret(device: Device) -> str:
    """A Cloud API device's Meta app secret (its webhooks' signatures), or "" when unreadable."""
    return _decrypt(device.app_secret_encrypted)


def device_verify_token(device: Device) -> str:
    """A Cloud API device's webhook verify token (Meta's handshake), or "" when unreadable."""
    return _decrypt(device.verify_token_encrypted)


def cloud_device_for(phone_number_id: str) -> Device | None:
    """The Cloud API device whose phone number id a webhook names; None when none is ours."""
    if not phone_number_id:
        return None
    return Device.objects.filter(gateway=Device.Gateway.CLOUD_API, cloud_phone_number_id=phone_number_id).first()


def default_sender() -> Sender:
    number = settings.FONNTE_DEVICES[0] if settings.FONNTE_DEVICES else ""
    return Sender(scope=number or DEFAULT_SCOPE, token=settings.FONNTE_TOKEN, number=number, device_id=None)


def device_sender(device: Device) -> Sender:
    return Sender(scope=device.number, token=device_token(device), number=device.number, device_id=device.id,
                  gateway=device.gateway, phone_number_id=device.cloud_phone_number_id)


def is_phone_number(scope: str) -> bool:
    """Whether a scope or a device name is a number (E.164), one a device could have."""
    return scope.startswith("+")


def senders(device_ids: set[int]) -> dict[int | None, Sender]:
    """The senders of these devices (None: the default), read once for a batch of messages."""
    found: dict[int | None, Sender] = {None: default_sender()}
    for device in Device.objects.filter(id__in=[i for i in device_ids if i is not None]):
        found[device.id] = device_sender(device)
    return found


def sender_scope_for_number(number: str) -> str | None:
    """The scope a device event for `number` concerns: its device's, or the default sender's
    when that is the number (or its number is unknown and no device is registered); None for
    a number that is none of ours."""
    if is_phone_number(number) and Device.objects.filter(number=number).exists():
        return number
    default = default_sender()
    if default.number == number or (not default.number and not Device.objects.exists()):
        return default.scope
    return None


def known_numbers() -> set[str]:
    """Every number that is or ever was ours, for webhooks: FONNTE_DEVICES, the devices (a
    retired one too: a patient moved away still answers the number they saved), and the numbers
    Fonnte named in its answers to our own sends (`DeviceState.quota_seen_at`: FONNTE_TOKEN's
    number even when FONNTE_DEVICES does not name it, or no longer does). Empty: any is ours.
    Also empty while FONNTE_TOKEN sends for patients on no device and FONNTE_DEVICES does not
    name its number: its replies could not be told from anyone else's, and must not be lost
    (the deploy check warns)."""
    if settings.FONNTE_TOKEN and not settings.FONNTE_DEVICES:
        return set()
    reported = DeviceState.objects.filter(quota_seen_at__isnull=False).values_list("device", flat=True)
    return (set(settings.FONNTE_DEVICES) | set(Device.objects.values_list("number", flat=True))
            | {number for number in reported if is_phone_number(number)})


def hears_from_an_unnamed_number(phone: str) -> bool:
    """Whether a patient with this phone, or a patient this phone cares for, hears from the
    default sender while nobody named its number (no FONNTE_DEVICES): their replies name a
    number we cannot tell from another's, and must not be lost. Asked only of a reply naming a
    number we do not know, so someone posing as our device still acts on nobody else."""
    if default_sender().number:
        return False
    return Patient.objects.filter(Q(phone=phone) | Q(caregivers__phone=phone), device__isnull=True).exists()


def sending_number(patient: Patient) -> str:
    """The number the patient hears from (and replies to): their device's, or FONNTE_TOKEN's
    as FONNTE_DEVICES names it; "" when no one knows it."""
    return patient.device.number if patient.device_id else default_sender().number


class Move(enum.Enum):
    """What moving a patient did, as the coordinator is told."""

    ALREADY_THERE = "already there"
    TOLD = "told by the old number"
    HELD = "told by the old number once they can receive messages again"
    UNTOLD = "back on the number they know: nothing to tell"

    def __bool__(self) -> bool:
        return self is not Move.ALREADY_THERE


def move_patient(patient: Patient, device: Device) -> Move:
    """Pin the patient to another device (falsy when already on it). The number the patient
    knows tells them the new one, once, and tells each of their caregivers who gets reminders
    (a `NOTICE` to each, pinned to the old device): a notice not sent yet is withdrawn by a
    second move (moved back before it went out: no notice at all). A notice to someone who
    cannot receive messages now (paused, opted out) waits until they can (`held_for_recipient`,
    `release_held_notices`). Everything else, queued already or not, goes through the new
    device (the sender reads the patient's device as it sends), after the notice to its
    recipient (`waits_for_notice`)."""
    from reminders.outbox.queue import queue_message

    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(id=patient.id)
        if patient.device_id == device.id:
            return Move.ALREADY_THERE
        unsent = patient.messages.filter(kind=Message.Kind.NOTICE, status=Message.Status.QUEUED)
        known = unsent.values_list("device_id", flat=True).first() if unsent.exists() else patient.device_id
        unsent.update(status=Message.Status.CANCELLED, end_reason="moved again before it was sent",
                      updated_at=DatabaseNow())
        patient.device = device
        patient.save(update_fields=["device"])
        if known == device.id:
            return Move.UNTOLD
        number = as_dialled(device.number)
        notices = [queue_message(patient, "device_changed", kind=Message.Kind.NOTICE, nomor=number)]
        for caregiver in patient.caregivers.filter(is_active=True, consented_at__isnull=False):
            notices.append(queue_message(patient, "device_changed", kind=Message.Kind.NOTICE, caregiver=caregiver,
                                         nomor=number))
        Message.objects.filter(id__in=[notice.id for notice in notices]).update(device_id=known)
    return Move.TOLD if patient.can_receive_reminders else Move.HELD


# A message to someone whose notice of a new number is on its way waits this long, at most, and
# is due again at once when the notice goes out.
NOTICE_WAIT_SECONDS = 60.0
WAITING_FOR_NOTICE = "waiting for the notice of the new number"
# A notice held for its recipient is looked at again this often (the tick releases it sooner).
NOTICE_HOLD_SECONDS = 24 * 3600.0


def notices_on_their_way(patient_ids: set[int]) -> set[tuple[int, int | None]]:
    """(patient, caregiver or None) of each notice of a new number still to go out to that
    recipient, unless a pause of its device holds it (that device down or refused: what waits
    for it would wait for as long; the patient gets their reminders from the new number then)."""
    return set(Message.objects.filter(
        kind=Message.Kind.NOTICE, status__in=[Message.Status.QUEUED, Message.Status.SENDING], held_by_pause=False,
        patient_id__in=patient_ids,
    ).values_list("patient_id", "caregiver_id"))


def waits_for_notice(message: Message, on_their_way: set[tuple[int, int | None]]) -> bool:
    """Whether a message must wait for the notice of the new number to its recipient: the
    patient (or caregiver) hears the new number from the old one before anything from the new
    one. Read on the locked patient row, so no send can slip between a move and its notice.
    Never an urgent message (the safety answer), an alert to staff, the notice itself, nor
    anything to a recipient who may not get the notice now (a paused patient's answers)."""
    if message.kind == Message.Kind.NOTICE or message.kind in Message.STAFF_KINDS or message.priority:
        return False
    if (message.patient_id, message.caregiver_id) not in on_their_way:
        return False
    recipient = message.caregiver if message.caregiver_id else message.patient
    return recipient.reachability_problem() is None


def wake_those_waiting(notice_ids: list[int]) -> int:
    """These notices went out: what waited for them is due now. In the caller's transaction."""
    woken = 0
    for patient_id, caregiver_id in Message.objects.filter(id__in=notice_ids).values_list("patient_id",
                                                                                           "caregiver_id"):
        woken += Message.objects.filter(
            patient_id=patient_id, caregiver_id=caregiver_id, status=Message.Status.QUEUED,
            last_error=WAITING_FOR_NOTICE,
        ).update(send_after=DatabaseNow(), updated_at=DatabaseNow())
    return woken


def release_held_notices() -> int:
    """The tick's step: notices held for a recipient who can receive messages again (resumed,
    opted back in, verified) are due now, by the one rule of `Message.held_for_recipient`. Few
    rows: the held notices only."""
    held = Message.objects.filter(kind=Message.Kind.NOTICE, status=Message.Status.QUEUED,
                                  last_error__startswith=NOTICE_HELD).select_related("patient", "caregiver__patient")
    ready = [notice.id for notice in held if not notice.held_for_recipient()]
    return Message.objects.filter(id__in=ready, status=Message.Status.QUEUED).update(
        send_after=DatabaseNow(), last_error="", updated_at=DatabaseNow())
