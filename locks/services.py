"""Leases on string keys: an owner token, a fencing token, and an expiry by the database clock.

This is the locks app's public API; other apps import only from here. The contract is in
DESIGN.md ("locks — contract"); guarantees, TTL advice and trade-offs are in docs/locks.md.

A lease taken inside a transaction becomes visible to others only when that transaction
commits (until then they wait for it), and a rollback undoes it. So take leases outside
transactions, and put the writes they protect in short transactions that start with
`assert_lock_held`.
"""
import logging
import math
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction

from locks.models import Lock

logger = logging.getLogger(__name__)

Seconds = float | timedelta

MAX_KEY_LENGTH = Lock._meta.get_field("key").max_length

# While waiting, retry after a random delay (full jitter) under a ceiling that doubles from
# BACKOFF_FIRST up to BACKOFF_CAP: quick to notice a release, cheap for the database.
BACKOFF_FIRST = 0.005
BACKOFF_CAP = 0.1

# Advisory-lock class ("LOCK" in ASCII) under which the acquires of one key are serialised.
_ADVISORY_CLASS = 0x4C4F434B

# One statement decides. The advisory lock (held to the end of the transaction) is taken
# before nextval(), so a later acquire of the key always draws a greater fence, even when the
# earlier lease was released in between. clock_timestamp() is read again in the UPDATE branch,
# after any wait for the row lock, so a takeover gets its full ttl.
_ACQUIRE = f"""
WITH serialised AS (SELECT pg_advisory_xact_lock({_ADVISORY_CLASS}, hashtext(%(key)s))),
     stamped AS (SELECT clock_timestamp() AS at FROM serialised)  -- read once, after the lock
INSERT INTO locks_lock AS lock (key, owner, fence, holder, acquired_at, expires_at)
SELECT %(key)s, %(owner)s, nextval('locks_lock_fence_seq'), %(holder)s,
       stamped.at, stamped.at + make_interval(secs => %(ttl)s)
  FROM stamped
ON CONFLICT (key) DO UPDATE
   SET owner = excluded.owner, fence = excluded.fence, holder = excluded.holder,
       acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
 WHERE lock.expires_at <= excluded.acquired_at
RETURNING fence, expires_at
"""

_RELEASE = """
DELETE FROM locks_lock WHERE key = %s AND owner = %s AND fence = %s
RETURNING expires_at <= clock_timestamp()
"""

_RENEW = """
UPDATE locks_lock SET expires_at = clock_timestamp() + make_interval(secs => %s)
 WHERE key = %s AND owner = %s AND fence = %s AND expires_at > clock_timestamp()
RETURNING expires_at
"""

_CHECK_HELD = """
SELECT owner = %s AND fence = %s AND expires_at > clock_timestamp()
  FROM locks_lock WHERE key = %s FOR UPDATE
"""

# One statement, so a row taken over while the delete runs is re-checked and kept.
_DELETE_EXPIRED = "DELETE FROM locks_lock WHERE expires_at <= clock_timestamp()"


class LockNotAcquired(Exception):
    """Someone else holds the key (and kept it for the whole wait)."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(f"Lock {key!r} is held by someone else")


class LockLost(Exception):
    """The lease expired or passed to another holder: the work it guarded must not be written."""

    def __init__(self, lease: "Lease"):
        self.lease = lease
        super().__init__(f"Lock {lease.key!r} with fence {lease.fence} is no longer held")


@dataclass(frozen=True)
class Lease:
    key: str
    owner: uuid.UUID
    fence: int
    expires_at: datetime


def acquire_lock(key: str, ttl: Seconds, *, wait: Seconds = 0) -> Lease | None:
    """Take `key` for `ttl` seconds, retrying for up to `wait` seconds; None if it stays held.

    Never two holders of an unexpired lease: one statement inserts the row or takes over an
    expired one. The wait is timed on this process's monotonic clock; expiry only ever on
    the database's.
    """
    _check_key(key)
    ttl_seconds = _ttl_seconds(ttl)
    deadline = time.monotonic() + _wait_seconds(wait)
    ceiling = BACKOFF_FIRST
    while True:
        lease = _try_acquire(key, ttl_seconds)
        remaining = deadline - time.monotonic()
        if lease is not None or remaining <= 0:
            return lease
        time.sleep(random.uniform(0, min(ceiling, remaining)))
        ceiling = min(ceiling * 2, BACKOFF_CAP)


def release_lock(lease: Lease) -> bool:
    """Give the lease back; False when it was already lost (expired and taken, or force-released).

    Losing a lease is an expected event, not an error: the guard against its consequences is
    `assert_lock_held` before each write.
    """
    row = _fetch_one(_RELEASE, [lease.key, lease.owner, lease.fence])
    if row is None:
        logger.warning("Lock %s (fence %s) was lost before its release", lease.key, lease.fence)
        return False
    if row[0]:
        logger.warning("Lock %s (fence %s) expired before its release: the work outlasted its ttl",
                       lease.key, lease.fence)
    return True


def renew_lock(lease: Lease, ttl: Seconds) -> Lease | None:
    """Make the lease expire `ttl` seconds from now, if it is still held and unexpired; else None."""
    ttl_seconds = _ttl_seconds(ttl)
    row = _fetch_one(_RENEW, [ttl_seconds, lease.key, lease.owner, lease.fence])
    if row is None:
        logger.warning("Lock %s (fence %s) was lost; it cannot be renewed", lease.key, lease.fence)
        return None
    return replace(lease, expires_at=row[0])


def assert_lock_held(lease: Lease) -> None:
    """Raise LockLost unless the lease still holds its key, and keep it so until the commit.

    The lease row stays locked to the end of the caller's transaction, so no one can take it
    over between this check and the writes that follow it: a holder paused past its ttl
    fails here instead of overwriting its successor's work.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "assert_lock_held() must be called inside transaction.atomic(), together with the "
            "writes it guards: its row lock protects them only until that transaction ends"
        )
    row = _fetch_one(_CHECK_HELD, [lease.owner, lease.fence, lease.key])
    if row is None or not row[0]:
        raise LockLost(lease)


@contextmanager
def hold_lock(key: str, ttl: Seconds, *, wait: Seconds = 0, heartbeat: bool = False) -> Iterator[Lease]:
    """Hold `key` for the block and release it after; raise LockNotAcquired if it stays held.

    heartbeat=True renews the lease every ttl/3 from a background thread, for work of unknown
    length. The yielded Lease keeps its first `expires_at` then, but its owner and fence stay
    valid for `assert_lock_held`.
    """
    if heartbeat and connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "hold_lock(heartbeat=True) must be used outside transaction.atomic(): the heartbeat "
            "renews from its own connection, which cannot see an uncommitted lease"
        )
    lease = acquire_lock(key, ttl, wait=wait)
    if lease is None:
        raise LockNotAcquired(key)
    renewer = _Heartbeat(lease, _ttl_seconds(ttl)) if heartbeat else None
    try:
        yield lease
    finally:
        if renewer is not None:
            renewer.stop()
        release_lock(lease)


def cleanup_expired_locks() -> int:
    """Delete expired leases and return how many. A holder that is still running finds out at
    its next guarded write, as it would after a takeover."""
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_EXPIRED)
        return cursor.rowcount


class _Heartbeat:
    """Renews a lease from a daemon thread, on the thread's own connection, until stopped or lost."""

    def __init__(self, lease: Lease, ttl_seconds: float):
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(lease, ttl_seconds), name=f"lock-heartbeat {lease.key}", daemon=True
        )
        self._thread.start()

    def _run(self, lease: Lease, ttl_seconds: float) -> None:
        try:
            while not self._stopping.wait(ttl_seconds / 3):
                try:
                    if renew_lock(lease, ttl_seconds) is None:
                        return
                except DatabaseError:
                    # The lease may well still be valid: try again at the next beat.
                    logger.warning("Could not renew lock %s; will retry", lease.key, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop renewing; returns once no renewal can run any more (so the release comes last)."""
        self._stopping.set()
        self._thread.join()


def _try_acquire(key: str, ttl_seconds: float) -> Lease | None:
    owner = uuid.uuid4()
    params = {"key": key, "owner": owner, "holder": _holder(), "ttl": ttl_seconds}
    if not connection.in_atomic_block:
        row = _fetch_one(_ACQUIRE, params)
    else:
        with transaction.atomic():
            row = _fetch_one(_ACQUIRE, params)
            if row is None:
                # A failed takeover leaves the holder's row (and the key's advisory lock) locked
                # until our transaction ends; rolling back to the savepoint frees them now.
                transaction.set_rollback(True)
    return None if row is None else Lease(key=key, owner=owner, fence=row[0], expires_at=row[1])


def _fetch_one(sql: str, params: dict | list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _holder() -> str:
    """host:pid, read on every acquire because a forked worker has a new pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError(f"Lock key must be a non-empty string such as 'send_reminders:tick', not {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"Lock key is {len(key)} characters long; at most {MAX_KEY_LENGTH} are allowed")


def _seconds(value: Seconds, name: str) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise ValueError(f"{name} must be a finite number of seconds or a timedelta, not {value!r}")
    return float(seconds)


def _ttl_seconds(ttl: Seconds) -> float:
    seconds = _seconds(ttl, "ttl")
    if seconds <= 0:
        raise ValueError(f"ttl must be more than 0 seconds, not {ttl!r}")
    return seconds


def _wait_seconds(wait: Seconds) -> float:
    seconds = _seconds(wait, "wait")
    if seconds < 0:
        raise ValueError(f"wait must be 0 seconds or more, not {wait!r}")
    return seconds
