#!/usr/bin/env python
"""Celery workers against `send_reminders --loop` processes, draining the same backlog.

For 1, 2 and 4 processes of each kind: N due messages through the real Fonnte backend to a
local stand-in with a fixed latency, rate limits out of the way, in a scratch database the
script creates and drops. Celery runs real `celery worker` processes (prefork, concurrency 1)
on a private redis-server, with the backlog published as `send_messages` tasks of 50 (what a
tick does), each sent SEND_CONCURRENCY in flight; the loops claim batches of 50. Both kinds are started and idle before the messages
become due; the clock runs from that moment until the last one is SENT.

    DEBUG=1 .venv/bin/python bench/celery_workers.py [--messages 3000] [--latency 0.01] [--processes 1 2 4]
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from reminders.outbox.dispatch import publish  # noqa: E402
from reminders.models import Message  # noqa: E402
from tests.celery.cluster import Workers, broker, redis_server, wait_for, worker_environment  # noqa: E402
from tests.factories import queue_backlog  # noqa: E402
from tests.fonnte_standin import FonnteStandIn  # noqa: E402

SCRATCH_DB = "prima_bench_celery"
# Long enough for every process to be up and idle when the backlog becomes due.
START_MARGIN_SECONDS = 8
COLUMNS = [("processes", 9), ("celery msg/s", 12), ("loop msg/s", 10), ("celery/loop", 11),
           ("celery scaling", 14), ("loop scaling", 12), ("extra sends", 11)]


def sent() -> int:
    return Message.objects.filter(status=Message.Status.SENT).count()


def due_soon(count: int) -> float:
    """Queue `count` messages due START_MARGIN_SECONDS from now; return that moment (monotonic)."""
    Message.objects.all().delete()
    queue_backlog(count, send_after=timezone.now() + timezone.timedelta(seconds=START_MARGIN_SECONDS))
    return time.monotonic() + START_MARGIN_SECONDS


def wait_until_sent(count: int, due_at: float) -> float:
    wait_for(lambda: sent() == count, 3600, f"{count} messages to be sent", interval=0.2)
    return time.monotonic() - due_at


def drain_with_celery(processes: int, count: int, standin: FonnteStandIn, redis_url: str) -> float:
    due_at = due_soon(count)
    ids = list(Message.objects.values_list("id", flat=True))
    with Workers(processes, worker_environment(redis_url, standin.base_url)):
        time.sleep(max(0.0, due_at - time.monotonic()))
        publish(ids)
        return wait_until_sent(count, due_at)


def drain_with_loops(processes: int, count: int, standin: FonnteStandIn, redis_url: str) -> float:
    environment = {**os.environ, **worker_environment("", standin.base_url)}
    due_at = due_soon(count)
    command = [sys.executable, "manage.py", "send_reminders", "--loop", "--interval", "0.2", "--batch-size", "50"]
    loops = [subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL) for _ in range(processes)]
    try:
        return wait_until_sent(count, due_at)
    finally:
        for loop in loops:
            loop.terminate()
        for loop in loops:
            loop.wait(timeout=60)


def measure(drain, processes: int, count: int, latency: float, redis_url: str) -> tuple[float, int]:
    """Messages per second, and how many requests the stand-in got beyond one per message."""
    with FonnteStandIn(latency=latency) as standin:
        seconds = drain(processes, count, standin, redis_url)
        return count / seconds, standin.total() - count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.01, help="stand-in answer delay in seconds")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    with scratch_database(SCRATCH_DB), redis_server() as redis_url, broker(redis_url):
        with connection.cursor() as cursor:
            server = cursor.connection.info.server_version
        print(f"drain {args.messages} due messages, stand-in latency {args.latency * 1000:.0f} ms, "
              f"{os.cpu_count()} cores, PostgreSQL {server}")
        print(" ".join(f"{title:>{width}}" for title, width in COLUMNS))
        base = None
        for processes in args.processes:
            celery_rate, celery_extra = measure(drain_with_celery, processes, args.messages, args.latency, redis_url)
            loop_rate, loop_extra = measure(drain_with_loops, processes, args.messages, args.latency, redis_url)
            base = base or (celery_rate, loop_rate)
            cells = [f"{processes}", f"{celery_rate:.1f}", f"{loop_rate:.1f}", f"{celery_rate / loop_rate:.2f}",
                     f"{celery_rate / base[0]:.2f}x", f"{loop_rate / base[1]:.2f}x", f"{celery_extra + loop_extra}"]
            print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS)))

if __name__ == "__main__":
    main()
