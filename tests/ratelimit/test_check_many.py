"""`check_many`, the limit check for a claimed batch: as exact as one `hit` at a time, under
racing processes, and honest about how long a refused need must wait."""
from datetime import timedelta

import pytest
from django.db import connection

from ratelimit.models import RateLimitEvent
from ratelimit.services import check_many, rate_limit_key
from tests.processes import run_in_processes

pytestmark = pytest.mark.django_db(transaction=True)

LIMITS = {"device": {"limit": 40, "window": 60}, "phone": {"limit": 3, "window": 60}}


@pytest.fixture(autouse=True)
def limits(settings):
    settings.RATE_LIMITS = LIMITS


def database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def events_ago(key: str, *seconds_ago: float, cost: int = 1) -> None:
    now = database_now()
    RateLimitEvent.objects.bulk_create(
        RateLimitEvent(key=key, created_at=now - timedelta(seconds=ago), cost=cost) for ago in seconds_ago
    )


def batches_for(process: int, batches: int, size: int) -> list[float | None]:
    answers = []
    for batch in range(batches):
        answers += check_many([[("device", "A"), ("phone", f"{process}-{batch}-{index}")] for index in range(size)])
    return answers


def test_racing_processes_get_exactly_the_limit_between_them():
    answers = [answer for per_process in run_in_processes(batches_for, [(process, 5, 10) for process in range(8)])
               for answer in per_process]

    allowed = [answer for answer in answers if answer is None]
    refused = [answer for answer in answers if answer is not None]
    assert (len(allowed), len(refused)) == (40, 360)
    assert all(0 < seconds <= 60 for seconds in refused)
    assert RateLimitEvent.objects.filter(key=rate_limit_key("device", "A")).count() == 40
    # A need is all or nothing: a phone unit is recorded only beside a device unit.
    assert RateLimitEvent.objects.filter(key__startswith=rate_limit_key("phone", "")).count() == 40


def test_the_batch_is_served_in_order_and_a_refusal_records_nothing():
    events_ago(rate_limit_key("phone", "full"), 50, 40, 30)

    answers = check_many([[("device", "A"), ("phone", "free")], [("device", "A"), ("phone", "full")],
                          [("device", "A"), ("phone", "free")]])

    assert answers[0] is None and answers[2] is None
    assert answers[1] == pytest.approx(10, abs=1)  # the hit of 50 s ago leaves a 60 s window in 10 s
    assert RateLimitEvent.objects.filter(key=rate_limit_key("device", "A")).count() == 2
    assert RateLimitEvent.objects.filter(key=rate_limit_key("phone", "full")).count() == 3


def test_the_wait_counts_the_units_the_batch_itself_took():
    events_ago(rate_limit_key("phone", "old"), 55)

    assert check_many([[("phone", "old")]] * 4) == [None, None, pytest.approx(5, abs=1), pytest.approx(5, abs=1)]
    # Nothing in the window before: the fourth waits for the batch's own first unit to leave.
    assert check_many([[("phone", "new")]] * 4) == [None, None, None, pytest.approx(60, abs=1)]


def test_a_lowered_limit_waits_until_enough_of_a_long_window_has_left():
    """Ten hits in a window the limit now puts at three: the need waits for the eighth to leave
    (8 of the 10 must go before one more fits), not a whole window and not the first hit."""
    events_ago(rate_limit_key("phone", "busy"), *range(59, 49, -1))

    [answer] = check_many([[("phone", "busy")]])

    assert answer == pytest.approx(60 - 52, abs=1)


def test_a_heavy_event_counts_its_cost():
    events_ago(rate_limit_key("phone", "heavy"), 20, cost=3)

    [answer] = check_many([[("phone", "heavy")]])

    assert answer == pytest.approx(40, abs=1)


def test_an_empty_batch_and_needs_without_limits_are_allowed_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert check_many([]) == []
        assert check_many([[], []]) == [None, None]


def test_a_margin_widens_every_window():
    """A unit recorded 61 s ago has left a 60 s window, but not one widened by 3 s: an action
    that happens up to 3 s after its unit is recorded keeps the limit by its own times too."""
    events_ago(rate_limit_key("phone", "late"), 61, 40, 30)

    assert check_many([[("phone", "late")]]) == [None]
    RateLimitEvent.objects.filter(created_at__gt=database_now() - timedelta(seconds=1)).delete()
    assert check_many([[("phone", "late")]], margin=3) == [pytest.approx(2, abs=1)]
