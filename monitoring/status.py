"""One snapshot of how PRIMA is doing, for the health page and `manage.py prima_status`."""
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count
from django.utils import timezone

from locks.models import Lock
from ratelimit.services import KeyUsage, current_usage
from reminders.health import QueueDepth, RecentSends, last_tick_failure, queue_depth, recent_sends, tick_age
from reminders.models import DeviceState, PatientReply, ReminderSchedule, SendingPause
from reminders.outbox.cloud_api import TemplateHold, template_holds
from reminders.outbox.notifications import untold_emergencies
from reminders.outbox.pauses import pauses_in_force
from reminders.outbox.readiness import BackendProblem, email_problem, whatsapp_problem
from reminders.phones import mask_phones
from webhooks.models import RefusedDelivery, WebhookEvent

BUSIEST_KEYS = 10
PROBLEMS_SHOWN = 20
# How far back the webhooks that named a number not ours are counted.
NOT_OURS_WINDOW = timedelta(days=7)
NOT_OURS_NUMBERS_SHOWN = 5


@dataclass(frozen=True)
class NotOurs:
    """Webhook events ignored in NOT_OURS_WINDOW because they named a number that was never
    ours: replies (a patient writing to a number we forgot is ours) and the rest (statuses,
    device states), with the numbers they named, the most frequent first."""

    replies: int = 0
    other: int = 0
    numbers: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.replies + self.other


def not_ours(now: datetime) -> NotOurs:
    """One query over the recent events (the received_at index)."""
    rows = (WebhookEvent.objects.not_ours(now - NOT_OURS_WINDOW).order_by()
            .values("kind", "payload__device", "payload__phone_number_id").annotate(n=Count("id")))
    replies = other = 0
    by_number: Counter = Counter()
    for row in rows:
        if row["kind"] in (WebhookEvent.Kind.INCOMING, WebhookEvent.Kind.CLOUD_MESSAGE):
            replies += row["n"]
        else:
            other += row["n"]
        # A Cloud API event names its number by Meta's phone-number id.
        by_number[str(row["payload__device"] or row["payload__phone_number_id"] or "?")] += row["n"]
    return NotOurs(replies, other, tuple(number for number, _n in by_number.most_common(NOT_OURS_NUMBERS_SHOWN)))


def stuck_line(count: int) -> str:
    """Messages stuck past their lease, for operators (prima_status, /healthz)."""
    return (f"{count} message(s) stuck past their lease: the worker that claimed them stopped "
            "(is a Celery worker, or send_reminders, running and able to send?)")


@dataclass(frozen=True)
class Health:
    """Is the scheduler ticking, can messages really go out (a backend that reaches people,
    no pause, nothing stuck past its lease), is a device down or short of quota: the system in
    one line (the coordinators' today page), and the top of the health page."""

    tick_age: timedelta | None
    sending_pauses: list[SendingPause]
    devices: list[DeviceState]
    whatsapp_problem: BackendProblem | None
    email_problem: BackendProblem | None
    stale_leases: int
    waiting_for_template: int  # Cloud API messages held: no approved template, or Meta refused it

    @property
    def tick_is_fresh(self) -> bool:
        return tick_is_fresh(self.tick_age)

    @property
    def disconnected_devices(self) -> list[DeviceState]:
        return [device for device in self.devices if not device.connected]

    @property
    def low_quota_devices(self) -> list[DeviceState]:
        return [device for device in self.devices if device.quota_is_low]

    @property
    def quota_alert_below(self) -> int:
        return settings.FONNTE_QUOTA_ALERT_BELOW

    @property
    def backends_refused(self) -> list[BackendProblem]:
        """Backends that reach nobody and are not allowed for a demo: /healthz answers 503."""
        return [problem for problem in (self.whatsapp_problem, self.email_problem) if problem and not problem.allowed]

    @property
    def not_sending(self) -> list[str]:
        """What, besides a pause, keeps WhatsApp messages from patients; one English line each."""
        lines = [str(self.whatsapp_problem)] if self.whatsapp_problem else []
        return lines + [stuck_line(self.stale_leases)] if self.stale_leases else lines

    @property
    def is_ok(self) -> bool:
        return self.tick_is_fresh and not self.sending_pauses and not self.disconnected_devices and not (
            self.low_quota_devices) and not self.whatsapp_problem and not self.email_problem and not (
            self.stale_leases) and not self.waiting_for_template


@dataclass(frozen=True)
class SystemStatus(Health):
    now: datetime
    queue: QueueDepth
    last_hour: RecentSends
    held_locks: list[Lock]
    busiest_keys: list[KeyUsage]
    webhooks_failed: int
    webhooks_unprocessed: int
    replies_waiting: int
    untold_emergencies: int
    webhooks_not_ours: NotOurs
    webhooks_refused: int
    schedule_problems: int
    problem_schedules: list[ReminderSchedule]
    tick_failure: tuple[datetime, str] | None
    template_holds: list[TemplateHold]

    @property
    def lateness(self) -> timedelta:
        return self.queue.lateness(self.now)


def tick_is_fresh(age: timedelta | None) -> bool:
    return age is not None and age.total_seconds() <= settings.HEALTHZ_MAX_TICK_AGE_SECONDS


def busiest_keys(limit: int = BUSIEST_KEYS) -> list[KeyUsage]:
    """The rate-limit keys with the most hits in the longest named window, phone numbers in
    them masked: the status is printed to terminals and logs."""
    busiest = sorted(current_usage(), key=lambda usage: usage.recent_hits, reverse=True)[:limit]
    return [replace(usage, key=mask_phones(usage.key)) for usage in busiest]


def health_line() -> Health:
    """Four queries: the heartbeat, the pause, the devices, the stale leases (and the devices'
    existence while the Fonnte backend cannot be built)."""
    queue = queue_depth()
    return Health(tick_age=tick_age(), sending_pauses=list(pauses_in_force().values()),
                  devices=list(DeviceState.objects.order_by("device")), whatsapp_problem=whatsapp_problem(),
                  email_problem=email_problem(), stale_leases=queue.stale_leases,
                  waiting_for_template=queue.waiting_for_template)


def system_status() -> SystemStatus:
    now = timezone.now()
    webhook_states = WebhookEvent.State
    problems = ReminderSchedule.objects.exclude(scheduling_problem="")
    queue = queue_depth()
    return SystemStatus(
        now=now,
        queue=queue,
        stale_leases=queue.stale_leases,
        waiting_for_template=queue.waiting_for_template,
        template_holds=template_holds(),
        whatsapp_problem=whatsapp_problem(),
        email_problem=email_problem(),
        last_hour=recent_sends(now - timedelta(hours=1)),
        held_locks=list(Lock.objects.held().with_remaining()),
        busiest_keys=busiest_keys(),
        webhooks_failed=WebhookEvent.objects.filter(state=webhook_states.FAILED).count(),
        webhooks_unprocessed=WebhookEvent.objects.filter(state=webhook_states.RECEIVED).count(),
        replies_waiting=PatientReply.objects.needing_attention().count(),
        devices=list(DeviceState.objects.order_by("device")),
        tick_age=tick_age(now),
        sending_pauses=list(pauses_in_force().values()),
        untold_emergencies=untold_emergencies(now - timedelta(days=7)).count(),
        webhooks_not_ours=not_ours(now),
        webhooks_refused=RefusedDelivery.objects.since(now - NOT_OURS_WINDOW),
        schedule_problems=problems.count(),
        problem_schedules=list(problems.select_related("patient").order_by("id")[:PROBLEMS_SHOWN]),
        tick_failure=last_tick_failure(),
    )


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False
