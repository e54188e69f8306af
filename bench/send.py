#!/usr/bin/env python
"""Outbox throughput and lateness, and the claim query's cost as history grows.

Drains N due messages with 1, 2 and 4 worker processes (the same `drain` that
`send_reminders` runs) through the real Fonnte backend against a local HTTP stand-in
with a fixed latency, rate limits out of the way; then EXPLAIN ANALYZEs the claim with
10k and 1M historic (sent) rows. Runs in a scratch database it creates and drops.

    DEBUG=1 .venv/bin/python bench/send.py [--messages 10000] [--latency 0.01]
"""
import argparse
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

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from reminders.backends.fonnte import FonnteBackend  # noqa: E402
from reminders.models import Message  # noqa: E402
from reminders.scheduler import drain  # noqa: E402
from reminders.outbox.sending import claimable_messages  # noqa: E402
from tests.factories import make_patient  # noqa: E402
from tests.fonnte_standin import FonnteStandIn  # noqa: E402

SCRATCH_DB = "prima_bench_send"


def queue_due_messages(count: int, *, status: str = "QUEUED") -> None:
    patient_ids = [make_patient().id for _ in range(20)] if status == "QUEUED" else list(
        Message.objects.values_list("patient_id", flat=True).distinct()
    ) or [make_patient().id]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reminders_message (patient_id, phone, body, kind, status, send_after, attempts,
                max_attempts, last_error, end_reason, provider_message_id, created_at, updated_at, sent_at)
            SELECT p.id, p.phone, 'Pesan ' || g, 'REMINDER', %s, now(), 0, 5, '', '', '', now(), now(),
                   CASE WHEN %s = 'SENT' THEN now() END
            FROM generate_series(1, %s) AS g
            JOIN reminders_patient p ON p.id = (%s::bigint[])[1 + g %% array_length(%s::bigint[], 1)]
            """,
            [status, status, count, patient_ids, patient_ids],
        )


def worker(base_url: str) -> None:
    settings.FONNTE_BASE_URL = base_url
    drain(FonnteBackend(), batch_size=50, deadline=time.monotonic() + 3600, should_stop=lambda: False)
    connections.close_all()


def run_drain(processes: int, messages: int, latency: float) -> dict:
    Message.objects.all().delete()
    queue_due_messages(messages)
    context = multiprocessing.get_context("fork")
    with FonnteStandIn(latency=latency) as standin:
        connections.close_all()
        started = time.monotonic()
        workers = [context.Process(target=worker, args=(standin.base_url,)) for _ in range(processes)]
        for process in workers:
            process.start()
        for process in workers:
            process.join()
        elapsed = time.monotonic() - started
        requests = standin.total()
        duplicates = sum(count - 1 for count in standin.requests.values() if count > 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FILTER (WHERE status = 'SENT'),
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - send_after)),
                      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - send_after))
               FROM reminders_message"""
        )
        sent, p50, p99 = cursor.fetchone()
    return {"processes": processes, "sent": sent, "requests": requests, "duplicates": duplicates,
            "seconds": elapsed, "rate": sent / elapsed, "p50": p50, "p99": p99}


def explain_claim(history: int) -> tuple[float, str]:
    Message.objects.all().delete()
    queue_due_messages(history, status="SENT")
    queue_due_messages(1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_message")
    timings = []
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claimable_messages(50).query.get_compiler(using="default").as_sql()
        for _ in range(5):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]
            timings.append(plan["Execution Time"])
    index = next(iter(_index_names(plan["Plan"])), "no index (sequential scan)")
    return sorted(timings)[len(timings) // 2], index


def _index_names(node: dict):
    if "Index Name" in node:
        yield node["Index Name"]
    for child in node.get("Plans", []):
        yield from _index_names(child)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.01, help="stand-in answer delay in seconds")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--history", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()

    with scratch_database(SCRATCH_DB):
        print(f"drain {args.messages} due messages, stand-in latency {args.latency * 1000:.0f} ms, "
              f"{os.cpu_count()} cores")
        print(f"{'processes':>9} {'sent':>6} {'requests':>8} {'dups':>4} {'seconds':>8} {'msg/s':>7} "
              f"{'p50 late s':>10} {'p99 late s':>10}")
        base_rate = None
        for processes in args.processes:
            r = run_drain(processes, args.messages, args.latency)
            base_rate = base_rate or r["rate"]
            print(f"{r['processes']:>9} {r['sent']:>6} {r['requests']:>8} {r['duplicates']:>4} "
                  f"{r['seconds']:>8.1f} {r['rate']:>7.1f} {r['p50']:>10.1f} {r['p99']:>10.1f}"
                  f"   ({r['rate'] / base_rate:.2f}x of 1 process)")
        print("\nclaim query (batch of 50 among 1,000 due), median of 5 EXPLAIN ANALYZE runs")
        costs = []
        for history in args.history:
            ms, index = explain_claim(history)
            costs.append(ms)
            print(f"  {history:>9,} historic rows: {ms:7.3f} ms  via {index}")
        print(f"  ratio largest/smallest history: {costs[-1] / costs[0]:.2f}")


if __name__ == "__main__":
    main()
