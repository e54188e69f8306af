"""Stored English texts (outcomes, refusals, why a dose closed) told in Indonesian: every text the
conversation writes is one the table knows, driven through the real paths."""
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from reminders.conversation.consent import send_verification
from reminders.conversation.replies import apply_reply
from reminders.conversation.deaths import handle_death
from reminders.conversation.emergencies import handle_emergency
from reminders.models import Patient
from reminders.workspace.outcomes import describe
from tests.factories import make_patient, make_reminder, make_schedule

pytestmark = pytest.mark.django_db


def answer(patient: Patient, text: str, minutes: int = 0) -> str:
    with transaction.atomic():
        return apply_reply(patient, text, timezone.now() + timedelta(minutes=minutes)).outcome


def sent_dose(patient: Patient, kind: str = "MEDICATION"):
    now = timezone.now()
    return make_reminder(make_schedule(patient, kind=kind), due_at=now - timedelta(minutes=5),
                         reply_deadline=now + timedelta(hours=2))


def outcomes_of_every_path() -> list[str]:
    """What each rule of the conversation stores, as it stores it."""
    patient = make_patient(name="Ibu Sari")
    outcomes = [answer(patient, "sudah")]  # nothing waits
    sent_dose(patient)
    outcomes += [answer(patient, "belum"), answer(patient, "sudah", 1)]
    sent_dose(patient), sent_dose(patient, "APPOINTMENT")
    outcomes += [answer(patient, "sudah", 2), answer(patient, "hadir", 3)]  # which one? then the appointment
    outcomes += [answer(patient, "obatnya habis", 4), answer(patient, "kapan kontrol?", 5)]  # acknowledged once
    outcomes += [answer(patient, "terima kasih", 5), answer(patient, "", 5)]  # nothing to do; a voice note
    outcomes += [answer(patient, "BERHENTI", 6), answer(patient, "MULAI", 7), answer(patient, "MULAI", 8)]
    for replies in (["YA"], ["TIDAK"], ["hmm", "entah"]):
        asked = make_patient(verification_status="PENDING")
        send_verification(asked)
        asked.refresh_from_db()
        outcomes += [answer(asked, text, n) for n, text in enumerate(replies)]
    late = make_patient(verification_status="PENDING")
    send_verification(late)
    late.refresh_from_db()
    outcomes.append(answer(late, "YA", minutes=49 * 60))
    volunteer = get_user_model().objects.create(username="ani", email="ani@relawan.id")
    told = make_patient(volunteer=volunteer)
    with transaction.atomic():
        outcomes += [handle_emergency(told, "darurat", timezone.now()).outcome,
                     handle_emergency(told, "darurat lagi", timezone.now()).outcome,
                     handle_emergency(make_patient(), "sesak napas", timezone.now()).outcome]
        outcomes += [handle_death(told, "bapak sudah meninggal", timezone.now()).outcome,
                     handle_death(told, "bapak sudah berpulang", timezone.now()).outcome]
    return outcomes


def test_every_outcome_the_conversation_stores_is_told_in_indonesian():
    outcomes = outcomes_of_every_path()
    assert len(set(outcomes)) >= 18  # each path wrote something of its own
    with translation.override("id"):
        untold = [outcome for outcome in outcomes if describe(outcome) == outcome]
    assert untold == []


@pytest.mark.parametrize("stored, in_indonesian", [
    ("opted out; 3 queued message(s) cancelled", "berhenti; 3 pesan dalam antrean dibatalkan"),
    ("safety reply queued; notifying ani (volunteer) by email, budi (coordinator) by email",
     "balasan keselamatan diantrekan; memberi tahu ani (relawan) lewat email, budi (koordinator) lewat email"),
    ("safety reply queued; notifying ani (volunteer) by whatsapp, ani (volunteer) by email",
     "balasan keselamatan diantrekan; memberi tahu ani (relawan) lewat WhatsApp, ani (relawan) lewat email"),
    ("appointment answer recorded: LATE", "jawaban janji temu dicatat: Terlambat"),
    ("Ibu Sari: too late: due 2026-11-23 08:00 WITA", "Ibu Sari: terlambat: jadwalnya 23 Nov. 2026, 08.00 WITA"),
    ("Ibu Sari: too late: due 2026-11-23 08:00", "Ibu Sari: terlambat: jadwalnya 2026-11-23 08:00"),  # before zones were named
    ("Ibu Sari: patient verification is DECLINED", "Ibu Sari: verifikasi pasien: Menolak"),
    ("Obat 06:00 WIB untuk Ibu Sari: too late: due 2026-11-23 06:00 WIB",
     "Obat 06:00 WIB untuk Ibu Sari: terlambat: jadwalnya 23 Nov. 2026, 06.00 WIB"),
    ("not delivered: gave up after 5 attempts: timeout",
     "tidak tersampaikan: berhenti mencoba setelah 5 percobaan: timeout"),
    ("cancelled by relawan.ani", "dibatalkan oleh relawan.ani"),
    ("CONFIRM: no reminder waiting", "Sudah minum obat: tidak ada pengingat yang menunggu"),
    ("EMERGENCY: safety reply queued; notifying ani (volunteer) by email",
     "Darurat: balasan keselamatan diantrekan; memberi tahu ani (relawan) lewat email"),
    ("unknown sender +62813*****999", "pengirim tidak dikenal +62813*****999"),
    ("something PRIMA never wrote", "something PRIMA never wrote"),
])
def test_it_tells_stored_texts_in_the_readers_language_and_leaves_unknown_ones_as_stored(stored, in_indonesian):
    with translation.override("id"):
        assert describe(stored) == in_indonesian
    with translation.override("en"):
        assert describe(stored) == stored
