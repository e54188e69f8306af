"""The lock under real contention: separate OS processes, each on its own connection."""
import multiprocessing
import os
import random
import signal
import time

import pytest
from django.db import connection, connections, transaction

from locks.services import LockLost, acquire_lock, assert_lock_held, release_lock
from tests.processes import run_in_processes

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 8
ROUNDS = 200
KEY = "tests:counter"


@pytest.fixture
def register():
    """A one-row scratch table outside Django's models, written by the processes under test."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE locks_test_register (id int PRIMARY KEY, value bigint NOT NULL)")
        cursor.execute("INSERT INTO locks_test_register VALUES (1, 0)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE locks_test_register")


def read_register() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM locks_test_register WHERE id = 1")
        return cursor.fetchone()[0]


def increment_under_lock(rounds: int) -> list[tuple]:
    """A deliberately racy read-modify-write (each step its own autocommit statement) that only
    the lock keeps correct. Returns each round's (work started, work ended, fence) by the
    database clock."""
    rounds_done = []
    for _ in range(rounds):
        lease = acquire_lock(KEY, ttl=30, wait=60)
        assert lease is not None, "gave up waiting"
        with connection.cursor() as cursor:
            cursor.execute("SELECT value, clock_timestamp() FROM locks_test_register WHERE id = 1")
            value, started = cursor.fetchone()
            time.sleep(random.choice([0, 0, 0.001]))
            cursor.execute(
                "UPDATE locks_test_register SET value = %s WHERE id = 1 RETURNING clock_timestamp()", [value + 1]
            )
            (ended,) = cursor.fetchone()
        assert release_lock(lease), "lease lost mid-round"
        rounds_done.append((started, ended, lease.fence))
    return rounds_done


def test_it_lets_one_process_at_a_time_into_the_critical_section(register):
    results = run_in_processes(increment_under_lock, [(ROUNDS,)] * PROCESSES)

    assert read_register() == PROCESSES * ROUNDS
    rounds_in_order = sorted(round_ for rounds in results for round_ in rounds)
    for (_, previous_end, previous_fence), (start, _, fence) in zip(rounds_in_order, rounds_in_order[1:], strict=False):
        assert start >= previous_end, "two holders worked at the same time"
        assert fence > previous_fence, "a later lease got a smaller fence"


def paused_holder(key: str, report, resume) -> None:
    """Holder A: acquire, report, wait to be resumed (it is SIGSTOPped meanwhile), then try a
    guarded write of its fence."""
    try:
        lease = acquire_lock(key, ttl=0.5)
        report.put(("acquired", lease.fence))
        resume.wait(timeout=30)
        try:
            with transaction.atomic():
                assert_lock_held(lease)
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE locks_test_register SET value = %s WHERE id = 1", [lease.fence])
            report.put(("wrote", lease.fence))
        except LockLost as exc:
            report.put(("lost", str(exc)))
    except BaseException as exc:  # tell the parent rather than dying silently
        report.put(("error", repr(exc)))
    finally:
        connections.close_all()


def test_it_stops_a_holder_paused_past_its_ttl_from_writing(register):
    context = multiprocessing.get_context("fork")
    report, resume = context.Queue(), context.Event()
    connections.close_all()  # the child must not inherit (and later close) our socket
    holder = context.Process(target=paused_holder, args=("tests:fenced", report, resume))
    holder.start()
    try:
        outcome, fence_a = report.get(timeout=30)
        assert outcome == "acquired", fence_a
        os.kill(holder.pid, signal.SIGSTOP)

        lease_b = acquire_lock("tests:fenced", ttl=30, wait=5)  # succeeds once A's 0.5 s are over
        assert lease_b is not None and lease_b.fence > fence_a
        with transaction.atomic():
            assert_lock_held(lease_b)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE locks_test_register SET value = %s WHERE id = 1", [lease_b.fence])

        # Continue A before setting the event: setting it waits for every waiter to wake.
        os.kill(holder.pid, signal.SIGCONT)
        resume.set()
        outcome, detail = report.get(timeout=30)
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.join(timeout=30)

    assert outcome == "lost", detail
    assert read_register() == lease_b.fence
    assert release_lock(lease_b)
