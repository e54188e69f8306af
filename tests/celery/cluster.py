"""Real processes for the Celery tests and bench/celery_workers.py: a throwaway redis-server on a
free port, and `celery worker` subprocesses pointed at the database this process uses
(the test database, or a benchmark's scratch one)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from prima.celery import app as celery_app
from tests.processes import database_url

ROOT = Path(__file__).resolve().parent.parent.parent
CELERY = Path(sys.executable).parent / "celery"
NO_RATE_LIMITS = {"RATE_LIMIT_WHATSAPP_SEND": "100000000/60", "RATE_LIMIT_FONNTE_DEVICE": "100000000/60"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(interval)


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server (no persistence, data in a temp dir); yields its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="prima-redis-") as data:
        command = [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", data]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        try:
            wait_for(lambda: server.poll() is not None or _answers(client), 10, "redis-server to start")
            if server.poll() is not None:
                raise RuntimeError(f"redis-server exited with {server.returncode}")
            yield url
        finally:
            client.close()
            server.terminate()
            server.wait(timeout=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Publish from this process to `url` (the app read its settings once, so it is told too)."""
    previous = settings.CELERY_BROKER_URL, celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = celery_app.conf.broker_url = url
    try:
        yield
    finally:
        settings.CELERY_BROKER_URL, celery_app.conf.broker_url = previous


class Workers:
    """`count` real `celery -A prima worker` processes, each in its own process group, so
    `kill` takes a worker down whole (pool child included), as a lost machine would."""

    def __init__(self, count: int, environment: dict[str, str], pool: str = "prefork") -> None:
        self.environment = {**os.environ, **environment}
        self.logs = Path(tempfile.mkdtemp(prefix="prima-workers-"))
        self.processes = [self._start(index, pool) for index in range(count)]

    def _start(self, index: int, pool: str) -> subprocess.Popen:
        command = [str(CELERY), "-A", "prima", "worker", f"--pool={pool}", "--concurrency=1",
                   f"--hostname=worker{index}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "--loglevel=INFO"]
        with open(self.logs / f"worker{index}.log", "wb") as log:
            return subprocess.Popen(command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self) -> "Workers":
        try:
            wait_for(lambda: all(self._ready(index) for index in range(len(self.processes))), 60,
                     "the workers to be ready", interval=0.2)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _ready(self, index: int) -> bool:
        if self.processes[index].poll() is not None:
            raise RuntimeError(f"worker{index} exited early:\n{self.log_tail(index)}")
        return b" ready." in (self.logs / f"worker{index}.log").read_bytes()

    def log_tail(self, index: int, lines: int = 30) -> str:
        return "\n".join((self.logs / f"worker{index}.log").read_text(errors="replace").splitlines()[-lines:])

    def holding(self, client_port: int) -> int:
        """The worker whose process (its pool child included) has the TCP connection from
        `client_port` open: the one whose request the stand-in is holding."""
        inode = _socket_inode(client_port)
        for index, process in enumerate(self.processes):
            for pid in _process_group(process.pid):
                if f"socket:[{inode}]" in _open_files(pid):
                    return index
        raise AssertionError(f"no worker has the connection from port {client_port} open")

    def kill(self, index: int) -> None:
        os.killpg(self.processes[index].pid, signal.SIGKILL)
        self.processes[index].wait()

    def restart(self, index: int, pool: str = "prefork") -> None:
        """Kill one worker and start a fresh one in its place (bench/chaos.py --celery)."""
        self.kill(index)
        self.processes[index] = self._start(index, pool)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM: finish the task in hand), then SIGKILL for stragglers."""
        running = [process for process in self.processes if process.poll() is None]
        for process in running:
            os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.logs, ignore_errors=True)


def worker_environment(broker_url: str, fonnte_url: str, **overrides: str) -> dict[str, str]:
    """Workers on this process's database and broker, sending through a Fonnte stand-in,
    rate limits out of the way, keeping their database connection between tasks as
    docs/operations.md advises."""
    from django.db import connection

    return {
        "DEBUG": "1",
        "DATABASE_URL": database_url(connection.settings_dict, CONN_MAX_AGE=600),
        "CELERY_BROKER_URL": broker_url,
        "FONNTE_TOKEN": "test-token",
        "FONNTE_BASE_URL": fonnte_url,
        "WHATSAPP_BACKEND": "reminders.backends.fonnte.FonnteBackend",
        **NO_RATE_LIMITS,
        **overrides,
    }


def _socket_inode(local_port: int) -> str:
    """The inode of the IPv4 TCP socket bound to 127.0.0.1:`local_port` (Linux's /proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{local_port:04X}":
            return fields[9]
    raise AssertionError(f"no socket from 127.0.0.1:{local_port}")


def _process_group(group: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == group:
            members.append(int(stat.parent.name))
    return members


def _open_files(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            found.add(os.readlink(fd))
        except OSError:
            continue
    return found
