import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser named 'admin' with a generated password when no superuser exists "
        "yet, and print the password once. Does nothing when a superuser already exists."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin", help="Name of the user to create (default: admin).")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            self.stdout.write("An admin user exists already; log in with it (or run createsuperuser).")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created admin user '{username}' with password: {password}"))
        self.stdout.write("This password is shown only once.")
