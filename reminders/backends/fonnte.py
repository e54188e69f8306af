"""The Fonnte gateway (../shared/fonnte-api.md): one HTTP choke point, one error type.

Fonnte usually answers HTTP 200 even for failures, so the verdict is the JSON `status`.
A request whose answer is lost may still have been delivered: callers count a retry after
an unknown outcome instead of pretending it did not happen.
"""
import logging
import re

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reminders.backends.base import BaseWhatsAppBackend, SentMessage, WhatsAppError
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

# Reasons that no retry can fix, matched by words (Fonnte's wording varies: "token invalid",
# "invalid token"). Everything else, including reasons we do not recognise, is transient.
PERMANENT_REASON_WORDS = [
    {"token"},
    {"account"},
    {"input", "invalid"},
    {"json"},
    {"target", "invalid"},
]


def is_permanent_reason(reason: str) -> bool:
    words = set(re.findall(r"[a-z]+", reason.lower()))
    return any(required <= words for required in PERMANENT_REASON_WORDS)


class FonnteBackend(BaseWhatsAppBackend):
    def __init__(self) -> None:
        if not settings.FONNTE_TOKEN:
            raise ImproperlyConfigured("FONNTE_TOKEN must be set to send through Fonnte")
        self.url = settings.FONNTE_BASE_URL.rstrip("/") + "/send"
        self.timeout = (settings.FONNTE_CONNECT_TIMEOUT, settings.FONNTE_READ_TIMEOUT)
        self.session = requests.Session()
        self.session.headers["Authorization"] = settings.FONNTE_TOKEN

    def send(self, phone: str, body: str) -> SentMessage:
        target = phone.lstrip("+")
        try:
            response = self.session.post(
                self.url,
                data={"target": target, "message": body, "countryCode": "62"},
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise WhatsAppError(f"timeout talking to Fonnte ({exc.__class__.__name__})", transient=True) from exc
        except requests.RequestException as exc:
            raise WhatsAppError(f"cannot reach Fonnte ({exc.__class__.__name__})", transient=True) from exc
        return self._parse(response, phone)

    def _parse(self, response: requests.Response, phone: str) -> SentMessage:
        if response.status_code >= 500:
            raise WhatsAppError(f"Fonnte answered HTTP {response.status_code}", transient=True)
        try:
            answer = response.json()
        except ValueError:
            raise WhatsAppError(
                f"Fonnte answered HTTP {response.status_code} with a body that is not JSON", transient=True
            ) from None
        if not isinstance(answer, dict):
            raise WhatsAppError("Fonnte answered JSON that is not an object", transient=True)
        if answer.get("status") is True:
            ids = answer.get("id")
            provider_id = str(ids[0]) if isinstance(ids, list) and ids else str(ids or "")
            logger.info("fonnte accepted message to=%s provider_id=%s", mask_phone(phone), provider_id)
            return SentMessage(provider_message_id=provider_id, detail=str(answer.get("detail", "")))
        reason = str(answer.get("reason") or answer.get("detail") or f"HTTP {response.status_code}, no reason given")
        permanent = is_permanent_reason(reason)
        logger.warning(
            "fonnte refused message to=%s reason=%r permanent=%s", mask_phone(phone), reason, permanent
        )
        raise WhatsAppError(reason, transient=not permanent)
