import hmac
import ipaddress
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitoring.metrics import registry
from monitoring.status import NOT_OURS_WINDOW, database_reachable, health_line, not_ours
from reminders.models import ReminderSchedule
from reminders.phones import mask_phones
from webhooks.models import RefusedDelivery

logger = logging.getLogger(__name__)
# What this process last answered on /healthz, so a change is logged once, not every probe.
_last_health: dict[str, str] = {}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, the scheduler ticked recently, sending is not paused and
    the backends reach people (or are stand-ins allowed for a demo); 503 otherwise, so an uptime
    check notices a stopped scheduler, a refused token or a backend that prints, not only a dead
    site. "sending" is "ok" only when WhatsApp messages really go out: it names a stand-in (even
    one allowed), a backend that cannot be built, a pause, and the messages stuck past their lease.

    Stuck messages, Cloud API messages waiting for an approved template, devices whose Fonnte quota runs low, schedules the scheduler cannot handle and
    the webhooks of the last 7 days ignored as naming a number not ours are named but do not turn
    it 503: a load balancer would take the whole site away, volunteers' admin included, for what a
    running worker recovers by itself, or only a fix or a top-up solves (a worker that is not
    running stops the ticks, which does turn it 503)."""
    if not database_reachable():
        return _health_answer({"status": "error", "database": "unreachable"}, healthy=False)
    health = health_line()
    healthy = health.tick_is_fresh and not health.sending_pauses and not health.backends_refused
    pauses = [f"{mask_phones(pause.scope)} paused since {pause.since.isoformat()}: {pause.reason}"
              for pause in health.sending_pauses]
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok",
        "last_tick_age_seconds": None if health.tick_age is None else round(health.tick_age.total_seconds(), 1),
        "max_tick_age_seconds": settings.HEALTHZ_MAX_TICK_AGE_SECONDS,
        "sending": "; ".join([*health.not_sending, *pauses]) or "ok",
        "email": str(health.email_problem) if health.email_problem else "ok",
        "stale_leases": health.stale_leases,
        "waiting_for_template": health.waiting_for_template,
        "schedule_problems": ReminderSchedule.objects.exclude(scheduling_problem="").count(),
        "quota_low_devices": [device.device for device in health.low_quota_devices],
        "webhooks_not_ours_7d": not_ours(timezone.now()).total,
        "webhooks_refused_7d": RefusedDelivery.objects.since(timezone.now() - NOT_OURS_WINDOW),
    }
    return _health_answer(body, healthy)


def _health_answer(body: dict, healthy: bool) -> JsonResponse:
    """The answer, 200 or 503. A 503 is what a monitor asks to know (and what every probe gets
    while the shape boots, before the first tick): it is logged at WARNING once when the state
    turns bad (INFO when it is good again), never by Django at ERROR for every probe."""
    response = JsonResponse(body, status=200 if healthy else 503)
    reason = "ok" if healthy else "; ".join(f"{key}={value}" for key, value in body.items()
                                            if key in ("database", "sending") and value != "ok") or "no recent scheduler tick"
    if _last_health.get("reason") != reason:
        if healthy and _last_health:
            logger.info("healthz: healthy again")
        elif not healthy:
            logger.warning("healthz: answering 503 (%s)", reason)
        _last_health["reason"] = reason
    response._has_been_logged = True  # django.request would log every 503 at ERROR
    return response


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
