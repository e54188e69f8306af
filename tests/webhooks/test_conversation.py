"""The patient conversation end to end, through the webhook view."""
import itertools
from datetime import datetime, time, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from reminders.models import Message, Patient, PatientReply, ReminderSchedule
from reminders.conversation.consent import send_verification
from reminders.scheduler import tick
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.webhooks.conftest import incoming, post_json

pytestmark = pytest.mark.django_db


_inbox_ids = itertools.count(1)


def say(client, patient, text):
    """The patient sends `text` (a new WhatsApp message each time, as Fonnte numbers them)."""
    return post_json(client, incoming(patient, text, inboxid=f"c{next(_inbox_ids)}")).json()["status"]


def bodies(patient, kind=Message.Kind.REPLY):
    return list(patient.messages.filter(kind=kind).order_by("id").values_list("body", flat=True))


@pytest.fixture
def pending():
    patient = make_patient(name="Pak Budi", verification_status=Patient.Verification.PENDING)
    send_verification(patient)
    patient.refresh_from_db()
    return patient


def test_the_verification_question_is_sent_once_with_its_expiry(pending, capsys, settings):
    question = pending.messages.get(kind=Message.Kind.VERIFICATION)
    assert "Balas YA atau TIDAK" in question.body
    assert pending.verification_attempts == 1
    assert pending.verification_expires_at - pending.verification_sent_at == timedelta(hours=48)
    call_command("send_verification")
    assert "queued: 0" in capsys.readouterr().out
    assert pending.messages.filter(kind=Message.Kind.VERIFICATION).count() == 1


def test_send_verification_asks_never_asked_pending_patients(capsys):
    make_patient(verification_status="PENDING")
    make_patient(verification_status="VERIFIED")
    call_command("send_verification")
    assert "queued: 1" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["YA", "iya", "Ok", "setuju 👍"])
def test_yes_verifies_and_welcomes_with_the_commands(client, pending, text):
    say(client, pending, text)
    pending.refresh_from_db()
    assert pending.verification_status == "VERIFIED" and pending.verification_answered_at
    (welcome,) = bodies(pending)
    assert "SUDAH" in welcome and "BERHENTI" in welcome and "MULAI" in welcome


@pytest.mark.parametrize("text", ["TIDAK", "gak", "jangan", "no"])
def test_no_declines_tells_volunteers_and_gets_no_reminders(client, pending, text):
    make_schedule(pending)
    say(client, pending, text)
    pending.refresh_from_db()
    assert pending.verification_status == "DECLINED"
    assert PatientReply.objects.needing_attention().get().patient == pending
    assert "tidak akan menerima pengingat" in bodies(pending)[0]
    assert not Patient.objects.reachable().filter(id=pending.id).exists()


@pytest.mark.parametrize("text", ["ya tidak", "apa ini?", "sudah"])
def test_an_unclear_answer_gets_one_clarifying_question(client, pending, text):
    say(client, pending, text)
    say(client, pending, text)
    pending.refresh_from_db()
    assert pending.verification_status == "PENDING"
    questions = bodies(pending, Message.Kind.VERIFICATION)
    assert len(questions) == 2 and "YA atau TIDAK saja" in questions[1]
    assert PatientReply.objects.filter(needs_attention=True).count() == 2  # a question back is a person's to answer
    assert "relawan kami" in bodies(pending)[0]  # the second is answered too: nobody is left in silence


def test_after_a_refusal_even_a_yes_is_for_a_volunteer_not_a_thanks(client, pending):
    say(client, pending, "TIDAK")
    say(client, pending, "ya")
    pending.refresh_from_db()
    assert pending.verification_status == "DECLINED"  # consent changes only by asking again, or MULAI
    later = PatientReply.objects.get(text="ya")
    assert later.needs_attention and later.acknowledged


def test_verification_expires_and_a_late_yes_does_not_verify(client, settings):
    patient = make_patient(verification_status="PENDING")
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        send_verification(patient)
    with time_machine.travel(sent + timedelta(hours=48, minutes=1), tick=False):
        assert tick()["verifications_expired"] == 1
        patient.refresh_from_db()
        assert patient.verification_status == "EXPIRED"
        say(client, patient, "YA")
    patient.refresh_from_db()
    assert patient.verification_status == "EXPIRED"
    assert "waktu untuk menjawab konfirmasi sudah habis" in bodies(patient)[0]
    assert PatientReply.objects.needing_attention().filter(patient=patient).exists()
    send_verification(patient)
    patient.refresh_from_db()
    assert (patient.verification_status, patient.verification_attempts) == ("PENDING", 2)


def test_a_yes_just_after_expiry_does_not_verify_even_before_the_tick(client):
    patient = make_patient(verification_status="PENDING")
    send_verification(patient)
    with time_machine.travel(timezone.now() + timedelta(hours=49), tick=False):
        say(client, patient, "ya")
    patient.refresh_from_db()
    assert patient.verification_status == "EXPIRED"


def test_berhenti_cancels_everything_queued_says_goodbye_once_and_stops_reminders(client, outbox):
    with time_machine.travel(datetime(2026, 11, 24, tzinfo=dt_timezone.utc), tick=False):
        patient = make_patient(name="Ibu Ani")
        make_schedule(patient, time_of_day=time(8, 0), start_date=datetime(2026, 11, 24).date())
    with time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=dt_timezone.utc), tick=False):  # 19:00 WIB
        queued = [queue_message(patient, send_after=timezone.now() + timedelta(hours=h)) for h in (1, 2, 3)]
        say(client, patient, "BERHENTI")
        patient.refresh_from_db()
        assert patient.opted_out_at and patient.opt_out_method == "PATIENT_REPLY"
        assert {m.status for m in Message.objects.filter(id__in=[m.id for m in queued])} == {"CANCELLED"}
        (goodbye,) = bodies(patient)
        assert "MULAI" in goodbye
    with time_machine.travel(datetime(2026, 11, 25, 1, 30, tzinfo=dt_timezone.utc), tick=False):  # 08:30 WIB
        assert tick()["materialised"] == 0
        say(client, patient, "MULAI")
        patient.refresh_from_db()
        assert patient.opted_out_at is None and patient.opted_in_at and patient.opt_in_method == "PATIENT_REPLY"
        assert tick()["materialised"] == 0  # the 08:00 dose was not theirs to get: never sent late
    assert "Selamat datang kembali" in bodies(patient)[-1]
    with time_machine.travel(datetime(2026, 11, 26, 1, 0, tzinfo=dt_timezone.utc), tick=False):  # next day 08:00
        assert tick()["materialised"] == 1


def test_an_emergency_over_the_response_limit_is_flagged_answered_and_emailed(
    client, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, patient_response={"limit": 1, "window": 30.0})
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    volunteer = get_user_model().objects.create(username="ani", email="ani@relawan.id")
    patient = make_patient(name="Ibu Sari", volunteer=volunteer)
    assert say(client, patient, "halo") == "processed"
    assert say(client, patient, "apa kabar") == "rate_limited"
    with django_capture_on_commit_callbacks(execute=True):
        assert say(client, patient, "tolong, bapak SESAK NAPAS") == "processed"
    reply = PatientReply.objects.needing_attention().first()
    assert (reply.intent, reply.urgent, reply.text) == ("EMERGENCY", True, "tolong, bapak SESAK NAPAS")
    assert "119" in bodies(patient)[-1] and "112" in bodies(patient)[-1]
    (email,) = mail.outbox
    assert email.to == ["ani@relawan.id"] and "DARURAT" in email.subject and "SESAK NAPAS" in email.body
    assert patient.phone not in email.body



def test_an_emergency_is_emailed_to_the_fallback_when_the_volunteer_has_no_email(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMERGENCY_EMAIL_FALLBACK = ["koordinator@prima.id"]
    patient = make_patient()
    with django_capture_on_commit_callbacks(execute=True):
        say(client, patient, "darurat")
    assert mail.outbox[0].to == ["koordinator@prima.id"]


@pytest.fixture
def appointment():
    patient = make_patient(name="Pak Made")
    schedule = make_schedule(patient, kind=ReminderSchedule.Kind.APPOINTMENT)
    return make_reminder(schedule, reply_deadline=timezone.now() + timedelta(hours=2))


@pytest.mark.parametrize(
    "text, answer, ack",
    [("HADIR", "ATTENDING", "akan hadir"), ("terlambat", "LATE", "terlambat"), ("BATAL", "CANCELLED", "dibatalkan")],
)
def test_an_appointment_answer_is_recorded_on_its_reminder_and_acknowledged(client, appointment, text, answer, ack):
    say(client, appointment.patient, text)
    appointment.refresh_from_db()
    assert (appointment.appointment_answer, appointment.confirmation_status) == (answer, "CONFIRMED")
    assert appointment.responded_at
    assert ack in bodies(appointment.patient)[0]


def test_batal_without_an_appointment_waiting_is_only_free_text(client):
    patient = make_patient()
    medication = make_reminder(make_schedule(patient), reply_deadline=timezone.now() + timedelta(hours=2))
    say(client, patient, "batal")
    medication.refresh_from_db()
    assert medication.confirmation_status == "PENDING" and medication.appointment_answer == ""
    assert PatientReply.objects.get().needs_attention


def test_every_free_text_is_answered_in_few_words_within_the_window(client, settings):
    settings.FREE_TEXT_ACK_WINDOW_MINUTES = 60
    patient = make_patient()
    for text in ("obat habis", "bisa kirim lagi?", "kapan kontrol?", "terima kasih"):
        say(client, patient, text)
    answers = bodies(patient)  # a plain thanks asks for none
    assert len(answers) == 3 and answers[1] == answers[2] == "Pesan ini juga kami teruskan kepada relawan kami."
    assert answers[0].startswith("Terima kasih, Ibu Sari. Pesan Anda sudah kami terima")
    assert PatientReply.objects.filter(needs_attention=True).count() == 3
    assert PatientReply.objects.get(text="terima kasih").intent == "THANKS"
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        say(client, patient, "halo lagi")
    assert bodies(patient)[-1].startswith("Terima kasih")
