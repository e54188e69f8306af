"""Retention: old history deleted in small batches, so tables stop growing without a long lock.

Each batch is one short transaction: it picks at most `batch_size` of the oldest rows retention
allows, skipping any row another transaction holds (`FOR UPDATE SKIP LOCKED`, so it never waits
for a sender or a webhook, and they never wait long for it), deletes them, and commits, under a
`lock_timeout` and a `statement_timeout` of its own. Rows still in flight never match.

Each app says what of its own may go (a `Prunable`, listed by dotted path in
settings.RETENTION_PRUNABLES); this module knows no app, so the small libraries (ratelimit)
stay independent of reminders. Run by every tick's housekeeping (`prune_some`, a few seconds at
most) and by `manage.py prune_history` (everything, with progress). docs/operations.md#retention.
"""
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import psycopg.errors
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils.module_loading import import_string

from prima.clock import CLOCK_SQL

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A batch that would wait this long for a lock, or run this long, gives up (until the next run).
LOCK_TIMEOUT = "200ms"
STATEMENT_TIMEOUT = "5s"
# How long one housekeeping call may prune, shared by the prunables (the tick waits for it).
HOUSEKEEPING_SECONDS = 2.0


@dataclass(frozen=True)
class Prunable:
    """Rows of one table retention may delete: older than `keep` by `age_column` (the database
    clock), and matching `condition`, which no row still in flight matches.

    `ordered` reads the oldest first (an index on `age_column` serves it); a table kept small
    needs no index and no order. `before` adds CTEs run with each batch over `doomed` (its ids),
    e.g. to delete rows that reference them; `after` adds CTEs over `gone` (`returning` of the
    deleted rows), e.g. to add them to totals that must outlive them.
    """

    name: str
    table: str
    age_column: str
    keep: timedelta
    condition: str = "TRUE"
    ordered: bool = True
    before: str = ""
    after: str = ""
    returning: str = "1"

    def _old(self) -> str:
        return f"{self.age_column} < {CLOCK_SQL} - %(keep)s AND ({self.condition})"

    def batch_sql(self) -> str:
        order = f"ORDER BY {self.age_column}" if self.ordered else ""
        return f"""
            WITH doomed AS (
                SELECT id FROM {self.table} WHERE {self._old()} {order}
                LIMIT %(batch_size)s FOR UPDATE SKIP LOCKED
            ){self.before}, gone AS (
                DELETE FROM {self.table} WHERE id IN (SELECT id FROM doomed) RETURNING {self.returning}
            ){self.after}
            SELECT count(*) FROM gone"""

    def count_sql(self) -> str:
        return f"SELECT count(*) FROM {self.table} WHERE {self._old()}"


@dataclass
class Pruned:
    """One prunable's run: what went, in how many batches, the longest batch's transaction."""

    name: str
    deleted: int = 0
    batches: int = 0
    longest_batch: float = 0.0
    seconds: float = 0.0
    finished: bool = False
    error: str = ""


def prunables() -> list[Prunable]:
    return [import_string(path)() for path in settings.RETENTION_PRUNABLES]


def _gave_up(exc: OperationalError) -> bool:
    """A batch that hit its own lock or statement timeout: give up politely, not fail."""
    return isinstance(exc.__cause__, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled)


def prune(prunable: Prunable, *, batch_size: int = BATCH_SIZE, deadline: float = math.inf,
          on_batch: Callable[[Pruned], None] | None = None) -> Pruned:
    """Delete `prunable`'s old rows batch by batch until none is left or `deadline`
    (time.monotonic()) passes. Each batch commits on its own: call it outside a transaction."""
    result = Pruned(prunable.name)
    started = time.monotonic()
    sql = prunable.batch_sql()
    while time.monotonic() < deadline:
        batch_started = time.monotonic()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
                cursor.execute(sql, {"keep": prunable.keep, "batch_size": batch_size})
                deleted = cursor.fetchone()[0]
        except OperationalError as exc:
            if not _gave_up(exc):
                raise
            result.error = str(exc).strip().splitlines()[0]
            logger.warning("retention of %s gave up a batch: %s", prunable.name, result.error)
            break
        result.longest_batch = max(result.longest_batch, time.monotonic() - batch_started)
        result.deleted += deleted
        result.batches += 1
        if on_batch:
            on_batch(result)
        if deleted < batch_size:
            result.finished = True
            break
    result.seconds = time.monotonic() - started
    return result


def count(prunable: Prunable) -> int:
    """How many rows `prune` would delete now."""
    with connection.cursor() as cursor:
        cursor.execute(prunable.count_sql(), {"keep": prunable.keep})
        return cursor.fetchone()[0]


def prune_some() -> Counter:
    """Housekeeping (settings.HOUSEKEEPING_TASKS): HOUSEKEEPING_SECONDS of pruning at most,
    shared by the prunables, so a backlog (the first run on years of history) is worked off
    over many ticks without delaying any of them much."""
    found = prunables()
    share = HOUSEKEEPING_SECONDS / max(len(found), 1)
    deleted: Counter = Counter()
    for prunable in found:
        deleted[prunable.name] = prune(prunable, deadline=time.monotonic() + share).deleted
    if any(deleted.values()):
        logger.info("retention deleted %s", " ".join(f"{name}={n}" for name, n in deleted.items()))
    return deleted
