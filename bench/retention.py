#!/usr/bin/env python
"""History that does not slow the present, and pruning that does not block it.

1. Flat costs: one database with 10k and one with 10M historic rows in each of the outbox, the
   webhook inbox, the replies and the doses (INSERT ... SELECT generate_series, spread over
   1,000 patients), then, in each database in turn (so that a busy moment of the shared machine
   hits both alike), the median cost of claiming 50 of 1,000 due messages
   (`claim_due_messages`), of an incoming "SUDAH" webhook (stored, processed, dose confirmed,
   acknowledgement queued) and of a "read" status webhook, through Django's test client, after
   an untimed warm-up pass; the median of the rounds, and the ratio largest/smallest.
2. Pruning: 1M ended messages past their retention, deleted by `prima.retention.prune` (the
   code `prune_history` and every tick run), while another process claims and gives back due
   messages in a loop and times each claim. Reports the longest batch transaction (the longest
   any outbox row lock was held) and the claimer's waits before and during the run.

Runs in scratch databases it creates and drops (about 15 GB at 10M rows).

    DEBUG=1 .venv/bin/python bench/retention.py [--sizes 10000 10000000] [--rounds 5] [--prune-rows 1000000]
"""
import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
os.environ.setdefault("DEBUG", "1")
for limit in ("WHATSAPP_SEND", "FONNTE_DEVICE", "PATIENT_RESPONSE"):
    os.environ[f"RATE_LIMIT_{limit}"] = "100000000/60"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["FONNTE_WEBHOOK_SECRET"] = "bench-secret"

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from prima import retention  # noqa: E402
from reminders.models import Message, Patient, Reminder, ReminderSchedule  # noqa: E402
from reminders.retention import messages as prunable_messages  # noqa: E402
from reminders.outbox.sending import claim_due_messages, claimable_messages  # noqa: E402
from tests.factories import make_patient, make_schedule  # noqa: E402

SCRATCH_DB = "prima_bench_retention"
PATIENTS = 1000
MEASURED = 200  # patients whose webhooks are timed, one each per size
DUE = 1000
CLAIMS = 20

# One statement per table: `%(first)s..%(last)s` numbers the rows, spread over the patients.
HISTORY_SQL = {
    "reminders_message": """
        INSERT INTO reminders_message (patient_id, phone, body, kind, status, send_after, attempts, max_attempts,
            priority, last_error, end_reason, provider_message_id, sent_at, created_at, updated_at)
        SELECT p.id, p.phone, 'Pesan lama ' || g, 'REPLY', 'SENT', t, 1, 5, 0, '', '', 'h' || g, t, t, t
        FROM generate_series(%(first)s, %(last)s) g
        JOIN patient_numbers p ON p.n = g %% %(patients)s,
        LATERAL (SELECT now() - interval '1 minute' * (g %% 1000000)) AS at(t)""",
    "webhooks_webhookevent": """
        INSERT INTO webhooks_webhookevent (kind, dedupe_key, payload, raw_body, content_type, received_at, state,
            result, error, attempts, processed_at)
        SELECT 'INCOMING', 'incoming:inbox:h' || g, jsonb_build_object('inboxid', 'h' || g, 'message', 'Sudah'),
               '', 'application/json', t, 'PROCESSED', 'CONFIRM: 1 reminder(s) confirmed', '', 1, t
        FROM generate_series(%(first)s, %(last)s) g,
        LATERAL (SELECT now() - interval '1 minute' * (g %% 1000000)) AS at(t)""",
    "reminders_patientreply": """
        INSERT INTO reminders_patientreply (patient_id, text, intent, outcome, received_at, needs_attention, urgent,
            acknowledged)
        SELECT p.id, 'Sudah', 'CONFIRM', '1 reminder(s) confirmed', now() - interval '1 minute' * (g %% 1000000),
               false, false, true
        FROM generate_series(%(first)s, %(last)s) g JOIN patient_numbers p ON p.n = g %% %(patients)s""",
    "reminders_reminder": """
        INSERT INTO reminders_reminder (schedule_id, patient_id, local_date, slot, due_at, confirmation_status,
            confirmation_method, confirmed_at, responded_at, sent_at, reply_deadline, closed_at, close_reason,
            appointment_answer, patient_condition, follow_up_needed, created_at)
        SELECT p.schedule_id, p.id, date '1990-01-01' + g / %(patients)s, 0, d, 'CONFIRMED', 'PATIENT_REPLY',
               d, d, d, d + interval '2 hours', d, 'patient answered', '', '', false, d
        FROM generate_series(%(first)s, %(last)s) g JOIN patient_numbers p ON p.n = g %% %(patients)s,
        LATERAL (SELECT timestamptz '1990-01-01 08:00+07' + interval '1 day' * (g / %(patients)s)) AS at(d)""",
}


def execute(sql: str, params: dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def make_patients() -> list[Patient]:
    patients = [make_patient() for _ in range(PATIENTS)]
    for patient in patients:
        make_schedule(patient)
    execute("CREATE TABLE patient_numbers AS SELECT row_number() OVER (ORDER BY p.id) - 1 AS n, p.id, p.phone, "
            "s.id AS schedule_id FROM reminders_patient p JOIN reminders_reminderschedule s ON s.patient_id = p.id")
    execute("CREATE UNIQUE INDEX ON patient_numbers (n)")
    return patients


def make_history(size: int) -> float:
    """`size` rows in every history table; seconds it took."""
    started = time.monotonic()
    for sql in HISTORY_SQL.values():
        execute(sql, {"first": 1, "last": size, "patients": PATIENTS})
    connection.close()
    with connection.cursor() as cursor:
        for table in HISTORY_SQL:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.monotonic() - started


def queue_due(count: int) -> None:
    execute("""INSERT INTO reminders_message (patient_id, phone, body, kind, status, send_after, attempts,
                   max_attempts, priority, last_error, end_reason, provider_message_id, created_at, updated_at)
               SELECT id, phone, 'Balasan ' || n, 'REPLY', 'QUEUED', now() - interval '1 minute', 0, 5, 0, '', '', '',
                      now(), now() FROM patient_numbers, generate_series(1, %(per)s) AS k""",
            {"per": count // PATIENTS})


def give_back(ids: list[int]) -> None:
    Message.objects.filter(id__in=ids).update(status="QUEUED", lease_token=None, lease_expires_at=None)


def time_claims() -> float:
    timings = []
    for _ in range(CLAIMS):
        started = time.perf_counter()
        batch = claim_due_messages(50)
        timings.append(time.perf_counter() - started)
        assert len(batch.claims) == 50, batch
        give_back([claim.message_id for claim in batch.claims])
    return statistics.median(timings) * 1000


def claim_index() -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claimable_messages(50).query.get_compiler(using="default").as_sql()
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = json.dumps(cursor.fetchone()[0])
    return "message_claimable_idx" if "message_claimable_idx" in plan else "another plan"


def open_doses(patients: list[Patient], round_number: int) -> list[Message]:
    """One sent, unanswered dose per patient, with its reminder message (a provider id to report on)."""
    now = timezone.now()
    day = date(2100, 1, 1) + timedelta(days=round_number)
    schedules = {s.patient_id: s for s in ReminderSchedule.objects.filter(patient__in=patients)}
    doses = Reminder.objects.bulk_create(
        Reminder(schedule=schedules[p.id], patient=p, local_date=day, due_at=now - timedelta(minutes=2),
                 sent_at=now - timedelta(minutes=1), reply_deadline=now + timedelta(hours=2))
        for p in patients)
    return Message.objects.bulk_create(
        Message(patient_id=dose.patient_id, reminder=dose, phone=p.phone, body=f"Pengingat {dose.id}", kind="REMINDER",
                status="SENT", sent_at=dose.sent_at, provider_message_id=f"r{dose.id}")
        for dose, p in zip(doses, patients))


def time_webhooks(patients: list[Patient], round_number: int) -> tuple[float, float]:
    """Median milliseconds of an incoming SUDAH and of a read status, one of each per patient."""
    client = Client()
    reminders = open_doses(patients, round_number)
    incoming, status = [], []
    for patient, message in zip(patients, reminders):
        body = {"device": "6281100000000", "sender": patient.phone.lstrip("+"), "message": "Sudah minum obat",
                "inboxid": f"bench-{round_number}-{patient.id}"}
        started = time.perf_counter()
        answer = client.post("/webhooks/fonnte/bench-secret/incoming/", json.dumps(body), content_type="application/json")
        incoming.append(time.perf_counter() - started)
        assert answer.json() == {"status": "processed"}, answer.content
        body = {"device": "6281100000000", "id": message.provider_message_id, "status": "sent", "state": "read"}
        started = time.perf_counter()
        answer = client.post("/webhooks/fonnte/bench-secret/status/", json.dumps(body), content_type="application/json")
        status.append(time.perf_counter() - started)
        assert answer.json() == {"status": "processed"}, answer.content
    confirmed = Reminder.objects.filter(id__in=[m.reminder_id for m in reminders], confirmation_status="CONFIRMED")
    assert confirmed.count() == len(patients)
    return statistics.median(incoming) * 1000, statistics.median(status) * 1000


def use(database: str) -> None:
    connections.close_all()
    connection.settings_dict["NAME"] = database


def build(size: int) -> list[Patient]:
    """The current database as a programme with `size` rows of history in each table."""
    patients = make_patients()
    queue_due(DUE)
    seconds = make_history(size)
    print(f"  {size:>11,} historic rows per table made in {seconds:.0f} s", flush=True)
    return patients[:MEASURED]


def measure(measured: list[Patient], round_number: int) -> tuple[float, float, float]:
    """One warm-up pass (untimed), then the timed one: claim, incoming and status webhook, ms."""
    time_claims()
    time_webhooks(measured, 2 * round_number)
    return (time_claims(), *time_webhooks(measured, 2 * round_number + 1))


def flat_costs(sizes: list[int], rounds: int) -> None:
    print(f"flat costs: {PATIENTS} patients, history in 4 tables, {DUE} due messages, {os.cpu_count()} cores")
    with ExitStack() as stack:
        databases = {}
        for size in sizes:
            name = f"{SCRATCH_DB}_{size}"
            stack.enter_context(scratch_database(name))
            databases[size] = (name, build(size))
        print(f"  claim index: {claim_index()}")
        timings = {size: [] for size in sizes}
        for round_number in range(rounds):  # the sizes in turn, so a busy moment hits them alike
            for size, (name, measured) in databases.items():
                use(name)
                timings[size].append(measure(measured, round_number))
        print(f"  median of {rounds} rounds, each the median of {CLAIMS} claims / {MEASURED} webhooks, after a "
              f"warm-up pass")
        print(f"  {'rows per table':>14} {'claim 50 ms':>12} {'incoming ms':>12} {'status ms':>10}")
        medians = {}
        for size in sizes:
            medians[size] = [statistics.median(column) for column in zip(*timings[size])]
            print(f"  {size:>14,} {medians[size][0]:>12.2f} {medians[size][1]:>12.2f} {medians[size][2]:>10.2f}")
        small, large = medians[sizes[0]], medians[sizes[-1]]
        print(f"  ratio {sizes[-1]:,} / {sizes[0]:,}: claim {large[0] / small[0]:.2f}, incoming webhook "
              f"{large[1] / small[1]:.2f}, status webhook {large[2] / small[2]:.2f}")


def claimer(stop, results) -> None:
    """Claim 10 due messages and give them back, over and over: (when, seconds) of each claim."""
    timings = []
    while not stop.is_set():
        started = time.monotonic()
        batch = claim_due_messages(10)
        timings.append((started, time.monotonic() - started))
        give_back([claim.message_id for claim in batch.claims])
    results.put(timings)
    connections.close_all()


def summarise(timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[int(len(ordered) * 0.99)]
    return (f"{len(ordered)} claims, p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms")


def pruning(rows: int, baseline_seconds: float = 5.0) -> None:
    print(f"\npruning {rows:,} ended messages older than the retention, beside a claimer")
    make_patients()
    execute(HISTORY_SQL["reminders_message"], {"first": 1, "last": rows, "patients": PATIENTS})
    execute("UPDATE reminders_message SET created_at = created_at - interval '800 days'")
    execute(HISTORY_SQL["reminders_message"], {"first": rows + 1, "last": rows + 100_000, "patients": PATIENTS})
    execute("UPDATE reminders_message SET created_at = now() WHERE id > (SELECT max(id) - 100000 FROM reminders_message)")
    queue_due(DUE)
    execute("VACUUM ANALYZE reminders_message")
    context = multiprocessing.get_context("fork")
    stop, results = context.Event(), context.Queue()
    connections.close_all()
    process = context.Process(target=claimer, args=(stop, results))
    process.start()
    time.sleep(baseline_seconds)  # the claimer alone, for comparison
    batches = []
    started = time.monotonic()
    result = retention.prune(prunable_messages(), on_batch=lambda r: batches.append(time.monotonic()))
    ended = time.monotonic()
    time.sleep(1)
    stop.set()
    timings = results.get(timeout=60)
    process.join()
    before = [seconds for at, seconds in timings if at < started]
    during = [seconds for at, seconds in timings if started <= at < ended]
    left = Message.objects.filter(created_at__lt=timezone.now() - timedelta(days=400)).count()
    print(f"  deleted {result.deleted:,} in {result.batches} batches of {retention.BATCH_SIZE}, {result.seconds:.1f} s "
          f"({result.deleted / result.seconds:,.0f} rows/s); {left} old rows left; "
          f"{Message.objects.count():,} rows kept")
    print(f"  longest batch transaction (the longest any row lock was held): {result.longest_batch * 1000:.1f} ms")
    print(f"  claimer before: {summarise(before)}")
    print(f"  claimer during: {summarise(during)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 10_000_000],
                        help="historic rows per table, ascending (default 10000 10000000)")
    parser.add_argument("--rounds", type=int, default=5, help="measurements of each size, interleaved (default 5)")
    parser.add_argument("--prune-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    setup_test_environment(debug=False)  # the test client's host allowed; no query log
    flat_costs(sorted(args.sizes), args.rounds)
    with scratch_database(SCRATCH_DB):
        pruning(args.prune_rows)


if __name__ == "__main__":
    main()
