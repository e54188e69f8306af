from django.core.management.base import BaseCommand

from locks.services import cleanup_expired_locks


class Command(BaseCommand):
    help = (
        "Delete expired locks (leases whose holder neither released nor renewed them in time). "
        "Held locks are never touched. Safe to run at any time, from cron or by hand."
    )

    def handle(self, *args, **options) -> None:
        removed = cleanup_expired_locks()
        self.stdout.write(f"Removed {removed} expired lock(s).")
