from django.core.management.base import BaseCommand

from webhooks.services import process_pending_events


class Command(BaseCommand):
    help = (
        "Retry webhook events that were stored but not processed (RECEIVED) or failed (FAILED), "
        "up to WEBHOOK_MAX_ATTEMPTS each; statuses for messages still unknown after "
        "WEBHOOK_STATUS_PATIENCE_MINUTES are ignored. Safe to run from several processes at once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="Events to retry in this run (default 500).")

    def handle(self, *args, limit: int, **options) -> None:
        counts = process_pending_events(limit=limit)
        summary = " ".join(f"{state.lower()}={count}" for state, count in sorted(counts.items()))
        self.stdout.write(f"Webhook events retried: {summary}")
