import os
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from locks.models import Lock
from locks.services import (
    LockLost,
    LockNotAcquired,
    acquire_lock,
    assert_lock_held,
    cleanup_expired_locks,
    hold_lock,
    release_lock,
    renew_lock,
)
from tests.locks.helpers import expire_now


def in_thread(target, *args) -> threading.Thread:
    """Run `target` on another thread, hence on another connection (closed when it is done)."""

    def run():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db
class TestAcquireAndRelease:
    def test_it_acquires_a_free_key(self):
        lease = acquire_lock("job", ttl=30)
        lock = Lock.objects.get(key="job")
        assert (lock.owner, lock.fence, lock.expires_at) == (lease.owner, lease.fence, lease.expires_at)
        assert lock.holder.endswith(f":{os.getpid()}")

    def test_it_refuses_a_held_key(self):
        acquire_lock("job", ttl=30)
        assert acquire_lock("job", ttl=30) is None

    def test_it_accepts_a_timedelta(self):
        lease = acquire_lock("job", ttl=timedelta(minutes=2))
        lock = Lock.objects.get(key="job")
        assert lock.expires_at - lock.acquired_at == timedelta(minutes=2)
        assert lease.expires_at == lock.expires_at

    def test_it_releases_only_its_own_lease(self):
        lease = acquire_lock("job", ttl=30)
        assert release_lock(lease) is True
        assert not Lock.objects.exists()
        assert release_lock(lease) is False

    def test_it_takes_over_an_expired_lease_with_a_greater_fence(self, caplog):
        holder_a = acquire_lock("job", ttl=1)
        started = time.monotonic()
        holder_b = acquire_lock("job", ttl=30, wait=3)
        assert holder_b is not None
        assert time.monotonic() - started >= 0.9
        assert holder_b.fence > holder_a.fence

        assert release_lock(holder_a) is False
        assert "was lost" in caplog.text
        assert Lock.objects.get(key="job").owner == holder_b.owner

@pytest.mark.django_db
class TestRenew:
    def test_it_extends_a_held_lease(self):
        lease = acquire_lock("job", ttl=5)
        renewed = renew_lock(lease, ttl=60)
        assert renewed.expires_at > lease.expires_at + timedelta(seconds=50)
        assert (renewed.owner, renewed.fence) == (lease.owner, lease.fence)
        assert Lock.objects.get(key="job").expires_at == renewed.expires_at

    def test_it_does_not_renew_a_lease_taken_over(self):
        lease = acquire_lock("job", ttl=5)
        expire_now("job")
        successor = acquire_lock("job", ttl=30)
        assert renew_lock(lease, ttl=60) is None
        assert Lock.objects.get(key="job").expires_at == successor.expires_at

    def test_it_does_not_renew_an_expired_lease(self):
        lease = acquire_lock("job", ttl=5)
        expire_now("job")
        assert renew_lock(lease, ttl=60) is None


@pytest.mark.django_db
class TestAssertLockHeld:
    def test_it_passes_while_held(self):
        lease = acquire_lock("job", ttl=30)
        with transaction.atomic():
            assert_lock_held(lease)

    def test_it_raises_when_taken_over(self):
        lease = acquire_lock("job", ttl=30)
        expire_now("job")
        acquire_lock("job", ttl=30)
        with pytest.raises(LockLost, match="'job' with fence"), transaction.atomic():
            assert_lock_held(lease)

    def test_it_raises_when_expired(self):
        lease = acquire_lock("job", ttl=30)
        expire_now("job")
        with pytest.raises(LockLost), transaction.atomic():
            assert_lock_held(lease)

    def test_it_raises_when_released(self):
        lease = acquire_lock("job", ttl=30)
        release_lock(lease)
        with pytest.raises(LockLost), transaction.atomic():
            assert_lock_held(lease)


@pytest.mark.django_db
class TestHoldLock:
    def test_it_releases_on_exit(self):
        with hold_lock("job", ttl=30) as lease:
            assert Lock.objects.get(key="job").fence == lease.fence
        assert not Lock.objects.exists()

    def test_it_releases_on_exception(self):
        with pytest.raises(RuntimeError), hold_lock("job", ttl=30):
            raise RuntimeError("work failed")
        assert not Lock.objects.exists()

    def test_it_raises_when_the_key_is_held(self):
        acquire_lock("job", ttl=30)
        with pytest.raises(LockNotAcquired, match="'job' is held"), hold_lock("job", ttl=30):
            pytest.fail("entered a held lock")

    def test_it_refuses_a_heartbeat_inside_a_transaction(self):
        with pytest.raises(transaction.TransactionManagementError, match="outside transaction.atomic"):
            with hold_lock("job", ttl=30, heartbeat=True):
                pytest.fail("entered")


@pytest.mark.django_db
def test_it_cleans_up_only_expired_locks():
    acquire_lock("expired", ttl=30)
    expire_now("expired")
    acquire_lock("held", ttl=30)
    assert cleanup_expired_locks() == 1
    assert list(Lock.objects.values_list("key", flat=True)) == ["held"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("", 10), "non-empty string"),
        ((None, 10), "non-empty string"),
        (("x" * 256, 10), "256 characters long; at most 255"),
        (("job", 0), "ttl must be more than 0"),
        (("job", -1), "ttl must be more than 0"),
        (("job", timedelta(0)), "ttl must be more than 0"),
        (("job", float("inf")), "ttl must be a finite number"),
        (("job", "10"), "ttl must be a finite number"),
    ],
)
def test_it_rejects_bad_input(arguments, message):
    with pytest.raises(ValueError, match=message):
        acquire_lock(*arguments)


def test_it_rejects_a_negative_wait():
    with pytest.raises(ValueError, match="wait must be 0 seconds or more"):
        acquire_lock("job", ttl=10, wait=-1)


@pytest.mark.django_db
def test_it_rejects_a_bad_ttl_on_renew():
    lease = acquire_lock("job", ttl=10)
    with pytest.raises(ValueError, match="ttl must be more than 0"):
        renew_lock(lease, ttl=0)


@pytest.mark.django_db(transaction=True)
class TestOutsideTransactions:
    """Leases committed for other connections to see: threads here, processes in test_contention."""

    def test_it_acquires_as_soon_as_the_holder_releases(self):
        holder = acquire_lock("job", ttl=30)
        releaser = in_thread(lambda: (time.sleep(0.3), release_lock(holder)))
        started = time.monotonic()
        lease = acquire_lock("job", ttl=30, wait=5)
        waited = time.monotonic() - started
        releaser.join()
        assert lease is not None
        assert 0.25 <= waited < 1.0

    def test_it_gives_up_at_the_deadline(self):
        acquire_lock("job", ttl=30)
        started = time.monotonic()
        assert acquire_lock("job", ttl=30, wait=0.5) is None
        assert 0.5 <= time.monotonic() - started < 1.0

    def test_it_keeps_a_lease_alive_with_a_heartbeat(self):
        with hold_lock("job", ttl=0.6, heartbeat=True) as lease:
            time.sleep(1.5)
            assert acquire_lock("job", ttl=30) is None
            with transaction.atomic():
                assert_lock_held(lease)
            assert Lock.objects.get(key="job").expires_at > lease.expires_at
        assert not Lock.objects.exists()
        assert not [thread for thread in threading.enumerate() if thread.name.startswith("lock-heartbeat")]

    def test_it_lets_a_lease_lapse_without_a_heartbeat(self):
        with hold_lock("job", ttl=0.3) as lease:
            time.sleep(0.5)
            with pytest.raises(LockLost), transaction.atomic():
                assert_lock_held(lease)

    def test_it_makes_a_takeover_wait_for_a_guarded_write_in_progress(self):
        """The guard's row lock: no one takes over between the check and the commit."""
        holder = acquire_lock("job", ttl=0.3)
        outcome = {}

        def take_over():
            started = time.monotonic()
            outcome["lease"] = acquire_lock("job", ttl=30, wait=5)
            outcome["at"] = time.monotonic() - started

        with transaction.atomic():
            assert_lock_held(holder)
            challenger = in_thread(take_over)
            time.sleep(0.8)  # well past the ttl, still inside the guarded transaction
            assert "lease" not in outcome
        challenger.join()
        assert outcome["lease"].fence > holder.fence
        assert outcome["at"] >= 0.7

    def test_it_leaves_the_holder_unlocked_after_a_failed_attempt_in_a_transaction(self):
        """A failed takeover locks the holder's row; rolling back its savepoint must free it."""
        holder = acquire_lock("job", ttl=30)
        released = {}

        def release_promptly():
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
            released["ok"] = release_lock(holder)

        with transaction.atomic():
            assert acquire_lock("job", ttl=30) is None
            in_thread(release_promptly).join()  # blocks for good, or fails, if the row stayed locked
        assert released == {"ok": True}

    def test_it_requires_a_transaction_for_the_guard(self):
        lease = acquire_lock("job", ttl=30)
        with pytest.raises(transaction.TransactionManagementError, match="inside transaction.atomic"):
            assert_lock_held(lease)
