"""Meta's WhatsApp Cloud API (../shared/whatsapp-cloud-api.md, docs/gateways.md): one HTTP choke
point, each Cloud API device's calls with its own access token and phone number id.

What goes out (text, template, buttons, the outbox id in `biz_opaque_callback_data`) is chosen
by the outbox before the call (reminders/outbox/cloud_api.py), where the database is; this
backend only posts it and reads the answer. HTTP 200 means accepted, not delivered. Meta says
to branch on the error's `code`, never the HTTP status or its words: `refusal_error` does.
"""
import logging

import requests
import requests.adapters
from django.conf import settings

from reminders.backends.base import BaseWhatsAppBackend, Scope, SentMessage, WhatsAppError
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

# Meta's error codes (https://developers.facebook.com/documentation/business-messaging/whatsapp/
# support/error-codes), by what they refuse. A code in none of these is retried like an unknown
# Fonnte reason: transient, until the attempts run out.
TRANSIENT_CODES = {1, 2, 4, 130429, 131000, 131016, 131056}  # 4: the app's call limit; 131056: the pair limit
PERMANENT_CODES = {131026, 131051, 131008, 131009, 131021, 100}  # undeliverable, unsupported, bad parameters
ACCOUNT_CODES = {190, 131031, 368, 131048}  # token expired or revoked, account locked, blocked, spam limit
WINDOW_CODES = {131047}  # free text outside the customer-service window
TEMPLATE_CODES = {132000, 132001, 132005, 132007, 132012, 132015, 132016}  # the template's set-up
# Code 100 is a bad parameter of one message, except with subcode 33: the phone-number id in the
# path does not exist or this token may not use it. That is the device's setting, wrong for every
# message it would send: the device pauses (as for a refused token), no message fails for it.
ACCOUNT_SUBCODES = {(100, 33)}
NUMBER_ID_HINT = " (check the device's phone number ID and that its access token may send for it)"


def refusal_error(code: object, message: str, *, template: bool, subcode: object = None) -> WhatsAppError:
    """The error for a refusal Meta gave `code` (and `subcode`) for. 131047 on a template send
    cannot be the window: it is retried as this message's error, never re-sent as a template for ever."""
    if (code, subcode) in ACCOUNT_SUBCODES:
        hint = NUMBER_ID_HINT
        reason = f"WhatsApp Cloud API error {code}/{subcode}: {message[:300 - len(hint) - 40]}{hint}"[:300]
        return WhatsAppError(reason, transient=True, scope=Scope.ACCOUNT)
    reason = f"WhatsApp Cloud API error {code}: {message}"[:300]
    if code in ACCOUNT_CODES:
        return WhatsAppError(reason, transient=True, scope=Scope.ACCOUNT)
    if code in WINDOW_CODES and not template:
        return WhatsAppError(reason, transient=True, scope=Scope.WINDOW)
    if code in TEMPLATE_CODES:
        return WhatsAppError(reason, transient=True, scope=Scope.TEMPLATE)
    return WhatsAppError(reason, transient=code not in PERMANENT_CODES)


def _error_of(answer: object) -> tuple[object, str]:
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return None, ""
    details = error.get("error_data", {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
    code = error.get("code")
    if isinstance(code, str) and code.strip().isdigit():  # a code written as text is the same code
        code = int(code)
    return code, str(details or error.get("message") or "no message given")


def _subcode_of(answer: object) -> object:
    error = answer.get("error") if isinstance(answer, dict) else None
    subcode = error.get("error_subcode") if isinstance(error, dict) else None
    if isinstance(subcode, str) and subcode.strip().isdigit():
        subcode = int(subcode)
    return subcode


class CloudApiBackend(BaseWhatsAppBackend):
    """One HTTP session (its pool sized for SEND_CONCURRENCY calls at once) for every Cloud API
    device: `POST {CLOUD_API_BASE_URL}/{version}/{phone-number-id}/messages`."""

    def __init__(self) -> None:
        self.base = f"{settings.CLOUD_API_BASE_URL.rstrip('/')}/{settings.CLOUD_API_VERSION}"
        self.timeout = (settings.CLOUD_API_CONNECT_TIMEOUT, settings.CLOUD_API_READ_TIMEOUT)
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=settings.SEND_CONCURRENCY)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, phone: str, body: str, sender=None, content: dict | None = None) -> SentMessage:
        if sender is None or not sender.phone_number_id or not sender.token:
            raise WhatsAppError("this Cloud API device has no phone number ID or access token: enter them in the admin",
                                transient=True, scope=Scope.ACCOUNT)
        content = content or {"type": "text", "text": {"preview_url": False, "body": body}}
        # "+62…": without the "+", Meta would prefix the business number's own country code.
        request = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": phone, **content}
        try:
            response = self.session.post(
                f"{self.base}/{sender.phone_number_id}/messages", json=request,
                headers={"Authorization": f"Bearer {sender.token}"}, timeout=self.timeout,
            )
        except requests.Timeout as exc:
            # Meta may have accepted it: the status webhook names our outbox id, so it is recognised.
            raise WhatsAppError(f"timeout talking to the Cloud API ({exc.__class__.__name__})", transient=True) from exc
        except requests.RequestException as exc:
            raise WhatsAppError(f"cannot reach the Cloud API ({exc.__class__.__name__})", transient=True) from exc
        return self._parse(response, phone, template=content.get("type") == "template")

    def _parse(self, response: requests.Response, phone: str, *, template: bool) -> SentMessage:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        code, message = _error_of(answer)
        if code is None and response.status_code == 200 and isinstance(answer, dict):
            messages = answer.get("messages")
            wamid = messages[0].get("id") if isinstance(messages, list) and messages and isinstance(
                messages[0], dict) else None
            if isinstance(wamid, str) and wamid:
                logger.info("cloud api accepted message to=%s provider_id=%s", mask_phone(phone), wamid)
                return SentMessage(provider_message_id=wamid, detail=str(messages[0].get("message_status", "")))
            raise WhatsAppError("the Cloud API answered 200 without a message id", transient=True)
        if code is None:
            if response.status_code == 401:
                code, message = 190, "HTTP 401 (the access token was refused)"
            else:
                raise WhatsAppError(f"the Cloud API answered HTTP {response.status_code} without an error code",
                                    transient=True)
        error = refusal_error(code, message, template=template, subcode=_subcode_of(answer))
        logger.warning("cloud api refused message to=%s code=%s scope=%s transient=%s",
                       mask_phone(phone), code, error.scope, error.transient)
        raise error
