#!/usr/bin/env python
"""What reading a message costs (reminders/conversation/classifier.py `read`), per message, over
every line of the conversation corpora, in their own contexts: the time the webhook spends on
the words before it touches the database. The goals: the 99th percentile under 5 ms (a delivery
is answered in tens of ms), and the largest body a webhook accepts (64 KiB) read within 2 s.

    DEBUG=1 .venv/bin/python bench/reading.py [--repeat 20]
"""
import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")

import django  # noqa: E402

django.setup()

from reminders.conversation.classifier import Pending, read  # noqa: E402

CORPORA = sorted((Path(__file__).resolve().parent.parent / "tests" / "webhooks").glob("corpus*.tsv"))
CONTEXTS = {"medication": Pending(medication=True), "consent": Pending(consent=True),
            "appointment": Pending(appointment=True), "none": Pending()}


def lines() -> list[tuple[str, Pending]]:
    found = []
    for path in CORPORA:
        rows = [row for row in path.read_text(encoding="utf-8").splitlines()[1:] if row and not row.startswith("#")]
        for context, sender, text, _expected in csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            pending = CONTEXTS[context]
            found.append((text, Pending(pending.consent, pending.medication, pending.appointment, sender == "caregiver")))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the corpora (default 20)")
    repeat = parser.parse_args().repeat
    messages = lines()
    started = time.perf_counter()
    read(messages[0][0], messages[0][1])  # the tables are built once, on first use
    print(f"first read (tables built): {(time.perf_counter() - started) * 1000:.1f} ms")
    timings = []
    for _ in range(repeat):
        for text, pending in messages:
            started = time.perf_counter()
            read(text, pending)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50, p99 = timings[len(timings) // 2], timings[int(len(timings) * 0.99)]
    print(f"{len(messages)} messages x {repeat} passes: median {p50:.3f} ms, p99 {p99:.3f} ms, "
          f"max {timings[-1]:.3f} ms, mean {statistics.fmean(timings):.3f} ms")
    longest = max(messages, key=lambda item: len(item[0]))
    for size in (10, 270):  # ten times the longest; about the 64 KiB a webhook accepts
        started = time.perf_counter()
        read(" ".join([longest[0]] * size), longest[1])
        print(f"{size} times the longest line ({(len(longest[0]) + 1) * size} characters): "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
