"""Old events are dead weight: prune() and `manage.py prune_ratelimits` remove them."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ratelimit.models import RateLimitEvent
from ratelimit.services import prune
from tests.ratelimit.test_services import record_hits_ago

pytestmark = pytest.mark.django_db


def prune_command(*args) -> str:
    out = StringIO()
    call_command("prune_ratelimits", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_only_events_older_than_asked_and_counts_them():
    record_hits_ago("k", 300, 200, 50, 1)
    assert prune(100) == 2
    assert sorted(RateLimitEvent.objects.values_list("key", flat=True)) == ["k", "k"]
    assert prune(100) == 0


def test_it_rejects_a_non_positive_age():
    with pytest.raises(ValueError, match="older_than must be greater than 0"):
        prune(0)


def test_it_keeps_twice_the_longest_named_window_by_default(settings):
    settings.RATE_LIMITS = {"short": {"limit": 1, "window": 30.0}, "long": {"limit": 1, "window": 100.0}}
    record_hits_ago("long:x", 250, 150)
    assert prune_command() == "Removed 1 rate-limit event(s) older than 200 seconds.\n"
    assert RateLimitEvent.objects.count() == 1


def test_it_prunes_from_the_command_with_older_than():
    record_hits_ago("k", 20, 5)
    assert prune_command("--older-than", "10") == "Removed 1 rate-limit event(s) older than 10 seconds.\n"


def test_it_refuses_a_non_positive_older_than():
    with pytest.raises(CommandError, match="--older-than must be greater than 0"):
        prune_command("--older-than", "-5")
