#!/usr/bin/env python
"""PRIMA's drain side by side with procrastinate, a well-kept PostgreSQL job queue.

Same run, same PostgreSQL (a scratch database the script creates and drops), same number of
messages, the same worker processes (forked, each its own connections), the same HTTP send
(the real Fonnte backend to a local stand-in answering after --latencies seconds), rate
limits out of the way. Ours: `send_reminders`' drain (claimed batches of 50, SEND_CONCURRENCY
sends in flight). The peer: one procrastinate job per message (batch-deferred up front),
`run_worker(wait=False)` per process, with 1 and with SEND_CONCURRENCY jobs at a time (its
sync tasks run in threads). The two sides alternate, so the machine's noise falls on both.

Printed per latency: messages/s of each, ours / the peer's best, and ours against the
concurrency bound (processes x SEND_CONCURRENCY / latency) when the latency is not zero.

procrastinate is a bench-only dependency: `make bench-venv` makes .venv-bench with it.

    .venv-bench/bin/python bench/peers.py [--messages 4000] [--latencies 0 0.05] [--processes 4]
"""
import argparse
import functools
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
os.environ.setdefault("DEBUG", "1")
for limit in ("WHATSAPP_SEND", "FONNTE_DEVICE"):
    os.environ[f"RATE_LIMIT_{limit}"] = "100000000/60"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["FONNTE_TOKEN"] = "bench-token"

try:
    import procrastinate
except ImportError:
    sys.exit("procrastinate is not installed here: run `make bench-venv`, then use .venv-bench/bin/python")

import django  # noqa: E402

django.setup()
django.conf.settings.DEBUG = False  # production's setting: no per-query log measured

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from reminders.backends.fonnte import FonnteBackend  # noqa: E402
from reminders.models import Message  # noqa: E402
from reminders.scheduler import drain  # noqa: E402
from tests.factories import queue_backlog  # noqa: E402
from tests.fonnte_standin import FonnteStandIn  # noqa: E402
from tests.processes import database_url  # noqa: E402

SCRATCH_DB = "prima_bench_peers"
_context = multiprocessing.get_context("fork")


@functools.cache
def backend() -> FonnteBackend:
    return FonnteBackend()


def run_processes(target, processes: int, *args) -> float:
    connections.close_all()
    started = time.monotonic()
    workers = [_context.Process(target=target, args=args) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a worker exited with {worker.exitcode}")
    return time.monotonic() - started


def _drain_worker(base_url: str) -> None:
    settings.FONNTE_BASE_URL = base_url
    drain(backend(), batch_size=50, deadline=time.monotonic() + 3600, should_stop=lambda: False)
    connections.close_all()


def ours(processes: int, count: int, latency: float) -> float:
    Message.objects.all().delete()
    queue_backlog(count)
    with FonnteStandIn(latency=latency) as standin:
        seconds = run_processes(_drain_worker, processes, standin.base_url)
        assert standin.total() == count, (standin.total(), count)
    assert Message.objects.filter(status=Message.Status.SENT).count() == count
    return count / seconds


def peer_app() -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url(connection.settings_dict)))

    @app.task(name="send_whatsapp", queue="sends")
    def send_whatsapp(target: str, body: str) -> None:
        backend().send(target, body)

    return app


def _peer_worker(app: procrastinate.App, base_url: str, concurrency: int) -> None:
    settings.FONNTE_BASE_URL = base_url
    app.run_worker(queues=["sends"], concurrency=concurrency, wait=False, install_signal_handlers=False,
                   delete_jobs="successful")


def peer(app: procrastinate.App, processes: int, count: int, latency: float, concurrency: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")
    with app.open():
        app.tasks["send_whatsapp"].batch_defer(
            *({"target": f"+62812{n % 20:08d}", "body": f"Pesan nomor {n}"} for n in range(count)))
    with FonnteStandIn(latency=latency) as standin:
        seconds = run_processes(_peer_worker, processes, app, standin.base_url, concurrency)
        assert standin.total() == count, (standin.total(), count)
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--latencies", type=float, nargs="+", default=[0.0, 0.05])
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    in_flight = settings.SEND_CONCURRENCY
    with scratch_database(SCRATCH_DB):
        app = peer_app()
        with app.open():
            app.schema_manager.apply_schema()
        print(f"{args.messages} messages, {args.processes} worker processes, SEND_CONCURRENCY {in_flight}, "
              f"procrastinate {procrastinate.__version__}, {os.cpu_count()} cores")
        print(f"{'latency ms':>10} {'ours msg/s':>10} {'peer x1':>8} {f'peer x{in_flight}':>8} "
              f"{'ours/peer':>9} {'bound msg/s':>11} {'ours/bound':>10}")
        for latency in args.latencies:
            rate = ours(args.processes, args.messages, latency)
            peer_one = peer(app, args.processes, args.messages, latency, 1)
            peer_many = peer(app, args.processes, args.messages, latency, in_flight)
            bound = args.processes * in_flight / latency if latency else None
            print(f"{latency * 1000:>10.0f} {rate:>10.0f} {peer_one:>8.0f} {peer_many:>8.0f} "
                  f"{rate / max(peer_one, peer_many):>8.2f}x "
                  + (f"{bound:>11.0f} {rate / bound:>10.2f}" if bound else f"{'-':>11} {'-':>10}"))


if __name__ == "__main__":
    main()
