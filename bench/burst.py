#!/usr/bin/env python
"""The 07:00 burst: 1,000 patients with a dose at the same moment, over 10 devices.

Each device may send 40 messages a minute (`fonnte_device`, the default 40/60), so the
1,000 cannot all go out at once: the bound is 1,000 / (10 x 40/min) = 2.5 minutes. Four
`send_reminders --loop` processes (forked, each its own connection, SEND_CONCURRENCY sends
in flight) send through the real Fonnte backend to a local stand-in that answers after
250-350 ms. Printed: when the last one went out against that bound, each device's most
requests in any 60 s window (by the limiter's clock and by the stand-in's), duplicates,
patients who heard from another device than their own, and p50/p99 lateness. In a scratch
database the script creates and drops; it takes about three minutes.

    DEBUG=1 .venv/bin/python bench/burst.py [--patients 1000] [--devices 10] [--processes 4]
"""
import argparse
import bisect
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["WHATSAPP_BACKEND"] = "fonnte"
os.environ["FONNTE_TOKEN"] = ""

import django  # noqa: E402

django.setup()
django.conf.settings.DEBUG = False  # production's setting: no per-query log measured

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from ratelimit.models import RateLimitEvent  # noqa: E402
from reminders.outbox.devices import encrypt_token  # noqa: E402
from reminders.models import Device, Message, Patient, ReminderSchedule  # noqa: E402
from tests.fonnte_standin import FonnteStandIn  # noqa: E402

SCRATCH_DB = "prima_bench_burst"
WIB = ZoneInfo("Asia/Jakarta")
LEAD_SECONDS = 20  # from the set-up to the dose: every loop is up and idle by then
WINDOW = 60.0


def most_in_a_window(times: list[float], window: float = WINDOW) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


def set_up(patients: int, devices: int) -> tuple[dict[str, str], datetime]:
    tokens = {}
    for n in range(devices):
        number = f"+62811000000{n:02d}"
        tokens[f"token-{n}"] = number
        Device.objects.create(number=number, label=f"HP {n}", token_encrypted=encrypt_token(f"token-{n}"))
    for n in range(patients):  # the ORM, so each is pinned to the least-loaded device as in the admin
        patient = Patient.objects.create(name=f"Pasien {n}", phone=f"+62812{n:08d}", verification_status="VERIFIED")
        ReminderSchedule.objects.create(patient=patient, time_of_day="23:59", start_date=datetime.now(WIB).date(),
                                        message_template="Halo {nama}, waktunya minum obat ({waktu}).")
    due = (datetime.now(WIB) + timedelta(seconds=LEAD_SECONDS)).replace(microsecond=0)
    if due.date() != datetime.now(WIB).date():
        sys.exit("too close to midnight in Jakarta for a dose today; run it again in a minute")
    ReminderSchedule.objects.update(time_of_day=due.time())  # one moment for all (the trigger reschedules them)
    return tokens, due


def loop(base_url: str) -> None:
    settings.FONNTE_BASE_URL = base_url
    call_command("send_reminders", "--loop", "--max-seconds", "900")
    connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    per_device = settings.RATE_LIMITS["fonnte_device"]
    bound = args.patients / (args.devices * per_device["limit"] / per_device["window"])
    with scratch_database(SCRATCH_DB):
        tokens, due = set_up(args.patients, args.devices)
        local_numbers = {token: "0" + number[3:] for token, number in tokens.items()}
        context = multiprocessing.get_context("fork")
        with FonnteStandIn(latency=0.25, jitter=0.1, devices=local_numbers) as fonnte:
            connections.close_all()
            loops = [context.Process(target=loop, args=(fonnte.base_url,)) for _ in range(args.processes)]
            for process in loops:
                process.start()
            reminders = Message.objects.filter(kind=Message.Kind.REMINDER)
            while reminders.filter(status=Message.Status.SENT).count() < args.patients:
                time.sleep(1)
            for process in loops:
                os.kill(process.pid, signal.SIGTERM)
            for process in loops:
                process.join(60)
            log = list(fonnte.log)
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT max(extract(epoch FROM m.sent_at - r.due_at))::float8,
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM m.sent_at - r.due_at)::float8),
                          percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM m.sent_at - r.due_at)::float8)
                     FROM reminders_message m JOIN reminders_reminder r ON r.id = m.reminder_id""")
            last, p50, p99 = cursor.fetchone()
        by_limiter = {
            scope: most_in_a_window([event.created_at.timestamp() for event in
                                     RateLimitEvent.objects.filter(key=f"fonnte_device:{scope}")])
            for scope in tokens.values()
        }
        by_standin = {tokens[token]: most_in_a_window([r.at for r in log if r.token == token]) for token in tokens}
        phones = dict(Patient.objects.values_list("phone", "device__number"))
        strangers = sum(1 for r in log if tokens.get(r.token) != phones.get("+" + r.target))
        sent = Counter((r.target, r.message) for r in log)
        duplicates = sum(count - 1 for count in sent.values() if count > 1)
    print(f"burst: {args.patients} doses due at once over {args.devices} devices at "
          f"{per_device['limit']}/{per_device['window']:.0f}s, {args.processes} loops x SEND_CONCURRENCY "
          f"{settings.SEND_CONCURRENCY}, stand-in 250-350 ms, {os.cpu_count()} cores")
    print(f"  last sent {last:.1f} s after the dose; device-rate bound {bound:.0f} s; ratio {last / bound:.2f} "
          f"(goal <= 1.05)")
    print(f"  most requests per device in any {WINDOW:.0f} s window: limiter's clock {max(by_limiter.values())}, "
          f"stand-in's clock {max(by_standin.values())} (limit {per_device['limit']})")
    print(f"  requests {len(log)}, duplicates {duplicates}, from another device than the patient's {strangers}")
    print(f"  lateness p50 {p50:.1f} s, p99 {p99:.1f} s")


if __name__ == "__main__":
    main()
