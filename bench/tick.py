#!/usr/bin/env python
"""The scheduler tick's cost against the number of schedules that exist.

For each programme size (3,000, 30,000 and 300,000 patients with one daily schedule each, by
default), in a scratch database it creates and drops: the first ticks work out every new
schedule (a one-off, as after an import; a tick does at most SCHEDULING_SECONDS_PER_TICK of
it, the next one the rest); then the steady state, which a `--loop` process
runs every 5 seconds: passes with nothing due, and passes with the same 50 doses due
(materialised, with their messages). The goal: a 300k pass within 2x the 3k pass, since a
tick reads only the schedules with a dose due (an index on next_due_at), never all of them.

The database clock is moved with `prima.now` (prima/clock.py), so the bench waits for nothing.

    DEBUG=1 .venv/bin/python bench/tick.py [--sizes 3000 30000 300000] [--passes 20]
"""
import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()
django.conf.settings.DEBUG = False  # production's setting: no per-query log measured

from django.db import connection  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from prima.clock import CLOCK_SETTING  # noqa: E402
from reminders.models import Message, Patient, Reminder, ReminderSchedule  # noqa: E402
from reminders.scheduler import tick  # noqa: E402

SCRATCH_DB = "prima_bench_tick"
WIB = ZoneInfo("Asia/Jakarta")
DUE_EACH_PASS = 50
EVENING, MORNING = "20:00", "07:00"  # most schedules' time, and the time of the 50 that come due


def at(moment: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [CLOCK_SETTING, moment.isoformat()])


def _columns(model, *, leaving_out: tuple[str, ...]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if f.column not in ("id", *leaving_out)]


def populate(size: int, today: datetime) -> None:
    """`size` verified patients, each with a daily schedule at 20:00, except DUE_EACH_PASS at
    07:00: copies of one row made by the ORM, in two INSERT … SELECT statements."""
    Message.objects.all().delete()
    Reminder.objects.all().delete()
    ReminderSchedule.objects.all().delete()
    Patient.objects.all().delete()
    template = Patient.objects.create(name="Ibu Sari", phone="+6281200000000", verification_status="VERIFIED")
    schedule = ReminderSchedule.objects.create(patient=template, time_of_day=EVENING, start_date=today.date(),
                                               message_template="Halo {nama}, waktunya minum obat ({waktu}).")
    patient_columns = _columns(Patient, leaving_out=("phone",))
    schedule_columns = _columns(ReminderSchedule, leaving_out=("patient_id", "time_of_day"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO reminders_patient (phone, {', '.join(patient_columns)}) "
            f"SELECT '+62812' || lpad(g::text, 8, '0'), {', '.join(patient_columns)} "
            "FROM reminders_patient, generate_series(1, %s) AS g WHERE id = %s",
            [size - 1, template.id],
        )
        cursor.execute(
            f"INSERT INTO reminders_reminderschedule (patient_id, time_of_day, {', '.join(schedule_columns)}) "
            f"SELECT p.id, CASE WHEN row_number() OVER (ORDER BY p.id) <= %s THEN %s::time ELSE %s::time END, "
            f"{', '.join('s.' + c for c in schedule_columns)} "
            "FROM reminders_patient p, reminders_reminderschedule s WHERE s.id = %s AND p.id <> %s",
            [DUE_EACH_PASS, MORNING, EVENING, schedule.id, template.id],
        )
        cursor.execute("ANALYZE")


def timed_tick() -> tuple[float, dict]:
    started = time.perf_counter()
    stats = tick()
    return (time.perf_counter() - started) * 1000, stats


def measure(size: int, passes: int) -> dict:
    day = datetime.now(WIB).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    at(day.replace(hour=6))
    populate(size, day)
    at(day.replace(hour=6, minute=30))
    first_ms, rescheduled, first_ticks = 0.0, 0, 0
    while rescheduled < size:  # a tick works out SCHEDULING_SECONDS_PER_TICK's worth, the next the rest
        ms, stats = timed_tick()
        first_ms, rescheduled, first_ticks = first_ms + ms, rescheduled + stats["rescheduled"], first_ticks + 1
    idle = []
    for n in range(passes):
        at(day.replace(hour=6, minute=40, second=n))
        idle.append(timed_tick()[0])
    due = []
    morning = [s.id for s in ReminderSchedule.objects.filter(time_of_day=MORNING)]
    for n in range(passes):
        at(day.replace(hour=7, minute=0, second=10 + n))
        ms, stats = timed_tick()
        assert stats["materialised"] == DUE_EACH_PASS, stats
        due.append(ms)
        # The same 50 come due again in the next pass: their dose and message go, next_due_at back.
        Message.objects.filter(reminder__schedule_id__in=morning).delete()
        Reminder.objects.filter(schedule_id__in=morning).delete()
        ReminderSchedule.objects.filter(id__in=morning).update(next_due_at=day.replace(hour=7))
    return {"size": size, "first": first_ms, "first_ticks": first_ticks, "idle": statistics.median(idle),
            "due": statistics.median(due)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[3_000, 30_000, 300_000])
    parser.add_argument("--passes", type=int, default=20, help="passes measured per case (the median is shown)")
    args = parser.parse_args()
    with scratch_database(SCRATCH_DB):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(f"tick cost by programme size: median of {args.passes} passes, {os.cpu_count()} cores, "
              f"PostgreSQL {version}")
        print(f"{'schedules':>9} {'new: ms (ticks)':>15} {'idle pass ms':>12} {f'{DUE_EACH_PASS} due pass ms':>15} "
              f"{'idle vs first size':>18} {'due vs first size':>17}")
        base = None
        for size in args.sizes:
            r = measure(size, args.passes)
            base = base or r
            print(f"{r['size']:>9,} {r['first']:>9.0f} ({r['first_ticks']:>2}) {r['idle']:>12.1f} {r['due']:>15.1f} "
                  f"{r['idle'] / base['idle']:>17.2f}x {r['due'] / base['due']:>16.2f}x")


if __name__ == "__main__":
    main()
