from django.core.management.base import BaseCommand
from django.utils import timezone

from reminders.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create demo volunteers, verified patients and medication schedules due in the next "
        "few minutes. Safe to run again: it refreshes the same rows instead of adding more. The demo "
        "volunteers can log in to the admin (group `volunteer`); each one's password is printed the first "
        "time only (reset one with `manage.py changepassword relawan.ani`)."
    )

    def handle(self, *args, **options) -> None:
        summary = seed_demo(timezone.now())
        self.stdout.write(
            f"Demo data ready: {summary.volunteers} volunteers, {summary.patients} patients, "
            f"{summary.schedules} schedules due within minutes."
        )
        for username, password in summary.new_passwords.items():
            self.stdout.write(self.style.SUCCESS(f"Volunteer '{username}' can log in with password: {password}"))
        if summary.new_passwords:
            self.stdout.write("These passwords are shown only once.")
