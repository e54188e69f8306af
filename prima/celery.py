"""The Celery app: optional scale-out for sending (docs/operations.md).

Configured from Django settings under the `CELERY_` namespace. Creating it connects to
nothing, so importing it without a broker (the default deployment, where
`send_reminders --loop` does the work) costs nothing and needs no Redis.

A worker or beat that could not really send (no SECRET_KEY, a WhatsApp backend that cannot be
built, a backend that only prints while ALLOW_DEMO_BACKENDS is off) stops at start with one line
and exit status 2, instead of claiming messages it would strand SENDING with a traceback a minute.

Two more things the production shape needs from every worker and beat, wherever they run
(docs/decisions.md, "A graceful stop"):

- Beat's schedule file may sit in a folder that does not exist yet (`.data/` is made only by a
  development checkout): `Scheduler` makes it.
- A warm shutdown reaches the task in hand. Celery's warm shutdown waits for running tasks but
  tells them nothing, and its pool processes die at once on a SIGTERM of their own (the whole
  process group signalled, as systemd and container runtimes do). So a pool process turns the
  SIGUSR2 the main process sends it when its warm shutdown begins, and while a task runs its
  first SIGTERM, into `stop_requested`: `send_messages` lets the calls in flight land and be
  recorded, gives back every claimed message it has not started, and returns. A second SIGTERM
  (a cold shutdown, a hard time limit) ends the process as before.
"""
import logging
import os
import signal
import sys
import threading
from pathlib import Path

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
    could not really send (beat makes it before printing its banner and setting up logging, so
    the refusal is the one line on stderr, and nothing is published), and making the folder of
    its schedule file first."""

    def __init__(self, *args, **kwargs) -> None:
        refuse_to_pretend("celery beat")
        super().__init__(*args, **kwargs)

    def _open_schedule(self):
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open_schedule()
# Set in a pool process when the worker is stopping: the task in hand finishes what is in flight.
stop_requested = threading.Event()
# The signal the main process passes to its pool processes as its warm shutdown begins.
STOP_SIGNAL = signal.SIGUSR2


_in_pool_process = threading.Event()
_sigterm_before: list = []  # the SIGTERM handler a task's own replaced: billiard's, given back after


def _request_stop(signum: int, _frame) -> None:
    stop_requested.set()
    if signum == signal.SIGTERM:  # the next one is a cold shutdown or a time limit: as before
        signal.signal(signal.SIGTERM, _sigterm_before.pop() if _sigterm_before else signal.SIG_DFL)


@signals.worker_process_init.connect
def _listen_for_stop(**_kwargs) -> None:
    """In each pool process: the main process's word that its warm shutdown began."""
    _in_pool_process.set()
    stop_requested.clear()
    signal.signal(STOP_SIGNAL, _request_stop)


@signals.task_prerun.connect
def _take_sigterm_as_a_stop_request(**_kwargs) -> None:
    """While a task runs in a pool process, its first SIGTERM asks it to stop. Installed here,
    per task, because billiard sets its own SIGTERM handler (exit at once) after
    `worker_process_init`; between tasks that one stays, and nothing is lost by it."""
    if not _in_pool_process.is_set() or threading.current_thread() is not threading.main_thread():
        return
    # A stop asked during an earlier task, which the process outlived (a revoke's SIGTERM),
    # is stale: in a warm shutdown no new task starts.
    stop_requested.clear()
    signal.signal(STOP_SIGNAL, _request_stop)
    before = signal.signal(signal.SIGTERM, _request_stop)
    if before is not _request_stop:
        _sigterm_before[:] = [before]


@signals.task_postrun.connect
def _give_sigterm_back(**_kwargs) -> None:
    if _in_pool_process.is_set() and _sigterm_before and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm_before.pop())


_workers = []


@signals.worker_init.connect
def _remember_worker(sender, **_kwargs) -> None:
    # Until a pool process installs its own handler, the signal must not kill it.
    if threading.current_thread() is threading.main_thread():  # not a worker embedded in a thread
        signal.signal(STOP_SIGNAL, signal.SIG_IGN)
    _workers.append(sender)


@signals.worker_shutting_down.connect
def _tell_pool_processes(how: str = "", **_kwargs) -> None:
    """In the main process, as a warm shutdown begins: every pool process is told to stop."""
    if how != "Warm":
        return
    for worker in _workers:
        processes = getattr(getattr(getattr(worker, "pool", None), "_pool", None), "_pool", None) or []
        for process in processes:
            try:
                os.kill(process.pid, STOP_SIGNAL)
            except (OSError, TypeError):
                pass
