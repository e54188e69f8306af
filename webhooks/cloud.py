"""Meta's WhatsApp Cloud API webhooks (docs/webhooks.md#the-cloud-api-endpoint): the
verification handshake, the signature over the raw body, and a delivery split into one inbox
event per message and per status.

Meta signs every POST with the app secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`).
Nothing in the body is believed before that is checked: the body names a phone-number id, but
the secret is not chosen by it. Every Cloud API device's secret is tried (constant-time
compare), and each message or status must then name a device whose secret signed the body.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass

from reminders.models import Device
from reminders.outbox.devices import device_app_secret, device_verify_token
from webhooks.models import CONTENT_HASH_MARK, WebhookEvent

SIGNATURE_PREFIX = "sha256="
Kind = WebhookEvent.Kind


def cloud_devices() -> list[Device]:
    """Every Cloud API device, retired ones too: a patient moved away still answers the number
    they saved, and Meta still reports on what it sent."""
    return list(Device.objects.filter(gateway=Device.Gateway.CLOUD_API))


def verify_token_matches(token: str) -> bool:
    """Meta's handshake: does `token` equal one of our Cloud API devices' verify tokens?"""
    if not token:
        return False
    return any(hmac.compare_digest(token.encode(), expected.encode())
               for expected in map(device_verify_token, cloud_devices()) if expected)


def devices_signing(raw_body: bytes, header: str) -> set[str]:
    """The phone-number ids of the devices whose app secret signed `raw_body`; empty for a
    missing, malformed or wrong signature. Every device is tried, so which one matched takes no
    guess from the (unverified) body."""
    given = header.strip()
    if not given.startswith(SIGNATURE_PREFIX):
        return set()
    given = given[len(SIGNATURE_PREFIX):].lower()
    signed = set()
    for device in cloud_devices():
        secret = device_app_secret(device)
        if not secret:
            continue
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected.encode(), given.encode("ascii", "replace")):
            signed.add(device.cloud_phone_number_id)
    return signed


@dataclass(frozen=True)
class CloudItem:
    """One message or one status of a delivery, stored as its own event."""

    kind: str
    dedupe_key: str
    payload: dict

    @property
    def phone_number_id(self) -> str:
        return str(self.payload.get("phone_number_id") or "")


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value) -> str:
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _key(kind: str, *parts: str, item: dict) -> str:
    """Meta's own ids where it gives them (a wamid; a status by wamid and status), else a hash
    of the item, which then only dedupes redeliveries (webhooks.models.insert_new)."""
    if all(parts):
        return ":".join(["cloud", kind.lower(), *(part[:90] for part in parts)])[:200]
    canonical = json.dumps(item, sort_keys=True, ensure_ascii=True)
    return f"{kind.lower()}{CONTENT_HASH_MARK}{hashlib.sha256(canonical.encode()).hexdigest()}"


def split_delivery(payload: dict) -> list[CloudItem]:
    """The messages and statuses of a delivery (`entry[].changes[].value`), each with the
    phone-number id and display number it came through, and the sender's profile."""
    found = []
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            through = {"phone_number_id": _text(metadata.get("phone_number_id")),
                       "display_phone_number": _text(metadata.get("display_phone_number"))}
            contacts = _dicts(value.get("contacts"))
            for message in _dicts(value.get("messages")):
                contact = next((c for c in contacts if _text(c.get("wa_id")) == _text(message.get("from"))), None)
                found.append(CloudItem(Kind.CLOUD_MESSAGE, _key(Kind.CLOUD_MESSAGE, _text(message.get("id")),
                                                                 item=message),
                                       {**through, "message": message, "contact": contact or {}}))
            for status in _dicts(value.get("statuses")):
                key = _key(Kind.CLOUD_STATUS, _text(status.get("id")), _text(status.get("status")).lower(),
                           item=status)
                found.append(CloudItem(Kind.CLOUD_STATUS, key, {**through, "status": status}))
    return found


# Deliveries about the conversation rather than words from the person: nothing to answer.
# A reaction is one too: an emoji on which message of ours is not an answer to today's dose.
NOT_FROM_THE_PERSON = {"system": "system message (number changed)", "request_welcome": "opened the chat",
                       "ephemeral": "disappearing-message setting",
                       "reaction": "a reaction to a message: not read as an answer"}


@dataclass(frozen=True)
class Content:
    """What a Cloud API message says: its words (a button's label, a caption; "" for a voice
    note, a picture without caption, a location), the payload of a tapped button, or why it is
    nothing to read."""

    text: str = ""
    payload: str = ""
    ignored: str = ""


def _part(message: dict, name: str) -> dict:
    part = message.get(name)
    return part if isinstance(part, dict) else {}


def message_content(message: dict) -> Content:
    """The words of a message, and the payload when it is a tap; a voice note, picture,
    document or anything else with no words reads as "" (a volunteer listens or looks)."""
    kind = _text(message.get("type"))
    if kind in NOT_FROM_THE_PERSON:
        return Content(ignored=NOT_FROM_THE_PERSON[kind])
    if kind == "text":
        return Content(_text(_part(message, "text").get("body")))
    if kind == "button":  # a template's quick reply
        button = _part(message, "button")
        return Content(_text(button.get("text")), _text(button.get("payload")))
    if kind == "interactive":  # a reply button or a list row of ours
        interactive = _part(message, "interactive")
        chosen = _part(interactive, "button_reply") or _part(interactive, "list_reply")
        return Content(_text(chosen.get("title")), _text(chosen.get("id")))
    return Content(_text(_part(message, kind).get("caption")) if kind else "")
