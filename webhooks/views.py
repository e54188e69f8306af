"""The gateways' webhooks. Fonnte re-delivers every minute until it gets 200, and Meta for up
to 7 days, so: whatever we stored answers 200; only an event we could not store answers 503,
for the gateway to retry. Meta's deliveries are signed: one nobody of ours signed is 403."""
import hmac
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from webhooks import cloud, services
from webhooks.models import RefusedDelivery, WebhookEvent
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
        return _unavailable(kind, exc)
    if event is None:
        return JsonResponse({"status": "duplicate"})
    return JsonResponse({"status": _process_stored(event)})


def _unavailable(kind: str, exc: DatabaseError) -> JsonResponse:
    # Not the error text: PostgreSQL may quote the payload, phone numbers and all.
    logger.error("webhook could not be stored kind=%s error=%s", kind, exc.__class__.__name__)
    return JsonResponse({"status": "unavailable"}, status=503)


def _process_stored(event: WebhookEvent) -> str:
    """Process an event just stored; its state in lower case, never an exception: it is stored,
    so the sweeper retries it, and the gateway must not."""
    if event.state != services.State.RECEIVED:
        return event.state.lower()
    try:
        return services.process_event(event).lower()
    except Exception:
        logger.exception("webhook event_id=%s stored but not processed", event.id)
        return services.State.RECEIVED.lower()


@csrf_exempt
def cloud_api_webhook(request: HttpRequest) -> HttpResponse:
    """Meta's WhatsApp Cloud API: GET is the subscription handshake, POST a signed delivery of
    messages and statuses, each stored as its own event and then processed."""
    if request.method == "GET":
        return _handshake(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if _body_too_large(request):
        return JsonResponse({"status": "too large"}, status=413)
    try:
        signed = cloud.devices_signing(request.body, request.META.get("HTTP_X_HUB_SIGNATURE_256", ""))
        if not signed:
            RefusedDelivery.objects.count(RefusedDelivery.BAD_SIGNATURE)
            logger.warning("Cloud API webhook refused: missing or wrong signature")
            return JsonResponse({"status": "forbidden"}, status=403)
        stored, duplicates = services.store_cloud_delivery(parse_body(request), signed, request.content_type or "")
    except DatabaseError as exc:
        return _unavailable("CLOUD", exc)
    return JsonResponse({"status": "stored", "duplicates": duplicates,
                         "events": [_process_stored(event) for event in stored]})


def _handshake(request: HttpRequest) -> HttpResponse:
    """Meta's subscription check: our verify token back → the challenge, as plain text."""
    token, challenge = request.GET.get("hub.verify_token", ""), request.GET.get("hub.challenge", "")
    try:
        matches = cloud.verify_token_matches(token)
    except DatabaseError as exc:
        return _unavailable("CLOUD handshake", exc)
    if request.GET.get("hub.mode") != "subscribe" or not matches or not challenge:
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    return HttpResponse(challenge[:200], content_type="text/plain")
