from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from locks.management.commands.locks import describe_remaining
from locks.models import Lock
from locks.services import acquire_lock
from tests.locks.helpers import expire_now

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def answer(monkeypatch):
    """Type `reply` at the confirmation prompt; the prompts asked are recorded."""
    prompts = []

    def set_reply(reply: str) -> list[str]:
        monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or reply)
        return prompts

    return set_reply


def test_it_cleans_up_expired_locks():
    acquire_lock("old", ttl=30)
    expire_now("old")
    acquire_lock("current", ttl=30)
    assert run("cleanup_locks") == "Removed 1 expired lock(s).\n"
    assert list(Lock.objects.values_list("key", flat=True)) == ["current"]


def test_it_lists_locks_as_a_table():
    acquire_lock("send_reminders:tick", ttl=90)
    acquire_lock("patient:7", ttl=30)
    expire_now("patient:7")
    header, expired, held = run("locks").splitlines()
    assert header.split() == ["KEY", "HOLDER", "FENCE", "ACQUIRED", "EXPIRES", "STATE"]
    assert expired.split()[0] == "patient:7" and expired.split()[-3:] == ["0s", "ago", "expired"]
    assert held.split()[0] == "send_reminders:tick" and held.split()[-4:] == ["in", "1m", "30s", "held"]


def test_it_says_when_there_are_no_locks():
    assert run("locks") == "No locks.\n"


@pytest.mark.parametrize(
    "seconds, text", [(12.4, "in 12s"), (-3, "3s ago"), (185, "in 3m 05s"), (-7322, "2h 02m ago")]
)
def test_it_describes_time_to_expiry(seconds, text):
    assert describe_remaining(seconds) == text


def test_it_releases_after_confirmation(answer):
    lease = acquire_lock("patient:7", ttl=30)
    prompts = answer("y")
    assert "Released lock 'patient:7'" in run("locks", "--release", "patient:7")
    assert f"fence {lease.fence}" in prompts[0]
    assert not Lock.objects.exists()


def test_it_keeps_the_lock_when_confirmation_is_declined(answer):
    acquire_lock("patient:7", ttl=30)
    answer("n")
    assert run("locks", "--release", "patient:7") == "Nothing released.\n"
    assert Lock.objects.filter(key="patient:7").exists()


@pytest.mark.parametrize("flag", ["--yes", "--no-input"])
def test_it_releases_without_asking_when_told_to(answer, flag):
    acquire_lock("patient:7", ttl=30)
    prompts = answer("n")
    run("locks", "--release", "patient:7", flag)
    assert prompts == []
    assert not Lock.objects.exists()


def test_it_explains_an_unknown_key():
    with pytest.raises(CommandError, match="There is no lock named 'patient:8'"):
        call_command("locks", "--release", "patient:8", "--yes")
