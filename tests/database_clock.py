"""pytest plugin: while `time_machine` travels, the database clock travels too.

Every deadline and lease is judged in SQL by `prima.clock.CLOCK_SQL`, which reads the
session setting `prima.now` when it is set. While a test travels, each query on the test's
connection is preceded by setting it to the travelled `timezone.now()`, so SQL and Python
see the same instant and a scenario can run over days. Outside travel the setting is empty
and the database's own clock applies. A connection opened during the test by another thread
(the sender's recorder, reminders/outbox/sending.py) travels too; other processes a test
starts do not.
"""
import pytest
import time_machine
from django.db import connections
from django.db.backends.signals import connection_created
from django.utils import timezone

from prima.clock import CLOCK_SETTING

_SET_CLOCK = f"SELECT set_config('{CLOCK_SETTING}', %s, false)"


class _ClockFollower:
    """An execute wrapper for one connection."""

    def __init__(self) -> None:
        self.travelled = False

    def __call__(self, execute, sql, params, many, context):
        travelling = time_machine.escape_hatch.is_travelling()
        # Once a test travelled, keep setting it (to empty after the travel), since a
        # rolled-back savepoint can undo an earlier set_config.
        if travelling or self.travelled:
            self.travelled = True
            context["cursor"].cursor.execute(_SET_CLOCK, [timezone.now().isoformat() if travelling else ""])
        return execute(sql, params, many, context)

    def reset(self, connection) -> None:
        if self.travelled and connection.connection is not None:
            try:
                with connection.connection.cursor() as cursor:
                    cursor.execute(_SET_CLOCK, [""])
            except Exception:  # a broken connection is closed and replaced; nothing to reset
                pass


def _follow_in_other_threads(sender, connection, **kwargs) -> None:
    if not any(isinstance(wrapper, _ClockFollower) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.append(_ClockFollower())


@pytest.fixture(autouse=True)
def database_clock_follows_time_machine():
    followers = [(connection, _ClockFollower()) for connection in connections.all()]
    for connection, follower in followers:
        connection.execute_wrappers.append(follower)
    connection_created.connect(_follow_in_other_threads)
    yield
    connection_created.disconnect(_follow_in_other_threads)
    for connection, follower in followers:
        connection.execute_wrappers.remove(follower)
        follower.reset(connection)
