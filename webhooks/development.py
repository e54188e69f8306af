"""Trying the webhooks without Fonnte: their URLs, and a patient's reply delivered exactly as
Fonnte delivers it (the real URL, secret, middleware and view), so it is stored in the inbox and
processed like any other."""
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from reminders.outbox.devices import sending_number
from reminders.models import Caregiver, Patient
from reminders.phones import mask_phone, normalise_phone
from webhooks.models import WebhookEvent

KINDS = ["incoming", "status", "device"]
# Reversed in place of the secret, then replaced: `reverse` would refuse a shell expression.
_SECRET_SLOT = "secret-slot"


class DevelopmentError(Exception):
    """Why the webhooks cannot be tried as asked, in one line."""


def configured_secret() -> str:
    if not settings.FONNTE_WEBHOOK_SECRET:
        raise DevelopmentError(
            "FONNTE_WEBHOOK_SECRET is not set, so the webhooks are off (404): set it, or run with DEBUG=1, "
            "which generates one into .data/"
        )
    return settings.FONNTE_WEBHOOK_SECRET


def secret_source() -> str:
    """The secret as a shell can fill it in: the generated file, or the environment variable."""
    dev_file = Path(settings.DEV_WEBHOOK_SECRET_FILE)
    if dev_file.exists() and dev_file.read_text().strip() == configured_secret():
        return f"$(cat {os.path.relpath(dev_file)})"
    return "$FONNTE_WEBHOOK_SECRET"


def webhook_urls(base_url: str, secret: str) -> dict[str, str]:
    """Each webhook's full URL for Fonnte's dashboard, with `secret` (or a shell expression
    that gives it) as its secret part."""
    return {
        kind: base_url.rstrip("/") + reverse(f"webhooks:{kind}", kwargs={"secret": _SECRET_SLOT}).replace(
            _SECRET_SLOT, secret)
        for kind in KINDS
    }


def cloud_api_url(base_url: str) -> str:
    """The Cloud API webhook's full URL for Meta's App Dashboard (no secret in it: Meta signs
    every delivery with the app secret)."""
    return base_url.rstrip("/") + reverse("webhooks:cloud_api")


@dataclass(frozen=True)
class SimulatedReply:
    patient: Patient
    answer: str  # what the webhook answered ("processed", "ignored", …)
    event: WebhookEvent


def simulate_reply(phone: str, text: str) -> SimulatedReply:
    """Deliver `text` from `phone` to the incoming webhook as Fonnte would. The payload says it
    was simulated (`simulated_by`), which the inbox keeps and processing ignores."""
    try:
        number = normalise_phone(phone)
    except ValidationError:
        raise DevelopmentError(f"{phone!r} is not a phone number") from None
    patient = Patient.objects.filter(phone=number).first()
    caregiver = None if patient else Caregiver.objects.filter(phone=number).select_related("patient").first()
    if patient is None and caregiver is None:
        raise DevelopmentError(f"no patient or caregiver has the number {mask_phone(number)}")
    patient = patient or caregiver.patient  # the number a caregiver hears from is their patient's
    inbox_id = f"simulated-{uuid.uuid4().hex}"
    payload = {"device": sending_number(patient).lstrip("+"), "sender": number.lstrip("+"), "message": text,
               "inboxid": inbox_id, "timestamp": int(time.time()), "simulated_by": "manage.py simulate_reply"}
    response = Client(HTTP_HOST=_allowed_host()).post(
        reverse("webhooks:incoming", kwargs={"secret": configured_secret()}),
        data=json.dumps(payload), content_type="application/json",
    )
    if response.status_code != 200:
        raise DevelopmentError(f"the incoming webhook answered HTTP {response.status_code}")
    event = WebhookEvent.objects.get(kind=WebhookEvent.Kind.INCOMING, payload__inboxid=inbox_id)
    return SimulatedReply(patient=patient, answer=response.json()["status"], event=event)


def _allowed_host() -> str:
    """A host name ALLOWED_HOSTS accepts, so the request passes the same checks as Fonnte's."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*":
            return host.lstrip(".")
    if settings.ALLOWED_HOSTS or settings.DEBUG:
        return "localhost"
    raise DevelopmentError("ALLOWED_HOSTS is empty, so no request would be accepted: set it")
