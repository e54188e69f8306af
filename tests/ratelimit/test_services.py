"""hit / peek / check: the decision, what it records, and its bad inputs."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ratelimit.models import RateLimitEvent
from ratelimit.services import COST_EXCEEDS_LIMIT, LIMIT_REACHED, UnknownRateLimit, check, hit, peek

pytestmark = pytest.mark.django_db


def record_hits_ago(key: str, *seconds_ago: float, cost: int = 1) -> None:
    """Events as if hit that many seconds ago: a controlled window without waiting."""
    now = timezone.now()
    RateLimitEvent.objects.bulk_create(
        RateLimitEvent(key=key, created_at=now - timedelta(seconds=ago), cost=cost) for ago in seconds_ago
    )


def test_it_allows_up_to_the_limit_and_counts_down_remaining():
    decisions = [hit("k", 3, 60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].retry_after == 0
    assert decisions[3].reason == LIMIT_REACHED


def test_it_records_nothing_for_a_denied_hit():
    record_hits_ago("k", 5, 4)
    decision = hit("k", 2, 60)
    assert not decision.allowed
    assert RateLimitEvent.objects.filter(key="k").count() == 2


def test_it_records_nothing_on_peek():
    record_hits_ago("k", 5)
    decision = peek("k", 2, 60)
    assert decision.allowed and decision.remaining == 1
    assert RateLimitEvent.objects.filter(key="k").count() == 1


def test_it_answers_the_same_on_peek_as_a_hit_would():
    record_hits_ago("k", 50, 10)
    peeked, hit_decision = peek("k", 2, 60), hit("k", 2, 60)
    assert (peeked.allowed, peeked.remaining, peeked.reason) == (
        hit_decision.allowed,
        hit_decision.remaining,
        hit_decision.reason,
    )
    assert peeked.retry_after == pytest.approx(hit_decision.retry_after, abs=0.5)


def test_it_sets_retry_after_to_when_the_oldest_hit_leaves_the_window():
    record_hits_ago("k", 50, 10)
    decision = hit("k", 2, 60)
    assert not decision.allowed
    assert decision.retry_after == pytest.approx(10, abs=1)
    assert decision.reset_at == pytest.approx(timezone.now() + timedelta(seconds=50), abs=timedelta(seconds=1))


def test_it_waits_for_as_many_hits_to_leave_as_the_cost_needs():
    record_hits_ago("k", 50, 40, 10)
    decision = hit("k", 3, 60, cost=2)
    assert not decision.allowed
    assert decision.retry_after == pytest.approx(20, abs=1)


def test_it_takes_cost_units_from_the_limit():
    assert hit("k", 5, 60, cost=3).remaining == 2
    assert not hit("k", 5, 60, cost=3).allowed
    assert hit("k", 5, 60, cost=2).remaining == 0
    assert list(RateLimitEvent.objects.filter(key="k").values_list("cost", flat=True)) == [3, 2]


def test_it_forgets_hits_older_than_the_window():
    record_hits_ago("k", 61, 62)
    assert hit("k", 1, timedelta(minutes=1)).allowed


def test_it_denies_a_cost_above_the_limit_for_good():
    decision = hit("k", 3, 60, cost=4)
    assert not decision.allowed
    assert decision.reason == COST_EXCEEDS_LIMIT
    assert decision.retry_after == float("inf")
    assert not RateLimitEvent.objects.exists()


def test_it_resets_when_the_newest_counted_hit_leaves():
    record_hits_ago("k", 50, 20)
    assert peek("k", 5, 60).reset_at == pytest.approx(
        timezone.now() + timedelta(seconds=40), abs=timedelta(seconds=1)
    )
    assert peek("empty", 5, 60).reset_at == pytest.approx(timezone.now(), abs=timedelta(seconds=1))


def test_it_keeps_keys_apart():
    hit("a", 1, 60)
    assert hit("b", 1, 60).allowed
    assert not hit("a", 1, 60).allowed


@pytest.mark.parametrize(
    "limit, window, cost, message",
    [
        (0, 60, 1, "limit must be"),
        (-1, 60, 1, "limit must be"),
        (2.5, 60, 1, "limit must be"),
        (5, 0, 1, "window must be"),
        (5, -3, 1, "window must be"),
        (5, timedelta(0), 1, "window must be"),
        (5, 60, 0, "cost must be"),
    ],
)
def test_it_rejects_nonsense_limits(limit, window, cost, message):
    with pytest.raises(ValueError, match=message):
        hit("k", limit, window, cost=cost)
    with pytest.raises(ValueError, match=message):
        peek("k", limit, window, cost=cost)


def test_it_rejects_a_key_longer_than_the_column():
    with pytest.raises(ValueError, match="at most 200 characters"):
        hit("k" * 201, 1, 60)


def test_it_works_inside_a_callers_transaction_and_rolls_back_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert hit("k", 1, 60).allowed
        raise RuntimeError("the caller's work failed")
    assert hit("k", 1, 60).allowed


def test_it_checks_a_named_limit_from_settings(settings):
    settings.RATE_LIMITS = {"whatsapp_send": {"limit": 2, "window": 60.0}}
    assert [check("whatsapp_send", "+6281234567890").allowed for _ in range(3)] == [True, True, False]
    assert check("whatsapp_send", "+6289999999999").allowed
    assert RateLimitEvent.objects.filter(key="whatsapp_send:+6281234567890").count() == 2


def test_it_keys_a_global_limit_by_its_name_alone(settings):
    settings.RATE_LIMITS = {"reminder_processing": {"limit": 100, "window": 60.0}}
    check("reminder_processing")
    assert RateLimitEvent.objects.get().key == "reminder_processing:"


def test_it_rejects_an_unknown_limit_name_listing_the_known_ones(settings):
    settings.RATE_LIMITS = {
        "whatsapp_send": {"limit": 2, "window": 60.0},
        "fonnte_device": {"limit": 40, "window": 60.0},
    }
    with pytest.raises(UnknownRateLimit) as raised:
        check("whatsap_send", "+62812")
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == "unknown rate limit 'whatsap_send'; known: fonnte_device, whatsapp_send"

