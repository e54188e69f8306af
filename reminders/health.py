"""Is the scheduler alive and is the outbox moving? Read by /healthz, the health page,
`prima_status` and /metrics (monitoring app)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from prima.clock import DatabaseNow
from reminders.models import Message, SchedulerHeartbeat
from reminders.outbox.cloud_api import held_for_template
from reminders.outbox.sending import LEASE_EXPIRED

HEARTBEAT_ID = 1


def record_tick(now: datetime | None = None) -> None:
    """Called at the end of every scheduler tick that did all its work: one row, overwritten."""
    SchedulerHeartbeat.objects.update_or_create(id=HEARTBEAT_ID, defaults={"last_tick_at": now or timezone.now()})


def record_tick_failure(reason: str) -> None:
    """A tick that could not do some of its work: the health page shows why, and a tick that
    keeps failing lets /healthz go stale."""
    SchedulerHeartbeat.objects.update_or_create(
        id=HEARTBEAT_ID, defaults={"last_failure_at": timezone.now(), "last_failure": reason[:2000]}
    )


def last_tick_failure() -> tuple[datetime, str] | None:
    """The newest failure, when it is newer than the last complete tick."""
    row = SchedulerHeartbeat.objects.filter(id=HEARTBEAT_ID).values("last_tick_at", "last_failure_at",
                                                                     "last_failure").first()
    if not row or not row["last_failure_at"]:
        return None
    if row["last_tick_at"] and row["last_tick_at"] > row["last_failure_at"]:
        return None
    return row["last_failure_at"], row["last_failure"]


def last_tick_at() -> datetime | None:
    return SchedulerHeartbeat.objects.filter(id=HEARTBEAT_ID).values_list("last_tick_at", flat=True).first()


def tick_age(now: datetime | None = None) -> timedelta | None:
    """How long ago the last tick finished; None when no tick ever ran."""
    last = last_tick_at()
    return None if last is None else (now or timezone.now()) - last


@dataclass(frozen=True)
class QueueDepth:
    due: int  # queued and due now: the next claims
    deferred: int  # queued for later: rate limit, backoff, follow-ups, device down
    stale_leases: int  # stuck past their lease: their worker stopped, and they have not been sent since
    oldest_due_at: datetime | None
    # Cloud API messages waiting for an approved template (or one Meta refused): a coordinator must act.
    waiting_for_template: int = 0

    def lateness(self, now: datetime) -> timedelta:
        """How long the oldest due message has waited past its time: the queue's lag."""
        return max(now - self.oldest_due_at, timedelta(0)) if self.oldest_due_at else timedelta(0)


def queue_depth() -> QueueDepth:
    """One query, by the database clock, served by the outbox's partial indexes.

    Stale leases are the messages SENDING past their lease, and those the sweep put back after
    one (LEASE_EXPIRED) that have not been sent since: the sweep and a failing worker's claims
    would otherwise hide them between two looks."""
    queued, sending = Q(status=Message.Status.QUEUED), Q(status=Message.Status.SENDING)
    due = queued & Q(send_after__lte=DatabaseNow())
    row = Message.objects.filter(queued | sending).aggregate(
        due=Count("id", filter=due),
        deferred=Count("id", filter=queued & Q(send_after__gt=DatabaseNow())),
        stale_leases=Count("id", filter=sending & Q(lease_expires_at__lt=DatabaseNow())
                           | Q(last_error__startswith=LEASE_EXPIRED)),
        oldest_due_at=Min("send_after", filter=due),
        waiting_for_template=Count("id", filter=queued & held_for_template()),
    )
    return QueueDepth(**row)


@dataclass(frozen=True)
class RecentSends:
    sent: int
    failed: int


def recent_sends(since: datetime) -> RecentSends:
    """Messages sent, and messages that ended FAILED, since `since`."""
    row = Message.objects.filter(Q(sent_at__gte=since) | Q(status=Message.Status.FAILED, updated_at__gte=since)).aggregate(
        sent=Count("id", filter=Q(sent_at__gte=since)),
        failed=Count("id", filter=Q(status=Message.Status.FAILED, updated_at__gte=since)),
    )
    return RecentSends(**row)
