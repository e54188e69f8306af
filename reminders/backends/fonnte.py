"""The Fonnte gateway (../shared/fonnte-api.md): one HTTP choke point, one error type.

Fonnte usually answers HTTP 200 even for failures, so the verdict is the JSON `status`.
A request whose answer is lost may still have been delivered: callers count a retry after
an unknown outcome instead of pretending it did not happen.
"""
import logging
import re

import requests
import requests.adapters
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reminders.backends.base import BaseWhatsAppBackend, DeviceQuota, Scope, SentMessage, WhatsAppError
from reminders.models import Device
from reminders.phones import mask_phone, normalise_device

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


def provider_message_id(ids: object) -> str:
    """The id of our one target: `id` is a list with one id per target, integers in live
    answers and strings in the documentation's examples; stored as text either way."""
    first = ids[0] if isinstance(ids, list) and ids else ids
    if isinstance(first, bool) or not isinstance(first, int | str):
        return ""
    return str(first).strip()


def device_quotas(quota: object) -> tuple[DeviceQuota, ...]:
    """What each device may still send: `quota` is keyed by the device's local number
    (`{"085885529352": {"remaining": 966, "used": 1, ...}}`); figures we cannot read are skipped."""
    if not isinstance(quota, dict):
        return ()
    quotas = []
    for number, figures in quota.items():
        remaining = figures.get("remaining") if isinstance(figures, dict) else None
        if isinstance(remaining, int | str) and not isinstance(remaining, bool) and str(remaining).strip().isdigit():
            quotas.append(DeviceQuota(device=normalise_device(str(number)), remaining=int(remaining)))
    return tuple(quotas)


class FonnteBackend(BaseWhatsAppBackend):
    """One HTTP session (its connection pool sized for SEND_CONCURRENCY calls at once), each
    call with its device's token."""

    def __init__(self) -> None:
        if not settings.FONNTE_TOKEN and not Device.objects.exists():
            raise ImproperlyConfigured(
                "FONNTE_TOKEN must be set to send through Fonnte (or a WhatsApp device added in the admin)"
            )
        self.url = settings.FONNTE_BASE_URL.rstrip("/") + "/send"
        self.timeout = (settings.FONNTE_CONNECT_TIMEOUT, settings.FONNTE_READ_TIMEOUT)
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=settings.SEND_CONCURRENCY)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, phone: str, body: str, sender=None) -> SentMessage:
        token = sender.token if sender else settings.FONNTE_TOKEN
        if not token:
            raise WhatsAppError("no Fonnte token for this device (FONNTE_TOKEN, or the device's in the admin)",
                                transient=True, scope=Scope.ACCOUNT)
        target = phone.lstrip("+")
        try:
            response = self.session.post(
                self.url,
                # connectOnly: refused while the device is offline, never queued at Fonnte unseen.
                data={"target": target, "message": body, "countryCode": "62", "connectOnly": "true"},
                headers={"Authorization": token},
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
            provider_id, quotas = provider_message_id(answer.get("id")), device_quotas(answer.get("quota"))
            logger.info(
                "fonnte accepted message to=%s provider_id=%s quota_remaining=%s", mask_phone(phone),
                provider_id or "(none)", ",".join(str(quota.remaining) for quota in quotas) or "(not given)",
            )
            return SentMessage(provider_message_id=provider_id, detail=str(answer.get("detail", "")), quotas=quotas)
        reason = str(answer.get("reason") or answer.get("detail") or f"HTTP {response.status_code}, no reason given")
        error = refusal_error(reason)
        logger.warning("fonnte refused message to=%s reason=%r scope=%s transient=%s",
                       mask_phone(phone), reason, error.scope, error.transient)
        raise error
