"""The conversation corpora (corpus.tsv, corpus_second.tsv, corpus_third.tsv: how patients, elderly people and
families really write, each line with what PRIMA had just asked and what a careful volunteer
would conclude), run line by line through the real webhook. Prints the confusion table and the
safety figures that docs/conversation.md reports; asserts their goals.

    DEBUG=1 .venv/bin/python -m pytest tests/webhooks/test_corpus.py -s
"""
import csv
import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from reminders.models import Caregiver, Message, Patient, PatientReply, Reminder, ReminderSchedule
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.webhooks.conftest import incoming, post_json

HERE = Path(__file__).parent
VOICE = "<voice>"
_phones = itertools.count(1)
_inbox = itertools.count(1)
Kind, Intent = ReminderSchedule.Kind, PatientReply.Intent
EMERGENCY_READINGS = {"emergency", "emergency+confirm"}


@dataclass(frozen=True)
class Line:
    context: str
    sender: str
    text: str
    expected: str


def corpus(path: Path) -> list[Line]:
    rows = (row for row in path.read_text(encoding="utf-8").splitlines()[1:] if row and not row.startswith("#"))
    return [Line(*fields) for fields in csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)]


def _asked(context: str) -> tuple[Patient, Reminder | None]:
    """A patient (Ibu Sari) who was just asked what `context` says, and the dose asked about."""
    now = timezone.now()
    if context == "consent":
        patient = make_patient(f"+62813{next(_phones):08d}", verification_status=Patient.Verification.PENDING,
                               verification_sent_at=now - timedelta(minutes=5),
                               verification_expires_at=now + timedelta(hours=48))
        queue_message(patient, kind=Message.Kind.VERIFICATION, status=Message.Status.SENT, body="Bersedia? YA/TIDAK")
        return patient, None
    patient = make_patient(f"+62813{next(_phones):08d}")
    if context == "none":
        return patient, None
    kind = Kind.MEDICATION if context == "medication" else Kind.APPOINTMENT
    sent = now - timedelta(minutes=2)
    dose = make_reminder(make_schedule(patient, kind=kind), due_at=sent, reply_deadline=sent + timedelta(hours=2))
    queue_message(patient, reminder=dose, status=Message.Status.SENT, body=f"Pengingat ({context})")
    return patient, dose


def observed(patient: Patient, caregiver: Caregiver | None, dose: Reminder | None) -> str:
    """What PRIMA did with the message, in the corpus's words."""
    patient.refresh_from_db()
    reply = patient.replies.order_by("-id").first()
    if dose is not None:
        dose.refresh_from_db()
    confirmed = dose is not None and dose.confirmation_status == Reminder.Confirmation.CONFIRMED
    sender = caregiver or patient
    sender.refresh_from_db()
    if reply is None:
        return "nothing stored"
    if reply.intent == Intent.DEATH:
        return "death"
    if reply.intent == Intent.EMERGENCY:
        return "emergency+confirm" if confirmed else "emergency"
    if sender.opted_out_at:
        return "opt_out"
    if reply.intent == Intent.OPT_IN:
        return "opt_in"
    if patient.verification_status in (Patient.Verification.VERIFIED, Patient.Verification.DECLINED) and (
            reply.intent in (Intent.VERIFY_YES, Intent.VERIFY_NO)):
        return "yes" if patient.verification_status == Patient.Verification.VERIFIED else "no"
    if dose is not None and dose.appointment_answer and confirmed:
        return {"ATTENDING": "attending", "LATE": "late", "CANCELLED": "cancel"}[dose.appointment_answer]
    if confirmed:
        return "confirm"
    if dose is not None and dose.confirmation_status == Reminder.Confirmation.NOT_YET:
        return "not_yet"
    if reply.needs_attention:
        return "volunteer"
    return "thanks" if reply.intent == Intent.THANKS else f"other ({reply.intent})"


def run_line(client, line: Line) -> tuple[str, bool, bool]:
    """Send one line through the webhook: what PRIMA made of it, whether its sender was
    answered, and whether a dose was confirmed (or an appointment's attendance recorded)."""
    patient, dose = _asked(line.context)
    caregiver = None
    if line.sender == "caregiver":
        caregiver = Caregiver.objects.create(patient=patient, name="Rina", relation="anak",
                                             phone=f"+62814{next(_phones):08d}", consented_at=timezone.now())
    before = Message.objects.order_by("-id").values_list("id", flat=True).first()
    text = "" if line.text == VOICE else line.text
    payload = incoming(patient, text, inboxid=f"corpus-{next(_inbox)}")
    if caregiver:
        payload["sender"] = caregiver.phone.lstrip("+")
    if line.text == VOICE:
        payload.update(url="https://example.invalid/voice.ogg", filename="voice.ogg", extension="ogg")
    assert post_json(client, payload).status_code == 200
    answered = Message.objects.filter(id__gt=before, phone=(caregiver or patient).phone).exists()
    reading = observed(patient, caregiver, dose)
    attended = dose is not None and dose.appointment_answer == Reminder.AppointmentAnswer.ATTENDING
    return reading, answered, reading in ("confirm", "emergency+confirm") or attended


def figures(results: list[tuple[Line, str, bool, bool]]) -> dict[str, float]:
    def share(hits: int, total: int) -> float:
        return 100.0 * hits / total if total else 100.0

    emergencies = [r for r in results if r[0].expected in EMERGENCY_READINGS]
    deaths = [r for r in results if r[0].expected == "death"]
    opt_outs = [r for r in results if r[0].expected == "opt_out"]
    confirms = [r for r in results if r[0].expected in ("confirm", "emergency+confirm")]
    return {
        "emergency recall %": share(sum(r[1] in EMERGENCY_READINGS for r in emergencies), len(emergencies)),
        "death recall %": share(sum(r[1] == "death" for r in deaths), len(deaths)),
        "false confirmations": sum(r[3] and r[0].expected not in ("confirm", "emergency+confirm", "attending")
                                   for r in results),
        "wrong refusals": sum(r[1] in ("no", "opt_out") and r[0].expected not in ("no", "opt_out") for r in results),
        "opt-out recall %": share(sum(r[1] == "opt_out" for r in opt_outs), len(opt_outs)),
        "confirmation recall %": share(sum(r[3] for r in confirms), len(confirms)),
        "left without an answer": sum(not r[2] and r[0].expected != "thanks" for r in results),
        "read as expected %": share(sum(r[1] == r[0].expected for r in results), len(results)),
    }


def print_report(results: list[tuple[Line, str, bool, bool]], numbers: dict[str, float]) -> None:
    table = Counter((line.expected, reading) for line, reading, _answered, _confirmed in results)
    readings = sorted({reading for _expected, reading in table})
    print(f"\n{len(results)} messages; rows: expected, columns: what PRIMA did")
    print(f"{'':>18}" + "".join(f"{r[:9]:>10}" for r in readings))
    for expected in sorted({expected for expected, _reading in table}):
        print(f"{expected:>18}" + "".join(f"{table[(expected, r)] or '.':>10}" for r in readings))
    for name, value in numbers.items():
        print(f"{name:>26}: {value:.1f}" if isinstance(value, float) else f"{name:>26}: {value}")
    for line, reading, answered, _confirmed in results:
        if reading != line.expected or (not answered and line.expected != "thanks"):
            print(f"  [{line.context}/{line.sender}] {line.text!r}: expected {line.expected}, did {reading}"
                  + ("" if answered or line.expected == "thanks" else ", no answer"))


@pytest.mark.django_db
@pytest.mark.parametrize("name, size", [("corpus.tsv", 500), ("corpus_second.tsv", 380), ("corpus_third.tsv", 370)])
def test_the_corpus_through_the_webhook_meets_the_safety_goals(client, outbox, name, size):
    lines = corpus(HERE / name)
    assert len(lines) >= size
    results = [(line, *run_line(client, line)) for line in lines]
    numbers = figures(results)
    print_report(results, numbers)
    assert numbers["emergency recall %"] == 100.0
    assert numbers["death recall %"] == 100.0
    assert numbers["false confirmations"] == 0
    assert numbers["wrong refusals"] == 0
    assert numbers["opt-out recall %"] == 100.0
    assert numbers["confirmation recall %"] >= 95.0
    assert numbers["left without an answer"] == 0
