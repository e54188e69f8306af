from django.core.management.base import BaseCommand
from django.utils import timezone

from reminders.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create demo volunteers, verified patients and medication schedules due in the next "
        "few minutes. Safe to run again: it refreshes the same rows instead of adding more."
    )

    def handle(self, *args, **options) -> None:
        summary = seed_demo(timezone.now())
        self.stdout.write(
            f"Demo data ready: {summary.volunteers} volunteers, {summary.patients} patients, "
            f"{summary.schedules} schedules due within minutes."
        )
