"""One scheduler cycle, shared by `send_reminders` and the Celery tasks (reminders/tasks.py):
create the doses due, close the overdue, then drain the outbox."""
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.utils.module_loading import import_string

from prima.clock import DatabaseNow, database_now
from reminders.backends import BaseWhatsAppBackend
from reminders.conversation.check_ins import ask_due_check_ins
from reminders.conversation.consent import expire_verifications
from reminders.workspace.escalations import raise_escalations
from reminders.workspace.pauses import resume_ended_pauses
from reminders.doses.materialise import close_overdue_doses, create_due_doses, schedule_edited
from reminders.health import record_tick, record_tick_failure
from reminders.models import Message, ReminderSchedule, SendingPause
from reminders.outbox.devices import release_held_notices
from reminders.outbox.notifications import settle_ended_alerts
from reminders.outbox.pauses import lift_stale_pauses, pauses_in_force
from reminders.outbox.readiness import check_can_send
from reminders.outbox.sending import Outcome, Skip, claim_due_messages, requeue_stale_leases, send_claimed

logger = logging.getLogger(__name__)

TICK_LOCK = "send_reminders:tick"


def tick() -> Counter:
    """The once-per-cycle work; callers hold the tick lock so only one process does it.

    Each step is isolated: a bad row is skipped and reported by the step itself, and a step
    that fails as a whole is logged, counted and recorded for the health page, never allowed
    to stop the others (nor the drain, which callers run whatever the tick did).
    Housekeeping of other apps (settings.HOUSEKEEPING_TASKS: webhook retries, expired
    locks) runs here too, named by dotted path so this app does not depend on them.
    """
    now = database_now()
    stats: Counter = Counter()
    failures = []
    steps = [
        ("patients' pauses ended", lambda: Counter(pauses_ended=resume_ended_pauses(now))),
        ("schedule edits", lambda: schedule_edited(now)),
        ("due doses", lambda: create_due_doses(now)),
        ("overdue doses", lambda: Counter(missed=close_overdue_doses(now))),
        ("verifications", lambda: Counter(verifications_expired=expire_verifications(now))),
        ("pauses", lambda: Counter(pauses_lifted=lift_stale_pauses())),
        ("notices of a new number", lambda: Counter(notices_released=release_held_notices())),
        ("weekly check-ins", lambda: ask_due_check_ins(now)),
        ("staff alerts", lambda: Counter(alerts_settled=settle_ended_alerts())),
        ("escalations", lambda: raise_escalations(now)),
    ]
    for name, step in steps:
        try:
            stats.update(step())
        except Exception as exc:
            logger.exception("tick step %r failed", name)
            stats["tick_errors"] += 1
            failures.append(f"{name}: {exc.__class__.__name__}: {exc}")
    stats.update(run_housekeeping())
    if failures:
        record_tick_failure("; ".join(failures))
    else:
        record_tick()  # /healthz and the health page watch this
    return stats


def check_sender_may_start(program: str) -> None:
    """Refuse to start a sender (`send_reminders`, a Celery worker or beat) that could not really
    send: ImproperlyConfigured in one line, also recorded for the health page, where the stale
    tick would otherwise be the only sign. A DatabaseError (devices unknown yet) is the caller's."""
    try:
        check_can_send()
    except ImproperlyConfigured as exc:
        try:
            record_tick_failure(f"{program} refused to start: {exc}")
        except DatabaseError:  # not reachable or not migrated: the one line is all we can do
            pass
        raise


def run_housekeeping() -> Counter:
    """Run settings.HOUSEKEEPING_TASKS; a failing chore is logged and counted, never raised,
    so it cannot stop reminders from going out."""
    stats: Counter = Counter()
    for path in settings.HOUSEKEEPING_TASKS:
        try:
            import_string(path)()
        except Exception:
            logger.exception("housekeeping task %s failed", path)
            stats["housekeeping_errors"] += 1
    return stats


def drain(
    backend: BaseWhatsAppBackend,
    *,
    batch_size: int,
    deadline: float,
    should_stop: Callable[[], bool],
    on_progress: Callable[[Counter], None] | None = None,
) -> Counter:
    """Send due messages in claimed batches until none are due, the deadline passes
    (time.monotonic()), or `should_stop()` says so; claims not yet sent are given back.

    A batch goes out in chunks of SEND_CONCURRENCY calls in flight at once (threads: the calls
    are I/O, and only the HTTP call runs in those threads; a recorder thread records them). Stopping waits for the
    chunk in flight and gives back the rest.
    """
    stats: Counter = Counter()
    stats["requeued"] += requeue_stale_leases()
    with ThreadPoolExecutor(max_workers=settings.SEND_CONCURRENCY, thread_name_prefix="send") as pool:
        while not should_stop() and time.monotonic() < deadline:
            batch = claim_due_messages(batch_size)
            stats.update(batch.skipped)
            if not batch.claims:
                break
            stats.update(send_claimed(batch.claims, backend, pool, deadline=deadline, should_stop=should_stop))
            if on_progress:
                on_progress(stats)
    return stats


def sending_blocked(stats: Counter) -> list[SendingPause]:
    """The pauses that kept a run from sending anything while messages wait on them: the
    operator must hear of it (a non-zero exit, the health page, /healthz)."""
    if stats[Outcome.SENT]:
        return []
    held = Message.objects.filter(status=Message.Status.QUEUED, held_by_pause=True)
    pauses = list(pauses_in_force().values())
    return pauses if pauses and (stats[Outcome.PAUSED] or held.exists()) else []


@dataclass(frozen=True)
class DueWork:
    schedules: int
    messages: int


def count_due_work() -> DueWork:
    """What a send run would do now, without doing it (`send_reminders --dry-run`)."""
    now = database_now()
    schedules = ReminderSchedule.objects.needing_scheduling() | ReminderSchedule.objects.due(now)
    messages = Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=DatabaseNow())
    return DueWork(schedules=schedules.count(), messages=messages.count())


SUMMARY_FIELDS = ["materialised", "missed", Outcome.SENT, Outcome.DEFERRED, Outcome.RETRIED, Outcome.FAILED]
SUMMARY_SKIPS = [Skip.ALREADY_SENT, Skip.ALREADY_CLAIMED, Skip.CANCELLED, Skip.OPTED_OUT]


def summary_line(stats: Counter) -> str:
    """One line an operator can grep: the headline counts, skips by reason, then the rare rest."""
    line = " ".join(f"{name}={stats[name]}" for name in SUMMARY_FIELDS)
    skips = SUMMARY_SKIPS + [skip for skip in Skip if skip not in SUMMARY_SKIPS and stats[skip]]
    line += " skipped: " + " ".join(f"{name}={stats[name]}" for name in skips)
    rest = sorted(name for name in stats if stats[name] and name not in SUMMARY_FIELDS and name not in set(Skip))
    if rest:
        line += " other: " + " ".join(f"{name}={stats[name]}" for name in rest)
    return line
