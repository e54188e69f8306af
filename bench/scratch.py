"""A throwaway database for benchmarks, so real data is never touched.

Create it, migrate it, point Django's connection at it, drop it at the end. The server's
user needs CREATEDB, as for the tests.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection, connections


def _run(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@contextmanager
def scratch_database(name: str, *apps: str) -> Iterator[None]:
    """Within the block, the default connection uses a fresh database `name` migrated for
    `apps` (all apps when none are named)."""
    original = connection.settings_dict["NAME"]
    _run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _run(f"CREATE DATABASE {name}")
    connections.close_all()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", *apps[:1], verbosity=0)
        for app in apps[1:]:
            call_command("migrate", app, verbosity=0)
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = original
        _run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.close()
