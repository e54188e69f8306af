"""Fonnte's webhooks. Fonnte re-delivers every minute until it gets 200, so: whatever we
stored answers 200; only an event we could not store answers 503, for Fonnte to retry."""
import hmac
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from webhooks import services
from webhooks.parsing import parse_body

logger = logging.getLogger(__name__)


def _secret_matches(secret: str) -> bool:
    expected = settings.FONNTE_WEBHOOK_SECRET
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


def _body_too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > settings.WEBHOOK_MAX_BODY_BYTES


@csrf_exempt
def fonnte_webhook(request: HttpRequest, secret: str, kind: str) -> HttpResponse:
    if not _secret_matches(secret):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if _body_too_large(request):
        return JsonResponse({"status": "too large"}, status=413)
    parsed = parse_body(request)
    try:
        event = services.store_event(kind, parsed, request.content_type or "")
    except DatabaseError as exc:
        # Not the error text: PostgreSQL may quote the payload, phone numbers and all.
        logger.error("webhook could not be stored kind=%s error=%s", kind, exc.__class__.__name__)
        return JsonResponse({"status": "unavailable"}, status=503)
    if event is None:
        return JsonResponse({"status": "duplicate"})
    if event.state != services.State.RECEIVED:
        return JsonResponse({"status": event.state.lower()})
    try:
        state = services.process_event(event)
    except Exception:  # stored, so the sweeper will retry; Fonnte must not
        logger.exception("webhook event_id=%s stored but not processed", event.id)
        state = services.State.RECEIVED
    return JsonResponse({"status": state.lower()})
