"""Prometheus metrics read from the database at scrape time.

Every gunicorn and Celery process writes to the same tables, so reading the tables gives
exact figures whatever the number of processes, with no shared counter state to keep.
What the database does not record (claim skips, refused locks, denied rate-limit hits,
deferrals) is not exported rather than faked: see docs/operations.md, "Metrics and alerts".
"""
import math

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from locks.models import Lock
from prima.clock import DatabaseNow, database_now
from ratelimit.models import RateLimitEvent
from ratelimit.services import longest_named_window
from monitoring.status import NOT_OURS_WINDOW
from reminders.health import queue_depth, tick_age
from reminders.models import DeviceState, Message, ReminderSchedule
from reminders.outbox.pauses import pauses_in_force
from reminders.outbox.readiness import backend_problems
from reminders.phones import mask_phones
from reminders.retention import pruned_message_totals
from webhooks.models import RefusedDelivery, WebhookEvent

# The locks app draws every granted lease's fencing token from this sequence.
LOCK_FENCE_SEQUENCE = "locks_lock_fence_seq"


def _gauge(name: str, documentation: str, rows, labels: list[str]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for row in rows:
        family.add_metric([str(row[label]) for label in labels], row["n"])
    return family


def lock_grants() -> int:
    """Leases ever granted: the fence sequence moves once per successful acquire."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {LOCK_FENCE_SEQUENCE}")
        return cursor.fetchone()[0]


def recent_allowed_by_limit() -> list[dict]:
    """Allowed hits per named limit within the longest named window (the table is pruned,
    so this is a recent rate, not a counter since boot)."""
    recent = RateLimitEvent.objects.filter(created_at__gt=DatabaseNow() - timezone.timedelta(seconds=longest_named_window()))
    counts = {name: 0 for name in settings.RATE_LIMITS}
    for key, cost in recent.values_list("key", "cost"):
        name = key.partition(":")[0]
        if name in counts:
            counts[name] += cost
    return [{"limit": name, "n": n} for name, n in sorted(counts.items())]


def message_outcomes() -> dict[str, int]:
    """Messages ever sent, failed and cancelled, and attempts: the outbox's rows plus what
    retention deleted from it, so the counters never go down."""
    live = Message.objects.aggregate(
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        failed=Count("id", filter=Q(status=Message.Status.FAILED)),
        cancelled=Count("id", filter=Q(status=Message.Status.CANCELLED)),
        attempts=Sum("attempts", default=0),
    )
    pruned = pruned_message_totals()
    return {name: live[name] + pruned[name] for name in live}


def _not_ours_by_kind() -> list[dict]:
    """Every kind, 0 included, so an alert on the reply count has a series to watch."""
    recent = WebhookEvent.objects.not_ours(database_now() - NOT_OURS_WINDOW).order_by().values("kind").annotate(
        n=Count("id"))
    counts = {kind: 0 for kind in WebhookEvent.Kind.values} | {row["kind"]: row["n"] for row in recent}
    return [{"kind": kind, "n": n} for kind, n in counts.items()]


class DatabaseCollector(Collector):
    def collect(self):
        yield _gauge("prima_messages", "Outbox messages by status and kind.",
                     Message.objects.order_by().values("status", "kind").annotate(n=Count("id")), ["status", "kind"])
        outcomes = message_outcomes()
        sends = CounterMetricFamily("prima_message_outcomes", "Messages ever sent, failed or cancelled (from the outbox).",
                                    labels=["outcome"])
        for outcome in ["sent", "failed", "cancelled"]:
            sends.add_metric([outcome], outcomes[outcome])
        yield sends
        yield CounterMetricFamily("prima_message_send_attempts", "Send attempts recorded on outbox rows "
                                  "(rate-limit deferrals give their attempt back).", value=outcomes["attempts"])

        depth = queue_depth()
        queue = GaugeMetricFamily("prima_queue_messages", "Queued messages: due now, deferred to later, or "
                                  "stuck past their lease (their worker stopped; not sent since).", labels=["state"])
        for state, value in [("due", depth.due), ("deferred", depth.deferred), ("stale_lease", depth.stale_leases)]:
            queue.add_metric([state], value)
        yield queue
        yield GaugeMetricFamily("prima_queue_oldest_due_lateness_seconds", "How long the oldest due message has "
                                "waited past its send time.", value=depth.lateness(database_now()).total_seconds())

        age = tick_age()
        yield GaugeMetricFamily("prima_scheduler_tick_age_seconds", "Seconds since the scheduler's last tick "
                                "(+Inf when none ever ran).", value=age.total_seconds() if age else math.inf)

        yield CounterMetricFamily("prima_lock_grants", "Leases ever granted (the fencing sequence).", value=lock_grants())
        yield GaugeMetricFamily("prima_locks_held", "Leases held now.", value=Lock.objects.held().count())
        yield _gauge("prima_ratelimit_allowed_recent", "Hits allowed per named limit within the longest named window.",
                     recent_allowed_by_limit(), ["limit"])
        yield _gauge("prima_webhook_events", "Webhook events by kind and state.",
                     WebhookEvent.objects.order_by().values("kind", "state").annotate(n=Count("id")), ["kind", "state"])
        yield _gauge("prima_webhook_events_not_ours", "Webhook events in the last 7 days ignored because they named "
                     "a number that was never ours (a reply nobody read: is a number of ours missing from "
                     "FONNTE_DEVICES or the devices?).",
                     _not_ours_by_kind(), ["kind"])
        yield GaugeMetricFamily("prima_webhook_deliveries_refused", "Cloud API webhook deliveries in the last 7 days "
                                "refused for a missing or wrong signature (never stored).",
                                value=RefusedDelivery.objects.since(database_now() - NOT_OURS_WINDOW))
        paused = GaugeMetricFamily("prima_sending_paused", "1 while a sender is paused (device disconnected, token, "
                                   "account or quota refused).", labels=["sender"])
        for scope in pauses_in_force():
            paused.add_metric([mask_phones(scope)], 1)
        yield paused
        backends = GaugeMetricFamily("prima_backend_problem", "1 while a WhatsApp or email backend reaches nobody: "
                                     "it cannot be built, or only prints or keeps messages (allowed=\"true\": a demo "
                                     "allowed by ALLOW_DEMO_BACKENDS).", labels=["channel", "setting", "allowed"])
        for problem in backend_problems():
            backends.add_metric([problem.channel, problem.setting, str(problem.allowed).lower()], 1)
        yield backends
        yield GaugeMetricFamily("prima_schedule_problems", "Schedules the scheduler cannot handle (see the health "
                                "page).", value=ReminderSchedule.objects.exclude(scheduling_problem="").count())
        devices = GaugeMetricFamily("prima_device_connected", "1 while the Fonnte device is connected.", labels=["device"])
        quotas = GaugeMetricFamily("prima_device_quota_remaining", "Messages the Fonnte device may still send, "
                                   "from Fonnte's last /send answer (it stops sending at zero).", labels=["device"])
        for device, connected, remaining in DeviceState.objects.values_list("device", "connected", "quota_remaining"):
            devices.add_metric([device], int(connected))
            if remaining is not None:
                quotas.add_metric([device], remaining)
        yield devices
        yield quotas
        yield GaugeMetricFamily("prima_device_quota_alert_below", "FONNTE_QUOTA_ALERT_BELOW: a device with less "
                                "quota than this is flagged.", value=settings.FONNTE_QUOTA_ALERT_BELOW)


def registry() -> CollectorRegistry:
    """A registry of our own: process metrics of whichever worker answers would mislead."""
    metrics = CollectorRegistry(auto_describe=False)
    metrics.register(DatabaseCollector())
    return metrics
