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

from reminders.backends.base import BaseWhatsAppBackend, Scope, SentMessage, WhatsAppError
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

# Reasons matched by words, not whole strings (Fonnte's wording varies: "token invalid",
# "invalid token"). Checked in this order; a reason matching none is transient.
# Refusals of the account or the device refuse every message alike: they pause sending.
ACCOUNT_REASON_WORDS = [{"token"}, {"account"}, {"quota"}, {"unauthorized"}]
DEVICE_REASON_WORDS = [{"disconnect"}, {"disconnected"}, {"offline"}, {"device", "not", "connected"}]
# Reasons about this message that no retry can fix.
PERMANENT_REASON_WORDS = [{"input", "invalid"}, {"json"}, {"target", "invalid"}]


def _words(reason: str) -> set[str]:
    return set(re.findall(r"[a-z]+", reason.lower()))


def _matches(reason: str, table: list[set[str]]) -> bool:
    words = _words(reason)
    return any(required <= words for required in table)


def refusal_error(reason: str) -> WhatsAppError:
    """The error for a refusal Fonnte gave this reason for."""
    if _matches(reason, ACCOUNT_REASON_WORDS):
        return WhatsAppError(reason, transient=True, scope=Scope.ACCOUNT)
    if _matches(reason, DEVICE_REASON_WORDS):
        return WhatsAppError(reason, transient=True, scope=Scope.DEVICE)
    return WhatsAppError(reason, transient=not _matches(reason, PERMANENT_REASON_WORDS))


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
                # connectOnly: refused while the device is offline, never queued at Fonnte unseen.
                data={"target": target, "message": body, "countryCode": "62", "connectOnly": "true"},
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
        if response.status_code in (401, 403):
            raise WhatsAppError(f"Fonnte refused the token (HTTP {response.status_code})", transient=True,
                                scope=Scope.ACCOUNT)
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
        error = refusal_error(reason)
        logger.warning("fonnte refused message to=%s reason=%r scope=%s transient=%s",
                       mask_phone(phone), reason, error.scope, error.transient)
        raise error
