"""Celery tasks: thin, taking ids, deciding nothing the database has not decided.

Each task claims its work in PostgreSQL (a message lease, the tick lock), so one that is
duplicated, redelivered after its worker died, or lost changes nothing twice; the periodic
tick and sweep find whatever a lost task left behind. The return values are short outcomes
for the worker's log.
"""
from celery import shared_task
from django.conf import settings

from locks.services import acquire_lock, release_lock
from reminders import scheduler
from reminders.backends import get_backend
from reminders.dispatch import enqueue_due_messages
from reminders.sending import Skip, claim_message, deliver, requeue_stale_leases
from prima.clock import database_now
from reminders.doses import close_overdue_doses


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
    """Claim and send one message; a duplicate task gets the skip reason and does nothing."""
    claimed = claim_message(message_id)
    if isinstance(claimed, Skip):
        return str(claimed)
    return str(deliver(claimed, get_backend()))


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
