"""What `manage.py check` adds to Django's checks: the database answers, and SECRET_KEY is set.

Django's own checks never connect to the database and only warn (with --deploy) about an empty
SECRET_KEY, so a deployment that cannot work passed `check` with "no issues". These two are
registered by PRIMA's `check` command (monitoring/management/commands/check.py), not at
start-up: every other command that runs checks (migrate first) keeps its own one-line database
error (prima/cli.py) instead of a list of check errors.
"""
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections

from prima.cli import first_line


def database_answers(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A query on each configured database's connection."""
    errors = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            errors.append(checks.Error(
                f"Cannot reach the database named by DATABASE_URL ({first_line(exc)})",
                hint="Check DATABASE_URL's host, port, user, password and database name, and that PostgreSQL runs.",
                id="prima.E001",
            ))
    return errors


def secret_key_is_set(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Without it the web server and the senders refuse to start: say so before they do."""
    try:
        settings.SECRET_KEY
    except ImproperlyConfigured:
        return [checks.Error(
            "SECRET_KEY is empty and DEBUG is off: the web server and the senders refuse to start without it.",
            hint="Set SECRET_KEY to 50 or more random characters, the same in every process "
                 "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))').",
            id="prima.E002",
        )]
    return []
