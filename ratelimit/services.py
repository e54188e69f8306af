"""An exact sliding-window rate limiter on PostgreSQL, and the named limits from settings.

`hit` serialises callers of one key with a transaction-scoped advisory lock, then decides and
records in one statement judged by the database clock, so any number of processes never let
more than `limit` units through in any window. See docs/ratelimit.md.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max

from prima import retention
from prima.clock import CLOCK_SQL, DatabaseNow
from prima.retention import Prunable
from ratelimit.models import RateLimitEvent

LIMIT_REACHED = "limit reached"
COST_EXCEEDS_LIMIT = "cost exceeds limit"

_KEY_MAX_LENGTH = RateLimitEvent._meta.get_field("key").max_length
# The most `check_many` may widen a window by; retention keeps events at least that much longer.
MAX_MARGIN_SECONDS = 5.0
_TABLE = RateLimitEvent._meta.db_table

# Waits for the key's previous holder to commit. It must be a statement of its own: under READ
# COMMITTED each statement reads a fresh snapshot, so the statement after it sees that commit.
# The 'ratelimit:' prefix keeps our lock ids apart from other users of advisory locks.
_LOCK_KEY_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('ratelimit:' || %(key)s, 0))"

# Reads the window, decides, and (when %(record)s and allowed) records, in one round trip.
# The project clock (prima.clock: this statement's start, so after the lock was granted) rather
# than now(), the transaction's start, which may be long before. It is read once (a MATERIALIZED
# CTE) so every use agrees.
# `frees_at` is the hit whose departure from the window makes room for %(cost)s: hits leave
# oldest first, so it is the first whose running total reaches the excess.
_DECIDE_SQL = f"""
WITH clock AS MATERIALIZED (
    SELECT {CLOCK_SQL} AS now
), counted AS (
    SELECT event.created_at,
           sum(event.cost) OVER (ORDER BY event.created_at, event.id) AS running_total
    FROM {_TABLE} AS event, clock
    WHERE event.key = %(key)s AND event.created_at > clock.now - %(window)s
), usage AS (
    SELECT coalesce(max(running_total), 0) AS used, max(created_at) AS newest FROM counted
), verdict AS (
    SELECT clock.now, usage.used, usage.newest, usage.used + %(cost)s <= %(limit)s AS allowed
    FROM clock, usage
), recorded AS (
    INSERT INTO {_TABLE} (key, created_at, cost)
    SELECT %(key)s, verdict.now, %(cost)s FROM verdict WHERE verdict.allowed AND %(record)s
)
SELECT verdict.now, verdict.used, verdict.newest, verdict.allowed,
       (SELECT min(counted.created_at) FROM counted
        WHERE counted.running_total >= verdict.used + %(cost)s - %(limit)s) AS frees_at
FROM verdict
"""


class UnknownRateLimit(KeyError):
    """A name that is not in settings.RATE_LIMITS (a typo in code, not a runtime condition)."""

    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.message = f"unknown rate limit {name!r}; known: {', '.join(sorted(known))}"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Decision:
    """The limiter's answer, all times by the database clock.

    `remaining`: units left in the window after this decision (a denied hit consumes nothing).
    `retry_after`: seconds until this cost fits, i.e. until the oldest counted hit that must
    leave the window for it has left; 0 when allowed, infinite when cost > limit (never fits).
    `reset_at`: when every hit counted now (this one included, if recorded) has left the
    window, so the full limit is available again.
    `reason`: why it was denied ("" when allowed).
    """

    allowed: bool
    remaining: int
    retry_after: float
    reset_at: datetime
    reason: str = ""


def hit(key: str, limit: int, window: float | timedelta, *, cost: int = 1) -> Decision:
    """Take `cost` units from `key` if they fit in the last `window`; a denial records nothing.

    Runs in its own transaction (a savepoint inside the caller's): inside a caller's
    transaction the key stays locked, and the hit uncommitted, until that transaction ends.
    Database errors propagate: callers decide, and send paths fail closed (deny and defer).
    """
    window = _checked(key, limit, window, cost)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK_KEY_SQL, {"key": key})
        return _decide(cursor, key, limit, window, cost, record=True)


def peek(key: str, limit: int, window: float | timedelta, *, cost: int = 1) -> Decision:
    """What `hit` would answer now, without recording or waiting for the key's lock.

    `remaining` is what is left now, since nothing is consumed.
    """
    window = _checked(key, limit, window, cost)
    with connection.cursor() as cursor:
        return _decide(cursor, key, limit, window, cost, record=False)


def check(name: str, subject: object = "") -> Decision:
    """Hit the named limit from settings.RATE_LIMITS for `subject` (a phone, a patient id, or
    nothing for a global limit)."""
    return hit(rate_limit_key(name, subject), **named_limit(name))


_LOCK_KEYS_SQL = """
SELECT count(pg_advisory_xact_lock(hashtextextended('ratelimit:' || k, 0)))
FROM (SELECT unnest(%s::text[]) AS k ORDER BY 1 OFFSET 0) AS keys
"""

# Per key: the units in its window, and only its oldest events a batch of %s can need freed (the
# units over a lowered limit, plus one per need), whatever the window holds.
_WINDOWS_SQL = f"""
WITH clock AS MATERIALIZED (SELECT {CLOCK_SQL} AS now), wanted AS (
    SELECT * FROM unnest(%s::text[], %s::float[], %s::int[]) AS w(key, seconds, units_allowed)
)
SELECT clock.now, w.key, coalesce(used.units, 0), oldest.created, oldest.costs
FROM clock CROSS JOIN wanted AS w
CROSS JOIN LATERAL (
    SELECT sum(e.cost) AS units FROM {_TABLE} AS e
     WHERE e.key = w.key AND e.created_at > clock.now - make_interval(secs => w.seconds)
) AS used
CROSS JOIN LATERAL (
    SELECT array_agg(first.created_at ORDER BY first.created_at, first.id) AS created,
           array_agg(first.cost ORDER BY first.created_at, first.id) AS costs
      FROM (SELECT e.created_at, e.cost, e.id FROM {_TABLE} AS e
             WHERE e.key = w.key AND e.created_at > clock.now - make_interval(secs => w.seconds)
             ORDER BY e.created_at, e.id
             LIMIT greatest(coalesce(used.units, 0) - w.units_allowed, 0) + %s) AS first
) AS oldest
"""


def check_many(needs: list[list[tuple[str, object]]], *, margin: float = 0.0) -> list[float | None]:
    """For each need, in order, one unit of every named limit it lists, `(name, subject)`:
    None when all of them fit (the units are recorded), else the seconds until they would.
    `margin` seconds widen every window: a caller whose action happens up to that long after
    its unit is recorded keeps the limit by the action's own times too.

    A batch's decisions in three statements whatever its size: every key is locked (in one
    order, so two batches cannot deadlock) to the end of the caller's transaction, the
    windows read (each one's units, and its oldest events for how long until there is room),
    the units given out in order, the allowed ones recorded. Exact like `hit`:
    no window ever holds more than its limit, however many processes check at once.
    """
    if not 0 <= margin <= MAX_MARGIN_SECONDS:
        raise ValueError(f"margin must be between 0 and {MAX_MARGIN_SECONDS:g} seconds, not {margin!r}")
    limits = {rate_limit_key(name, subject): named_limit(name) for need in needs for name, subject in need}
    if not limits:
        return [None] * len(needs)
    keys = sorted(limits)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK_KEYS_SQL, [keys])
        windows = {key: float(limits[key]["window"]) + margin for key in keys}
        cursor.execute(_WINDOWS_SQL, [keys, [windows[key] for key in keys],
                                      [limits[key]["limit"] for key in keys], len(needs)])
        rows = cursor.fetchall()
        now = rows[0][0]
        used = {key: units for _now, key, units, _created, _costs in rows}
        hits = {key: list(zip(created or [], costs or [], strict=True)) for _now, key, _units, created, costs in rows}
        answers, recorded = [], []
        for need in needs:
            need_keys = [rate_limit_key(name, subject) for name, subject in need]
            full = [key for key in need_keys if used[key] + 1 > limits[key]["limit"]]
            if full:
                answers.append(max(_seconds_until_room(hits[key], used[key] + 1 - limits[key]["limit"],
                                                       windows[key], now) for key in full))
                continue
            for key in need_keys:
                used[key] += 1
                hits[key].append((now, 1))
                recorded.append(key)
            answers.append(None)
        if recorded:
            cursor.execute(f"INSERT INTO {_TABLE} (key, created_at, cost) SELECT unnest(%s::text[]), %s, 1",
                           [recorded, now])
    return answers


def _seconds_until_room(hits: list[tuple[datetime, int]], excess: int, window: float, now: datetime) -> float:
    """When the oldest hits holding `excess` units have left the window."""
    freed = 0
    for created_at, cost in hits:
        freed += cost
        if freed >= excess:
            return max((created_at + timedelta(seconds=window) - now).total_seconds(), 0.0)
    return float(window)


def named_limit(name: str) -> dict:
    """{"limit": …, "window": …} of a limit in settings.RATE_LIMITS, or UnknownRateLimit."""
    try:
        return settings.RATE_LIMITS[name]
    except KeyError:
        raise UnknownRateLimit(name, list(settings.RATE_LIMITS)) from None


def longest_named_window() -> float:
    """Seconds of the longest window in settings.RATE_LIMITS: how far back any named limit looks."""
    return max((limit["window"] for limit in settings.RATE_LIMITS.values()), default=60.0)


def default_retention() -> float:
    """How long events are kept: RETENTION_RATE_LIMIT_EVENTS_SECONDS, by default twice the longest
    named window; never less than that window and the widest margin `check_many` allows, since
    younger events still count against it."""
    configured = settings.RETENTION_RATE_LIMIT_EVENTS_SECONDS or 2 * longest_named_window()
    return max(configured, longest_named_window() + MAX_MARGIN_SECONDS)


def prunable_events(older_than: float | timedelta | None = None) -> Prunable:
    """Events older than `older_than` (default: `default_retention()`), for prima.retention.
    Unordered: pruning every tick keeps the table small, and an index of its own would be one
    more write on every hit."""
    return Prunable(name="rate_limit_events", table=_TABLE, age_column="created_at", ordered=False,
                    keep=_as_timedelta(default_retention() if older_than is None else older_than))


def rate_limit_key(name: str, subject: object = "") -> str:
    return f"{name}:{subject}"


def prune(older_than: float | timedelta) -> int:
    """Delete events older than `older_than` (by the database clock), in batches; return how many.

    Only events older than the longest window in use are dead weight; younger ones still count.
    """
    if _as_timedelta(older_than) <= timedelta(0):
        raise ValueError(f"older_than must be greater than 0, not {older_than!r}")
    return retention.prune(prunable_events(older_than)).deleted


@dataclass(frozen=True)
class KeyUsage:
    """One key's recent activity, for the admin. `decision` is a peek, for keys of a named limit."""

    key: str
    recent_hits: int
    last_hit_at: datetime
    limit: dict | None
    decision: Decision | None

    @property
    def in_use(self) -> int | None:
        """Units counted in the window now (at most the limit, should it have been lowered)."""
        return self.limit["limit"] - self.decision.remaining if self.decision else None


def current_usage(search: str = "", max_keys: int = 200) -> list[KeyUsage]:
    """Keys hit within the longest named window, most recently active first.

    Keys of a named limit ("whatsapp_send:+62…") are peeked under that limit, so what the admin
    shows is exactly what the next check would see.
    """
    recent = timedelta(seconds=longest_named_window())
    keys = (
        RateLimitEvent.objects.filter(created_at__gt=DatabaseNow() - recent, key__icontains=search)
        .values("key")
        .annotate(recent_hits=Count("id"), last_hit_at=Max("created_at"))
        .order_by("-last_hit_at")[:max_keys]
    )
    usage = []
    for row in keys:
        limit = settings.RATE_LIMITS.get(row["key"].partition(":")[0])
        decision = peek(row["key"], **limit) if limit else None
        usage.append(KeyUsage(row["key"], row["recent_hits"], row["last_hit_at"], limit, decision))
    return usage


def _decide(cursor, key: str, limit: int, window: timedelta, cost: int, *, record: bool) -> Decision:
    params = {"key": key, "limit": limit, "window": window, "cost": cost, "record": record}
    cursor.execute(_DECIDE_SQL, params)
    now, used, newest, allowed, frees_at = cursor.fetchone()
    consumed = cost if allowed and record else 0
    remaining = max(limit - used - consumed, 0)
    last_counted = now if consumed else newest
    reset_at = last_counted + window if last_counted else now
    if allowed:
        return Decision(True, remaining, 0.0, reset_at)
    if cost > limit:
        return Decision(False, remaining, float("inf"), reset_at, COST_EXCEEDS_LIMIT)
    retry_after = max((frees_at + window - now).total_seconds(), 0.0)
    return Decision(False, remaining, retry_after, reset_at, LIMIT_REACHED)


def _checked(key: str, limit: int, window: float | timedelta, cost: int) -> timedelta:
    """Refuse nonsense early, with a message, rather than as a silent always/never."""
    if len(key) > _KEY_MAX_LENGTH:
        raise ValueError(f"key must be at most {_KEY_MAX_LENGTH} characters, not {len(key)}")
    if not isinstance(limit, int) or limit <= 0:
        raise ValueError(f"limit must be a whole number greater than 0, not {limit!r}")
    if not isinstance(cost, int) or cost <= 0:
        raise ValueError(f"cost must be a whole number greater than 0, not {cost!r}")
    duration = _as_timedelta(window)
    if duration <= timedelta(0):
        raise ValueError(f"window must be greater than 0 seconds, not {window!r}")
    return duration


def _as_timedelta(seconds: float | timedelta) -> timedelta:
    return seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
