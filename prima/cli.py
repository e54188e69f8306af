"""Turn configuration and database-connection mistakes into one readable line.

A volunteer or operator who mistypes DATABASE_URL should read what is wrong, not a
forty-line traceback; everything else (real bugs) still raises normally.
"""
import sys

from django.core.exceptions import ImproperlyConfigured


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def execute_or_explain(argv: list[str]) -> None:
    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

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
