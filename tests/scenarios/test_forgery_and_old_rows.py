"""What a leaked webhook secret still cannot do, and rows stored before today's rules that
must not stop a patient's BERHENTI or an emergency email (found writing issue 16's note)."""
from datetime import timedelta

import pytest
from django.core import mail

from reminders.models import Message, Patient, PatientReply
from tests.factories import make_patient
from tests.scenarios.helpers import at, device_says, enrol, reminders_to, run_scheduler, say, wib

pytestmark = pytest.mark.django_db


def test_disconnects_posted_again_and_again_cannot_put_the_probe_off(client, outbox, settings):
    settings.SENDING_PAUSE_PROBE_SECONDS = 300
    schedule = enrol()
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")  # the probe is due at 08:03
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    for minute in (2, 4):  # forged, each before the probe is due
        with at(wib(23, 8, minute)):
            device_says(client, "disconnect")
    assert reminders_to(schedule.patient) == []

    with at(wib(23, 8, 5)):
        assert "sent=1" in run_scheduler()  # the probe went at its time, and went through

    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]


def test_forged_emergencies_dated_far_apart_in_the_past_make_one_answer(client, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMERGENCY_EMAIL_FALLBACK = ["tim@prima.id"]
    patient = make_patient()
    with at(wib(23, 9)), django_capture_on_commit_callbacks(execute=True):
        for hours_ago in (5, 4, 3):
            claimed = (wib(23, 9) - timedelta(hours=hours_ago)).timestamp()
            say(client, patient, "tolong, sesak napas", timestamp=str(int(claimed)))

    emergencies = PatientReply.objects.filter(patient=patient, intent=PatientReply.Intent.EMERGENCY)
    assert emergencies.count() == 3 and emergencies.filter(acknowledged=True).count() == 1
    assert patient.messages.filter(priority=1).count() == 1
    assert len(mail.outbox) == 1


def test_a_row_stored_before_the_rules_can_still_opt_out_and_be_emailed_about(client, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMERGENCY_EMAIL_FALLBACK = ["tim@prima.id"]
    patient = make_patient()
    Patient.objects.filter(id=patient.id).update(name="Ibu\nSari", time_zone="WIB")  # as older code stored it
    queued = Message.objects.create(patient=patient, phone=patient.phone, body="Besok kontrol.")

    with at(wib(23, 9)), django_capture_on_commit_callbacks(execute=True):
        say(client, patient, "tolong, sesak napas")
        assert say(client, patient, "BERHENTI") == "processed"

    patient.refresh_from_db()
    queued.refresh_from_db()
    assert patient.opted_out_at is not None and queued.status == Message.Status.CANCELLED
    [email] = mail.outbox
    assert "\n" not in email.subject and "Ibu Sari" in email.subject
