import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitoring.metrics import registry
from monitoring.status import database_reachable, not_ours, tick_is_fresh
from reminders.health import tick_age
from reminders.models import DeviceState, ReminderSchedule
from reminders.outbox.pauses import pauses_in_force
from reminders.phones import mask_phones


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, the scheduler ticked recently and sending is not paused;
    503 otherwise, so an uptime check notices a stopped scheduler or a refused token, not only a
    dead site. Schedules the scheduler cannot handle are counted (they stop nobody else).

    Devices whose Fonnte quota runs low are named but do not turn it 503: a load balancer
    would take the whole site away, volunteers' admin included, for what only a top-up fixes.
    So are the webhooks of the last 7 days ignored as naming a number that is not ours."""
    if not database_reachable():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    age = tick_age()
    fresh = tick_is_fresh(age)
    pauses = pauses_in_force()
    healthy = fresh and not pauses
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok",
        "last_tick_age_seconds": None if age is None else round(age.total_seconds(), 1),
        "max_tick_age_seconds": settings.HEALTHZ_MAX_TICK_AGE_SECONDS,
        "sending": "; ".join(f"{mask_phones(scope)} paused since {pause.since.isoformat()}: {pause.reason}"
                             for scope, pause in pauses.items()) or "ok",
        "schedule_problems": ReminderSchedule.objects.exclude(scheduling_problem="").count(),
        "quota_low_devices": [device.device for device in DeviceState.objects.all() if device.quota_is_low],
        "webhooks_not_ours_7d": not_ours(timezone.now()).total,
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _allowed_ip(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)


def _bearer_token_matches(request: HttpRequest) -> bool:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return bool(settings.METRICS_TOKEN) and scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for a bearer token or an allowed address; off (404) when
    neither is configured, so a default install exposes nothing."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        raise Http404
    if not (_bearer_token_matches(request) or _allowed_ip(request.META.get("REMOTE_ADDR", ""))):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
