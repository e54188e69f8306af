from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from locks.models import Lock

COLUMNS = ["KEY", "HOLDER", "FENCE", "ACQUIRED", "EXPIRES", "STATE"]


def describe_remaining(seconds: float) -> str:
    """'in 12s' or '3m 05s ago': how far expiry is from now, by the database clock."""
    total = round(abs(seconds))
    if total < 60:
        span = f"{total}s"
    elif total < 3600:
        span = f"{total // 60}m {total % 60:02d}s"
    else:
        span = f"{total // 3600}h {total % 3600 // 60:02d}m"
    return f"in {span}" if seconds > 0 else f"{span} ago"


class Command(BaseCommand):
    help = (
        "List the locks as a table: key, holder (host:pid), fencing token, when acquired, when "
        "it expires or expired, and whether it is held or expired (by the database clock). "
        "With --release KEY, force-release one lock after asking for confirmation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--release",
            metavar="KEY",
            help="Force-release the lock named KEY, whoever holds it. A holder that is still "
            "running keeps working but fails its next guarded write (LockLost).",
        )
        parser.add_argument(
            "--yes",
            "--no-input",
            "--noinput",
            dest="interactive",
            action="store_false",
            help="With --release: do not ask for confirmation.",
        )

    def handle(self, *args, release: str | None, interactive: bool, **options) -> None:
        if release is None:
            self.list_locks()
        else:
            self.release(release, interactive)

    def list_locks(self) -> None:
        locks = list(Lock.objects.with_remaining())
        if not locks:
            self.stdout.write("No locks.")
            return
        rows = [COLUMNS] + [
            [
                lock.key,
                lock.holder,
                str(lock.fence),
                f"{timezone.localtime(lock.acquired_at):%Y-%m-%d %H:%M:%S}",
                describe_remaining(lock.remaining.total_seconds()),
                "held" if lock.remaining.total_seconds() > 0 else "expired",
            ]
            for lock in locks
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip())

    def release(self, key: str, interactive: bool) -> None:
        lock = Lock.objects.with_remaining().filter(key=key).first()
        if lock is None:
            raise CommandError(f"There is no lock named {key!r}; run 'manage.py locks' to list them.")
        if interactive and not self.confirm(lock):
            self.stdout.write("Nothing released.")
            return
        # Only the lease that was shown: one taken over since then is not ours to release.
        if not Lock.objects.filter(key=key, fence=lock.fence).release_by_force():
            raise CommandError(f"Lock {key!r} changed hands or was released meanwhile; nothing released.")
        self.stdout.write(self.style.SUCCESS(f"Released lock {key!r} (holder {lock.holder}, fence {lock.fence})."))

    def confirm(self, lock: Lock) -> bool:
        remaining = lock.remaining.total_seconds()
        state = f"{'expires' if remaining > 0 else 'expired'} {describe_remaining(remaining)}"
        question = (
            f"Force-release {lock.key!r}, held by {lock.holder} (fence {lock.fence}, {state})? "
            "Its holder may still be working. [y/N] "
        )
        try:
            answer = input(question)
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")
