"""The one clock every deadline, lease and due time is judged by: the database's.

Workers on several machines with skewed clocks must agree on whether a reminder is due, a
reply was in time or a lease has run out, so those comparisons happen in SQL against one
expression, `CLOCK_SQL`, rather than against each process's `timezone.now()`.

`CLOCK_SQL` is the statement's start time, unless the session set `prima.now`: the test
suite does that while `time_machine` travels (tests/database_clock.py), so a test that moves
the application's clock moves the database's with it. Nothing in production sets it.
(The locks app keeps `clock_timestamp()`: its leases must be read after its own lock wait.)
"""
from datetime import datetime

from django.db import connection
from django.db.models import DateTimeField, Expression

CLOCK_SETTING = "prima.now"
CLOCK_SQL = f"COALESCE(NULLIF(current_setting('{CLOCK_SETTING}', true), '')::timestamptz, statement_timestamp())"


class DatabaseNow(Expression):
    """`CLOCK_SQL` in an ORM expression, where Django's `Now()` would be the transaction's start."""

    output_field = DateTimeField()
    allowed_default = True

    def as_sql(self, compiler, connection):
        return CLOCK_SQL, []


def database_now() -> datetime:
    """The database clock, read once, for the rare decision that must be made in Python."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CLOCK_SQL}")
        return cursor.fetchone()[0]
