"""The Celery app: optional scale-out for sending (docs/operations.md).

Configured from Django settings under the `CELERY_` namespace. Creating it connects to
nothing, so importing it without a broker (the default deployment, where
`send_reminders --loop` does the work) costs nothing and needs no Redis.

A worker or beat that could not really send (no SECRET_KEY, a WhatsApp backend that cannot be
built, a backend that only prints while ALLOW_DEMO_BACKENDS is off) stops at start with one line
and exit status 2, instead of claiming messages it would strand SENDING with a traceback a minute.
"""
import logging
import os
import sys

from celery import Celery, signals
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")

app = Celery("prima")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def refuse_to_pretend(program: str) -> None:
    """Exit now, in one line, when this process must not start (reminders/outbox/readiness.py).
    Django is set up by then: Celery's Django fixup runs before these signals."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from prima.cli import first_line
    from reminders.scheduler import check_sender_may_start

    try:
        check_sender_may_start(program)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"{program}: configuration error: {first_line(exc)}\n")
        sys.stderr.flush()
        raise SystemExit(2) from None
    except DatabaseError as exc:  # the database may come back; tasks stay safe (they build the backend first)
        logger.warning("%s: cannot check the WhatsApp backend yet, the database does not answer (%s)",
                       program, first_line(exc))


@signals.celeryd_init.connect
def _worker_refuses_to_pretend(**kwargs) -> None:
    """Before the worker's banner and its pool: nothing is consumed yet."""
    refuse_to_pretend("celery worker")


class Scheduler(PersistentScheduler):
    """Beat's scheduler (CELERY_BEAT_SCHEDULER): Celery's own, refusing to start a beat that
    could not really send. Beat makes it before printing its banner and setting up logging, so
    the refusal is the one line on stderr, and nothing is published."""

    def __init__(self, *args, **kwargs) -> None:
        refuse_to_pretend("celery beat")
        super().__init__(*args, **kwargs)
