"""Turn configuration mistakes, an unreachable database and an unmigrated one into one
readable line.

A volunteer or operator who mistypes DATABASE_URL should read what is wrong, not a
forty-line traceback; everything else (real bugs) still raises normally.
"""
import os
import sys

from django.core.exceptions import ImproperlyConfigured


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def settings_or_exit(status: int) -> None:
    """For servers (gunicorn, prima/wsgi.py): load the settings and read SECRET_KEY, which
    signing needs on the first request; a mistake becomes one line on stderr and exit `status`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
    from django.conf import settings

    try:
        settings.SECRET_KEY
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {first_line(exc)}\n")
        sys.stderr.flush()
        raise SystemExit(status) from None


def needs_migrating() -> bool:
    """Whether the database lacks migrations: then a missing table or column is the cause of
    a ProgrammingError, not a bug in the command."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        return False


def execute_or_explain(argv: list[str]) -> None:
    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    try:
        # Load settings here: Django's own loader swallows a first ImproperlyConfigured
        # and fails later with a confusing AppRegistryNotReady instead.
        settings.INSTALLED_APPS
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {first_line(exc)}\n")
        sys.exit(2)
    except OperationalError as exc:
        sys.stderr.write(
            "Database error: cannot reach the database named by DATABASE_URL "
            f"({first_line(exc)})\n"
        )
        sys.exit(3)
    except ProgrammingError:
        # `migrate` failing is a broken migration: telling its user to migrate would not help.
        if argv[1:2] == ["migrate"] or not needs_migrating():
            raise
        sys.stderr.write("Database error: the database is not migrated: run manage.py migrate\n")
        sys.exit(3)
