from django.core.management.base import BaseCommand, CommandError

from ratelimit.services import default_retention, prune


class Command(BaseCommand):
    help = (
        "Delete rate-limit events too old to count against any limit, and print how many were "
        "removed. Run it every few minutes (cron or Celery beat); it is safe to run at any time "
        "and concurrently with sending."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            metavar="SECONDS",
            help=(
                "Remove events older than this many seconds (default: twice the longest window in "
                "settings.RATE_LIMITS, now %(default_retention)g). Raise it if code calls "
                "ratelimit.services.hit() directly with a longer window."
            )
            % {"default_retention": default_retention()},
        )

    def handle(self, *args, older_than: float | None, **options) -> None:
        seconds = default_retention() if older_than is None else older_than
        if seconds <= 0:
            raise CommandError(f"--older-than must be greater than 0, not {seconds:g}")
        removed = prune(seconds)
        self.stdout.write(f"Removed {removed} rate-limit event(s) older than {seconds:g} seconds.")
