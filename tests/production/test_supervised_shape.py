"""The production shape under supervisord, from a fresh copy of the tree with only the settings
the docs list (docs/operations.md, "The recipe"): a worker killed is started again while the
admin and the webhooks go on answering; a stop mid-send, whichever way it arrives (SIGTERM to the
whole process group, Ctrl-C, SIGTERM to supervisord itself), lets the calls in flight land and
be recorded, gives the rest back, and ends with exit status 0."""
import os
import re
import secrets
import shutil
import signal
import time

import pytest
import requests
from django.db import connection

from reminders.models import Message
from tests.celery.cluster import free_port, wait_for
from tests.factories import queue_backlog
from tests.fonnte_standin import FonnteStandIn
from tests.processes import database_url
from tests.production.shape import ProductionShape, fresh_copy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed (.ci/run installs it)"),
]

DEVICE = "6281100000000"
# Each call takes this long at the stand-in: a stop always finds calls in flight.
CALL_SECONDS = 3.0


def laptop_recipe(fonnte: FonnteStandIn, webhook_secret: str) -> dict[str, str]:
    """docs/operations.md's plain-HTTP recipe, with the sending settings of README's table."""
    return {
        "DATABASE_URL": database_url(connection.settings_dict),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "PORT": str(free_port()),
        "REDIS_PORT": str(free_port()),
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "1",
        "FONNTE_TOKEN": "shape-device-token",
        # A real mail server, as production must have (the console's is refused); nobody writes an emergency here.
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "FONNTE_DEVICES": DEVICE,
        "FONNTE_BASE_URL": fonnte.base_url,
        "FONNTE_WEBHOOK_SECRET": webhook_secret,
    }


def answers(shape: ProductionShape, webhook_secret: str) -> tuple[int, int]:
    """The admin's login page and a status webhook from Fonnte: their HTTP statuses."""
    login = requests.get(f"{shape.base_url}/admin/login/", timeout=10)
    status = {"device": DEVICE, "id": "80000000", "status": "sent", "state": "read"}
    webhook = requests.post(f"{shape.base_url}/webhooks/fonnte/{webhook_secret}/status/", json=status, timeout=10)
    return login.status_code, webhook.status_code


def worker_state(shape: ProductionShape) -> tuple[str, int]:
    """supervisorctl's word for the worker, and its pid (0 when not running)."""
    line = shape.supervisorctl("status", "worker")
    match = re.match(r"worker\s+(\w+)\s+(?:pid (\d+))?", line)
    return match.group(1), int(match.group(2) or 0)


def assert_nothing_sent_twice_or_left_unknown(fonnte: FonnteStandIn) -> None:
    """Every message the gateway accepted is SENT, once; nothing is left SENDING; what was
    never started went back to the queue with no attempt spent."""
    accepted = {body for (_target, body), count in fonnte.requests.items()}
    assert set(fonnte.requests.values()) <= {1}, "a message reached the gateway twice"
    states = {m.body: (m.status, m.attempts) for m in Message.objects.all()}
    assert not [body for body, (status, _attempts) in states.items() if status == "SENDING"]
    assert {body for body, (status, _attempts) in states.items() if status == "SENT"} == accepted
    assert all(state == ("QUEUED", 0) for body, state in states.items() if body not in accepted)


def test_a_killed_worker_comes_back_and_a_group_stop_mid_send_loses_and_repeats_nothing(tmp_path):
    webhook_secret = secrets.token_urlsafe(24)
    with FonnteStandIn(latency=CALL_SECONDS) as fonnte, fresh_copy() as tree, \
            ProductionShape(laptop_recipe(fonnte, webhook_secret), tmp_path / "run-prod.log", root=tree) as shape:
        # One worker dies (out of memory, a bug): supervisord starts it again, and meanwhile
        # the admin and Fonnte's webhooks are answered as ever.
        state, killed = worker_state(shape)
        assert state == "RUNNING" and killed
        os.killpg(killed, signal.SIGKILL)  # supervisord made it the leader of its own group
        seen = []

        def worker_back() -> bool:
            seen.append(answers(shape, webhook_secret))
            state, pid = worker_state(shape)
            return state == "RUNNING" and pid not in (0, killed)

        wait_for(worker_back, 60, "supervisord to start the killed worker again", interval=0.25)
        assert len(seen) >= 2 and set(seen) == {(200, 200)}, seen

        # Mid-send: 30 messages due, 8 calls in flight per worker process, each 3 s at the gateway.
        queue_backlog(30, patients=30)
        wait_for(lambda: fonnte.total() >= 1, 60, "the restarted worker to start sending", interval=0.1)
        started = time.monotonic()
        assert shape.stop(group=True) == 0, shape.log_tail()
        stopped_in = time.monotonic() - started
        log = shape.log()

    assert "run-prod: stopped on request; every program exited with 0" in log
    assert re.findall(r"INFO stopped: (\w+) \(exit status 0\)", log) == ["beat", "worker", "web", "redis"]
    assert "worker: Warm shutdown" in log and "WorkerLostError" not in log
    assert "Service Unavailable: /healthz" not in log  # booting's 503s are not errors
    assert webhook_secret not in log
    assert 1 <= fonnte.total() <= 16, "the stop came mid-send, and no chunk started after it"
    assert int(re.search(r"released=(\d+)", log).group(1)) >= 30 - 16  # claimed, not started: given back
    assert_nothing_sent_twice_or_left_unknown(fonnte)
    assert stopped_in < 2 * CALL_SECONDS + 20  # the calls in flight, not the whole batch


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm to supervisord"])
def test_a_stop_asked_another_way_is_as_graceful(tmp_path, how):
    webhook_secret = secrets.token_urlsafe(24)
    with FonnteStandIn(latency=CALL_SECONDS) as fonnte, fresh_copy() as tree, \
            ProductionShape(laptop_recipe(fonnte, webhook_secret), tmp_path / "run-prod.log", root=tree) as shape:
        queue_backlog(20, patients=20)
        wait_for(lambda: fonnte.total() >= 1, 60, "the worker to start sending", interval=0.1)
        if how == "ctrl-c":  # a terminal sends SIGINT to its whole foreground process group
            assert shape.stop(sig=signal.SIGINT, group=True) == 0, shape.log_tail()
        else:
            supervisord = int(re.search(r"started supervisord \(pid (\d+)\)", shape.log()).group(1))
            os.kill(supervisord, signal.SIGTERM)
            assert shape.process.wait(timeout=90) == 0, shape.log_tail()
        log = shape.log()

    assert "run-prod: stopped on request; every program exited with 0" in log
    assert re.findall(r"INFO stopped: (\w+) \(exit status 0\)", log) == ["beat", "worker", "web", "redis"]
    assert 1 <= fonnte.total() < 20
    assert_nothing_sent_twice_or_left_unknown(fonnte)
