"""Scale-out end to end: a real redis-server, three real `celery worker` processes on the
test database, sending through a local Fonnte stand-in that counts every request."""
import threading
import time
from collections.abc import Callable

import pytest
import redis

from reminders.outbox.dispatch import publish
from reminders.models import Message
from reminders.tasks import sweep, tick
from tests.celery.cluster import Workers, broker, wait_for, worker_environment
from tests.factories import queue_backlog
from tests.fonnte_standin import FonnteStandIn

pytestmark = pytest.mark.django_db(transaction=True)

BACKLOG = 2000
WORKERS = 3


@pytest.fixture
def broker_url(redis_url):
    redis.Redis.from_url(redis_url).flushall()
    with broker(redis_url):
        yield redis_url


@pytest.fixture
def fonnte():
    with FonnteStandIn(latency=0.005) as standin:
        yield standin


def sent() -> int:
    return Message.objects.filter(status=Message.Status.SENT).count()


def wait_until_all_sent(workers: Workers, *, beat: Callable[[], None] | None = None) -> None:
    """Wait (generously: the machine may be busy with other suites), calling `beat` between checks."""

    def all_sent() -> bool:
        if beat:
            beat()
        return sent() == BACKLOG

    try:
        wait_for(all_sent, 240, f"{BACKLOG} messages to be sent", interval=0.25)
    except TimeoutError as exc:
        logs = "\n".join(workers.log_tail(i) for i in range(WORKERS) if workers.processes[i].returncode is None)
        raise AssertionError(f"{exc}; {sent()} sent; worker logs:\n{logs}") from None


def requests_per_message(fonnte: FonnteStandIn, messages: list[Message]) -> dict[int, int]:
    return {message.id: fonnte.requests[(message.phone.lstrip("+"), message.body)] for message in messages}


def test_three_workers_send_a_backlog_exactly_once(broker_url, fonnte):
    messages = queue_backlog(BACKLOG)
    with Workers(WORKERS, worker_environment(broker_url, fonnte.base_url)) as workers:
        publish([message.id for message in messages])
        wait_until_all_sent(workers)
    assert set(requests_per_message(fonnte, messages).values()) == {1}
    assert fonnte.total() == BACKLOG


def test_a_backlog_published_twice_is_still_sent_exactly_once(broker_url, fonnte):
    messages = queue_backlog(BACKLOG)
    ids = [message.id for message in messages]
    with Workers(WORKERS, worker_environment(broker_url, fonnte.base_url)) as workers:
        publish(ids)
        publish(ids)
        wait_until_all_sent(workers)
    assert set(requests_per_message(fonnte, messages).values()) == {1}
    assert fonnte.total() == BACKLOG


class HeldRequest:
    """A stand-in responder that keeps one request (the `number`-th) waiting until released,
    so the worker that sent it is caught mid-send, holding its claim."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.arrived = threading.Event()
        self.released = threading.Event()

    def __call__(self, number: int, fields: dict[str, str]) -> None:
        if number == self.number:
            self.arrived.set()
            self.released.wait(timeout=60)


def test_a_worker_killed_mid_send_loses_nothing(broker_url):
    messages = queue_backlog(BACKLOG)
    held = HeldRequest(BACKLOG // 4)
    last_beat = time.monotonic()

    def beat() -> None:
        """Beat's part, at a test's pace: the sweep puts the dead worker's expired claim back
        in the queue, and the tick publishes what is due again."""
        nonlocal last_beat
        if time.monotonic() - last_beat >= 2:
            sweep()
            tick()
            last_beat = time.monotonic()

    with FonnteStandIn(responder=held) as fonnte:
        # A short lease, so the killed worker's claim expires within the test (the send
        # timeouts must fit inside it).
        environment = worker_environment(broker_url, fonnte.base_url, SEND_LEASE_SECONDS="8",
                                         FONNTE_CONNECT_TIMEOUT="1", FONNTE_READ_TIMEOUT="5",
                                         CLOUD_API_CONNECT_TIMEOUT="1", CLOUD_API_READ_TIMEOUT="5")
        with Workers(WORKERS, environment) as workers:
            publish([message.id for message in messages])
            assert held.arrived.wait(timeout=90), "the held request never came"
            workers.kill(workers.holding(fonnte.client_ports[held.number]))
            held.released.set()
            wait_until_all_sent(workers, beat=beat)
        requests = requests_per_message(fonnte, messages)
    assert min(requests.values()) == 1  # nothing lost
    twice = list(Message.objects.filter(id__in=[id for id, count in requests.items() if count > 1]))
    print(f"\nworker killed mid-send: {len(twice)} message(s) sent twice: ids {[m.id for m in twice]}")
    # The recorded crash window: the stand-in got the send, the worker died before writing SENT;
    # once its lease expired the message went out again, as its second attempt.
    assert len(twice) >= 1
    assert all(message.attempts >= 2 for message in twice)


def test_a_worker_stopped_mid_send_by_sigterm_to_its_whole_group_lands_its_calls_and_gives_back_the_rest(
        broker_url):
    """What systemd's default KillMode, `docker stop` or a terminal does: the pool process gets
    the SIGTERM too, and takes it as a stop request (prima/celery.py) instead of dying mid-send."""
    messages = queue_backlog(40, patients=40)
    with FonnteStandIn(latency=2.0) as fonnte:
        with Workers(1, worker_environment(broker_url, fonnte.base_url)) as workers:
            publish([message.id for message in messages])
            wait_for(lambda: fonnte.total() >= 1, 60, "the first calls to reach the gateway", interval=0.05)
            workers.stop()  # SIGTERM to the worker's process group
            assert workers.processes[0].returncode == 0
        accepted = {body for (_target, body) in fonnte.requests}
        assert set(fonnte.requests.values()) == {1} and 1 <= len(accepted) <= 16
    states = {m.body: (m.status, m.attempts) for m in Message.objects.all()}
    assert {body for body, (status, _attempts) in states.items() if status == "SENT"} == accepted
    assert {state for body, state in states.items() if body not in accepted} == {("QUEUED", 0)}
