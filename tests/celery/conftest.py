import shutil

import pytest

from prima.celery import app as celery_app
from tests.celery.cluster import broker, redis_server


def take_published() -> list[tuple[str, list]]:
    """(task name, args) of every task waiting in the in-memory broker, removing them."""
    taken = []
    with celery_app.connection_for_read() as connection:
        queue = connection.SimpleQueue(celery_app.conf.task_default_queue)
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return taken
            taken.append((message.headers["task"], message.payload[0]))
            message.ack()


@pytest.fixture
def memory_broker():
    """kombu's in-process broker: real publishing, nothing to start. Emptied before and after."""
    with broker("memory://"):
        take_published()
        yield
        take_published()


@pytest.fixture(scope="module")
def redis_url():
    """A real redis-server for a module's tests (tests/celery/cluster.py)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed; these tests need a real broker (.ci/run installs it)")
    with redis_server() as url:
        yield url
