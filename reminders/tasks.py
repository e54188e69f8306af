"""Celery tasks: thin, taking ids, deciding nothing the database has not decided.

Each task claims its work in PostgreSQL (a message lease, the tick lock), so one that is
duplicated, redelivered after its worker died, or lost changes nothing twice; the periodic
tick and sweep find whatever a lost task left behind. The return values are short outcomes
for the worker's log.
"""
import functools
import time
from concurrent.futures import ThreadPoolExecutor

from celery import shared_task
from django.conf import settings

from locks.services import acquire_lock, release_lock
from reminders import scheduler
from reminders.backends import get_backend
from reminders.outbox.dispatch import enqueue_due_messages
from reminders.outbox.sending import (
    Skip, claim_due_messages, claim_message, deliver, requeue_stale_leases, send_claimed,
)
from prima.celery import stop_requested
from prima.clock import database_now
from reminders.doses.materialise import close_overdue_doses


@shared_task
def tick() -> dict[str, int] | str:
    """Beat's cycle: materialise, housekeep, publish due messages; skipped while another tick
    (or a `send_reminders` run) holds the tick lock, since that one is doing the same."""
    # The hard time limit kills a stuck tick; the lock outlives it briefly, then frees itself.
    lease = acquire_lock(scheduler.TICK_LOCK, ttl=settings.CELERY_TASK_TIME_LIMIT + 10)
    if lease is None:
        return "skipped: another tick holds the lock"
    try:
        stats = scheduler.tick()
    finally:  # whatever the tick did, what is due (emergency answers first) is published
        try:
            enqueued = enqueue_due_messages()
        finally:
            release_lock(lease)
    stats["enqueued"] = enqueued
    return dict(stats)


@shared_task
def send_message(message_id: int) -> str:
    """Claim and send one message handed over as its transaction commits (a reply, an
    emergency answer); a duplicate task gets the skip reason and does nothing. The backend is
    built before the claim: one that cannot be built must not leave the message SENDING."""
    backend = get_backend()
    claimed = claim_message(message_id)
    if isinstance(claimed, Skip):
        return str(claimed)
    return str(deliver(claimed, backend))


@functools.cache
def _send_pool() -> ThreadPoolExecutor:
    """This worker process's threads for the calls in flight, made on first use (after the fork)."""
    return ThreadPoolExecutor(max_workers=settings.SEND_CONCURRENCY, thread_name_prefix="send")


def _send_budget() -> float:
    """Seconds a task may start chunks for: its last chunk (the slowest send at most) then
    still ends before the soft time limit, and well inside the leases."""
    slowest_send = settings.FONNTE_CONNECT_TIMEOUT + settings.FONNTE_READ_TIMEOUT
    return settings.CELERY_TASK_SOFT_TIME_LIMIT - slowest_send


@shared_task
def send_messages(message_ids: list[int]) -> str:
    """The tick's batch: claim those of the named messages still due and send them,
    SEND_CONCURRENCY in flight; a duplicate task finds them taken or sent and does nothing.
    When the worker is stopping (`stop_requested`), the calls in flight land and are recorded
    and the claims not started are given back at once, for the next worker."""
    backend = get_backend()  # before the claim, as in send_message
    batch = claim_due_messages(len(message_ids), among=message_ids)
    stats = batch.skipped + send_claimed(batch.claims, backend, _send_pool(),
                                         deadline=time.monotonic() + _send_budget(),
                                         should_stop=stop_requested.is_set)
    stats["not_claimed"] = len(message_ids) - len(batch.claims) - batch.skipped.total()
    return scheduler.summary_line(stats)


@shared_task
def sweep() -> dict[str, int]:
    """Recover what crashed work left behind: messages whose worker died mid-send go back to
    the queue (the next tick publishes them), webhook events are retried, expired locks and
    rate-limit events too old to count are deleted. Needs no lock: each step is idempotent."""
    stats = scheduler.run_housekeeping()
    stats["requeued"] = requeue_stale_leases()
    return dict(stats)


@shared_task
def mark_missed() -> int:
    """Close doses past their time. The tick does it too; this runs without the tick lock, so
    doses close on time while a long `send_reminders` run holds it."""
    return close_overdue_doses(database_now())
