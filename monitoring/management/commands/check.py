from django.core import checks
from django.core.management.commands import check

from prima.checks import database_answers, secret_key_is_set


class Command(check.Command):
    help = (
        "Django's system checks, and PRIMA's: the database named by DATABASE_URL answers, and SECRET_KEY "
        "is set when DEBUG is off (tag: prima). With --deploy, also the production settings: no backend "
        "that only prints or keeps messages (WhatsApp or email) unless ALLOW_DEMO_BACKENDS is on."
    )

    def handle(self, *app_labels, **options):
        # Registered here, not at start-up: other commands keep their own one-line database error.
        checks.register(database_answers, "prima")
        checks.register(secret_key_is_set, "prima", checks.Tags.security)
        return super().handle(*app_labels, **options)
