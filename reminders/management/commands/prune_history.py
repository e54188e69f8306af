import time

from django.core.management.base import BaseCommand, CommandError

from prima.retention import BATCH_SIZE, Pruned, count, prunables, prune

PROGRESS_EVERY_SECONDS = 2.0


class Command(BaseCommand):
    help = (
        "Delete history older than the retention settings (RETENTION_MESSAGES_DAYS, RETENTION_REPLIES_DAYS, "
        "RETENTION_WEBHOOK_EVENTS_DAYS, RETENTION_RATE_LIMIT_EVENTS_SECONDS): ended messages, handled replies, "
        "processed webhook events, rate-limit events too old to count. Never a dose, nor anything still in "
        "flight. Deletes in small batches, each its own short transaction that skips rows others hold, so it is "
        "safe at any time, beside sending. Every tick already does a little of it; run this after lowering a "
        "retention or to work off years of history at once. Prints progress and a summary."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help=f"Rows deleted per transaction (default {BATCH_SIZE}).")
        parser.add_argument("--max-seconds", type=float, default=None,
                            help="Stop after this many seconds (default: when everything old is gone).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, batch_size: int, max_seconds: float | None, dry_run: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if max_seconds is not None and not 0 < max_seconds < float("inf"):
            raise CommandError("--max-seconds must be a number of seconds greater than 0")
        if dry_run:
            counts = " ".join(f"{prunable.name}={count(prunable)}" for prunable in prunables())
            self.stdout.write(f"Dry run: would delete {counts}. Nothing was deleted.")
            return
        deadline = time.monotonic() + (max_seconds or float("inf"))
        results = [prune(prunable, batch_size=batch_size, deadline=deadline, on_batch=self._progress())
                   for prunable in prunables()]
        self.stdout.write(self._summary(results))

    def _progress(self):
        last = time.monotonic()

        def report(result: Pruned) -> None:
            nonlocal last
            if result.deleted and time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                last = time.monotonic()
                self.stdout.write(f"{result.name}: {result.deleted} deleted so far, {result.batches} batch(es)")

        return report

    def _summary(self, results: list[Pruned]) -> str:
        deleted = " ".join(f"{result.name}={result.deleted}" for result in results)
        seconds = sum(result.seconds for result in results)
        longest = max((result.longest_batch for result in results), default=0.0)
        line = f"Deleted {deleted} in {seconds:.1f} s; longest batch {longest:.3f} s."
        unfinished = [f"{result.name} ({result.error or 'time is up'})" for result in results if not result.finished]
        if unfinished:
            line += f" Not finished: {', '.join(unfinished)}; run it again."
        return line
