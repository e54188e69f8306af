"""The limiter under real concurrency and real time: separate processes, separate connections."""
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ratelimit.models import RateLimitEvent
from ratelimit.services import hit, peek
from tests.processes import run_in_processes

pytestmark = pytest.mark.django_db(transaction=True)


def hammer(key: str, limit: int, window: float, times: int) -> list[tuple[bool, float]]:
    return [(decision.allowed, decision.retry_after) for decision in (hit(key, limit, window) for _ in range(times))]


def test_it_lets_exactly_the_limit_through_eight_racing_processes():
    results = run_in_processes(hammer, [("k", 30, 60, 100)] * 8)
    decisions = [decision for per_process in results for decision in per_process]
    allowed = [retry_after for ok, retry_after in decisions if ok]
    denied = [retry_after for ok, retry_after in decisions if not ok]
    assert (len(allowed), len(denied)) == (30, 770)
    assert all(0 < retry_after <= 60 for retry_after in denied)
    assert RateLimitEvent.objects.filter(key="k").count() == 30


def sleep_until(moment) -> None:
    time.sleep(max((moment - timezone.now()).total_seconds(), 0))


def test_it_slides_returning_capacity_one_hit_at_a_time():
    """Four hits 0.5 s apart in a 2 s window: each frees one unit when it leaves, at its own time.

    A fixed window would free all four at once at a boundary.
    """
    departures = []
    for index in range(4):
        if index:
            time.sleep(0.5)
        decision = hit("slide", 4, 2)
        assert decision.allowed
        departures.append(decision.reset_at)  # an allowed hit's reset_at: when it leaves the window
    full = peek("slide", 4, 2)
    assert full.remaining == 0 and not full.allowed
    assert full.retry_after == pytest.approx((departures[0] - timezone.now()).total_seconds(), abs=0.1)

    remaining_around_each_departure = []
    for departure in departures:
        sleep_until(departure - timedelta(seconds=0.15))
        before = peek("slide", 4, 2).remaining
        sleep_until(departure + timedelta(seconds=0.15))
        remaining_around_each_departure.append((before, peek("slide", 4, 2).remaining))
    assert remaining_around_each_departure == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert [(b - a).total_seconds() for a, b in zip(departures, departures[1:], strict=False)] == pytest.approx([0.5] * 3, abs=0.1)

def contend(role: str) -> float:
    """The holder keeps key A locked for 3 s; the others time a hit on B and on A meanwhile."""
    if role == "holder":
        with transaction.atomic():
            hit("A", 100, 60)
            time.sleep(3)
        return 0.0
    time.sleep(0.5)  # let the holder take A's lock first
    started = time.monotonic()
    hit(role, 100, 60)
    return time.monotonic() - started


def test_it_serialises_callers_of_one_key_but_not_of_different_keys():
    _holder, other_key_took, same_key_took = run_in_processes(contend, [("holder",), ("B",), ("A",)])
    assert other_key_took < 0.5
    assert same_key_took > 2
