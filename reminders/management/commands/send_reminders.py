import logging
import signal
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, OperationalError, ProgrammingError, connections

from locks.services import acquire_lock, release_lock
from prima.cli import first_line
from reminders.backends import get_backend
from reminders.scheduler import (
    TICK_LOCK, check_sender_may_start, count_due_work, drain, sending_blocked, summary_line, tick,
)

PROGRESS_EVERY_SECONDS = 5.0
MAX_RECONNECT_PAUSE = 30.0
# The tick itself takes seconds; a short lease means a crashed loop delays the next tick little.
LOOP_TICK_LEASE_SECONDS = 60

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send due WhatsApp reminders. Once (for cron, every minute): take the tick lock or exit "
        "quietly if another run holds it, turn due schedules into reminders, mark unanswered ones "
        "missed, ask the weekly check-ins due, raise escalations (and pass unhandled ones to the "
        "coordinators), then send due messages until none are left or --max-seconds passes. With --loop, "
        "keep doing that every --interval seconds (the scheduler `make run` starts); several loops "
        "may run at once. Ends with a one-line summary."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running until stopped (SIGTERM/Ctrl-C).")
        parser.add_argument("--batch-size", type=int, default=50, help="Messages claimed at a time (default 50).")
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=None,
            help="Stop sending after this many seconds (default 55 for one run, no limit with --loop).",
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="With --loop: seconds between cycles (default 5)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what is due; change and send nothing.")

    def handle(self, *args, loop: bool, batch_size: int, max_seconds: float | None, interval: float,
               dry_run: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if max_seconds is not None and not 0 < max_seconds < float("inf"):
            raise CommandError("--max-seconds must be a number of seconds greater than 0")
        if not 0 < interval < float("inf"):
            raise CommandError("--interval must be a number of seconds greater than 0")
        # Device tokens are decrypted with it: without one, stop now with one line, before any claim.
        settings.SECRET_KEY
        if dry_run:
            due = count_due_work()
            self.stdout.write(
                f"Dry run: {due.schedules} schedule(s) with a dose due or an edit to work out, "
                f"{due.messages} message(s) due now. Nothing was changed or sent."
            )
            return
        # A backend that only prints, or cannot be built, stops us now in one line: not after
        # claiming messages, nor reporting "sent" for messages that reached nobody.
        check_sender_may_start("send_reminders")
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        backend = get_backend()
        if max_seconds is None:
            max_seconds = float("inf") if loop else 55.0
        deadline = time.monotonic() + max_seconds
        stats = self._run_loop(backend, batch_size, deadline, interval) if loop else self._run_once(
            backend, batch_size, deadline, max_seconds
        )
        if stats is None:
            return
        self.stdout.write(summary_line(stats))
        pauses = [] if loop else sending_blocked(stats)
        if pauses:
            why = "; ".join(pause.reason if len(pauses) == 1 else f"{pause.scope}: {pause.reason}" for pause in pauses)
            raise CommandError(f"Sending is paused: {why}. No message could be sent; they wait, nothing is "
                               "lost. Fix the cause (the token, the device, the quota); one send is tried again "
                               "every SENDING_PAUSE_PROBE_SECONDS.")

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _run_once(self, backend, batch_size: int, deadline: float, max_seconds: float) -> Counter | None:
        lease = acquire_lock(TICK_LOCK, ttl=max_seconds + 120)
        if lease is None:
            self.stdout.write("Another send_reminders run holds the tick lock; nothing to do.")
            return None
        try:
            stats = self._tick()
            stats.update(self._drain(backend, batch_size, deadline))
        finally:
            release_lock(lease)
        return stats

    def _tick(self) -> Counter:
        """The tick, isolated: whatever fails in it, the drain still runs (emergency answers
        and replies already queued must go out). A lost connection is the loop's to handle."""
        try:
            return tick()
        except OperationalError:
            raise
        except Exception:
            logger.exception("tick failed; sending what is already queued")
            return Counter(tick_errors=1)

    def _run_loop(self, backend, batch_size: int, deadline: float, interval: float) -> Counter:
        """Cycle until stopped. A lost database connection (a restart, a failover) is logged
        and retried with backoff instead of ending the loop."""
        stats: Counter = Counter()
        failures = 0
        while not self.stopping and time.monotonic() < deadline:
            try:
                stats.update(self._cycle(backend, batch_size, deadline))
                failures, pause = 0, interval
            except ProgrammingError:
                raise  # the schema does not match the code (a deploy half done): stop, don't spin
            except DatabaseError as exc:
                failures += 1
                pause = min(MAX_RECONNECT_PAUSE, 2 ** (failures - 1))
                stats["database_errors"] += 1
                # Connection errors say what is wrong; other database errors may quote row data.
                reason = first_line(exc) if isinstance(exc, OperationalError) else exc.__class__.__name__
                logger.error("database unavailable (%s); reconnecting in %.0fs", reason, pause)
                connections.close_all()
            except Exception:  # a bug in one cycle must not stop every later reminder
                failures += 1
                pause = min(MAX_RECONNECT_PAUSE, 2 ** (failures - 1))
                stats["cycle_errors"] += 1
                logger.exception("send cycle failed; trying again in %.0fs", pause)
            pause_until = min(deadline, time.monotonic() + pause)
            while not self.stopping and time.monotonic() < pause_until:
                time.sleep(min(0.2, pause))
        return stats

    def _cycle(self, backend, batch_size: int, deadline: float) -> Counter:
        stats: Counter = Counter()
        lease = acquire_lock(TICK_LOCK, ttl=LOOP_TICK_LEASE_SECONDS)
        if lease is not None:
            try:
                stats.update(self._tick())
            finally:
                release_lock(lease)
        stats.update(self._drain(backend, batch_size, deadline))
        return stats

    def _drain(self, backend, batch_size: int, deadline: float) -> Counter:
        self.last_progress = time.monotonic()  # progress lines only for drains that take a while
        return drain(
            backend,
            batch_size=batch_size,
            deadline=deadline,
            should_stop=lambda: self.stopping,
            on_progress=self._progress,
        )

    def _progress(self, stats: Counter) -> None:
        if time.monotonic() - self.last_progress >= PROGRESS_EVERY_SECONDS:
            self.last_progress = time.monotonic()
            self.stdout.write(f"... {summary_line(stats)}")
