"""Issue 20: caregivers (pendamping) who get the patient's reminders and answer for them, told
through the webhook, the admin and `send_reminders` across days (November 2026, Jakarta)."""
from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reminders.doses import compliance
from reminders.models import Caregiver, Message, PatientReply, Reminder
from reminders.workspace.roles import COORDINATOR
from tests.factories import make_patient, make_schedule
from tests.scenarios.helpers import (
    DAUGHTER, MEDICATION, admin_page_data, at, caregiver_of, enrol, introduction, run_scheduler, say, staff, texts_to,
    wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
def reminders_to(phone: str) -> list[str]:
    return [body for body in texts_to(phone) if "waktunya minum obat" in body]


def test_a_caregivers_sudah_confirms_the_patients_dose_and_compliance_says_so(client, volunteer, ani):
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS")
    patient = schedule.patient
    rina = caregiver_of(patient)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
        run_scheduler()
    assert reminders_to(DAUGHTER) == [f"{introduction('Rina', 'Ibu Sari')}\n\nHalo Ibu Sari, waktunya minum obat (08:00)."]
    assert reminders_to(patient.phone) == []  # this schedule reminds the caregiver only
    with at(wib(23, 8, 20)):
        assert say(client, rina, "Sudah", inboxid=False) == "processed"
        assert say(client, rina, "Sudah", inboxid=False) == "duplicate"  # Fonnte delivering it again
        run_scheduler()
    dose = Reminder.objects.get()
    assert (dose.confirmation_status, dose.confirmation_method, dose.close_reason) == (
        "CONFIRMED", "CAREGIVER_REPLY", "caregiver answered")
    assert PatientReply.objects.get().caregiver == rina
    assert len(texts_to(DAUGHTER)) == 2 and texts_to(patient.phone) == []  # the thanks went to Rina's phone
    assert texts_to(DAUGHTER)[-1] == ("Terima kasih, Rina. Kami sudah mencatat bahwa obat Ibu Sari sudah diminum. "
                                      "Semoga sehat selalu.")
    with at(wib(23, 12)):
        assert compliance.tally(patient.reminders.all()) == compliance.Tally(sent=1, confirmed=1, missed=0,
                                                                               by_caregiver=1)
        page = volunteer.get(reverse("admin:reminders_patient_compliance", args=[patient.pk]),
                             headers={"Accept-Language": "id"}).content.decode()
        assert "1 konfirmasi dari pendamping, dihitung sebagai konfirmasi pasien." in page
        inbox = volunteer.get(reverse("admin:reminders_patientreply_changelist") + "?inbox=all",
                              headers={"Accept-Language": "id"}).content.decode()
        assert "pendamping Rina (anak)" in inbox


def test_a_dose_for_both_reaches_the_patient_and_each_caregiver_once(client):
    schedule = enrol(recipients="BOTH")
    patient = schedule.patient
    caregiver_of(patient)
    caregiver_of(patient, "+6281377770002", "Dedi")
    caregiver_of(patient, "+6281377770003", "Tono", consented_at=None)  # has not agreed: gets nothing
    for second in (30, 40, 50):
        with at(wib(23, 8, 0, second)):
            run_scheduler()
    assert [len(reminders_to(phone)) for phone in (patient.phone, DAUGHTER, "+6281377770002", "+6281377770003")] == [
        1, 1, 1, 0]
    assert Message.objects.filter(kind=Message.Kind.REMINDER, status=Message.Status.SENT).count() == 3
    with at(wib(23, 8, 10)):
        say(client, patient, "sudah")
    assert Reminder.objects.get().confirmation_method == "PATIENT_REPLY"


def test_a_caregiver_of_two_patients_is_asked_which_then_names_one(client):
    sari = enrol(recipients="BOTH")
    budi = enrol(name="Bapak Budi", recipients="BOTH")
    for schedule in (sari, budi):
        caregiver_of(schedule.patient)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(DAUGHTER)) == 2
    with at(wib(23, 8, 15)):
        assert say(client, Caregiver.objects.first(), "Sudah") == "processed"
        run_scheduler()
    assert texts_to(DAUGHTER)[-1] == ("Nomor ini terdaftar sebagai pendamping beberapa pasien: Bapak Budi, Ibu Sari. "
                                      "Mohon balas lagi dengan menyebut nama pasiennya, misalnya: SUDAH Budi.")
    assert set(Reminder.objects.values_list("confirmation_status", flat=True)) == {"PENDING"}
    kept = PatientReply.objects.needing_attention()
    assert sorted(reply.patient.name for reply in kept) == ["Bapak Budi", "Ibu Sari"]  # each volunteer sees it
    with at(wib(23, 8, 17)):
        assert say(client, Caregiver.objects.first(), "sudah, sari") == "processed"
    assert sari.reminders.get().confirmation_status == "CONFIRMED"
    assert budi.reminders.get().confirmation_status == "PENDING"
    # Sari's volunteer has nothing left to read; Budi's still has the unclear SUDAH
    assert [reply.patient.name for reply in PatientReply.objects.needing_attention()] == ["Bapak Budi"]


def test_a_caregivers_berhenti_stops_only_that_caregivers_messages(client):
    schedule = enrol(recipients="BOTH")
    patient = schedule.patient
    rina = caregiver_of(patient)
    dedi = caregiver_of(patient, "+6281377770002", "Dedi")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 9)):
        assert say(client, rina, "BERHENTI") == "processed"
        run_scheduler()
    rina.refresh_from_db()
    assert rina.opted_out_at == wib(23, 9)
    assert texts_to(DAUGHTER)[-1].startswith("Baik. Nomor ini tidak akan menerima pengingat untuk Ibu Sari lagi.")
    patient.refresh_from_db()
    assert patient.opted_out_at is None
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(DAUGHTER)) == 1  # Monday's only
    assert len(reminders_to(patient.phone)) == 2 and len(reminders_to(dedi.phone)) == 2
    with at(wib(24, 9)):  # MULAI brings her back from the next dose
        say(client, rina, "MULAI")
    with at(wib(25, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(DAUGHTER)) == 2
    assert "Selamat datang kembali, Rina. Pengingat dari PRIMA untuk Ibu Sari akan dikirim lagi sesuai jadwal." in (
        texts_to(DAUGHTER))


def test_a_caregiver_may_get_reminders_for_a_patient_who_never_verified_their_own_phone(client):
    with at(wib(22, 12)):
        patient = make_patient(name="Ibu Sari", verification_status="PENDING")
        make_schedule(patient, message_template=MEDICATION, start_date=wib(22, 12).date(), recipients="CAREGIVERS")
    caregiver_of(patient)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(DAUGHTER)) == 1 and reminders_to(patient.phone) == []


def test_the_patients_berhenti_leaves_the_caregivers_reminders_going(client):
    schedule = enrol(recipients="BOTH", at_time=time(9, 0))
    patient = schedule.patient
    caregiver_of(patient)
    with at(wib(23, 8)):
        assert say(client, patient, "BERHENTI") == "processed"
    with at(wib(23, 9, 0, 30)):
        run_scheduler()
    assert reminders_to(patient.phone) == [] and len(reminders_to(DAUGHTER)) == 1


def test_a_volunteer_adds_a_caregiver_on_the_patients_page(volunteer, ani):
    """Found trying it as a volunteer: only a superuser could see the caregivers' section."""
    patient = make_patient(volunteer=ani)
    url = reverse("admin:reminders_patient_change", args=[patient.id])
    page = volunteer.get(url, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'name="caregivers-TOTAL_FORMS"' in page
    form = volunteer.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in ("name", "phone", "time_zone", "notes")}
    data.update({"is_active": "on", "caregivers-TOTAL_FORMS": "1", "caregivers-INITIAL_FORMS": "0",
                 "caregivers-0-name": "Rina", "caregivers-0-relation": "anak", "caregivers-0-phone": "0813-7777-0001",
                 "caregivers-0-consented_at_0": "2026-11-22", "caregivers-0-consented_at_1": "12:00",
                 "caregivers-0-is_active": "on", "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0"})
    response = volunteer.post(url, data)
    assert response.status_code == 302, [f.formset.errors for f in response.context["inline_admin_formsets"]] if (
        response.status_code == 200) else ""
    assert Caregiver.objects.get(patient=patient).phone == DAUGHTER


def test_a_caregivers_reply_outcome_reads_in_indonesian(volunteer, ani, client):
    from reminders.workspace.outcomes import describe
    from django.utils import translation

    with translation.override("id"):
        assert describe("caregiver answered") == "pendamping menjawab"
        assert describe("caregiver opted out; 2 queued message(s) cancelled") == (
            "pendamping berhenti; 2 pesan dalam antrean dibatalkan")


# One phone, one voice: whatever rows name a phone, it gets one reminder per dose, and its
# BERHENTI and MULAI speak for every message it receives, answered once.

def the_patients_own_number_as_a_caregiver():
    """A patient whose number was typed in as their caregiver's too (a row made before the
    patient's page refused it), reminded both ways."""
    patient = enrol(recipients="BOTH").patient
    return patient, caregiver_of(patient, patient.phone, "Ibu Sari sendiri")


def test_a_number_that_is_the_patients_and_a_caregivers_gets_one_reminder_per_dose(client):
    patient, _typed_twice = the_patients_own_number_as_a_caregiver()
    for day in (23, 24):
        with at(wib(day, 8, 0, 30)):
            run_scheduler()
    assert len(reminders_to(patient.phone)) == 2  # one a day
    assert {dose.messages.get(kind=Message.Kind.REMINDER).caregiver for dose in patient.reminders.all()} == {None}


def test_berhenti_from_that_number_stops_both_answered_once_and_mulai_restores_both(client):
    patient, typed_twice = the_patients_own_number_as_a_caregiver()
    with at(wib(23, 7)):
        assert say(client, patient, "BERHENTI") == "processed"
        run_scheduler()
    patient.refresh_from_db()
    typed_twice.refresh_from_db()
    assert patient.opted_out_at == typed_twice.opted_out_at == wib(23, 7)
    assert texts_to(patient.phone) == [
        "Baik, Ibu Sari. Anda tidak akan menerima pengingat lagi. Jika ingin menerima pengingat kembali, balas MULAI."]
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert reminders_to(patient.phone) == []  # neither copy
    with at(wib(23, 9)):
        assert say(client, patient, "MULAI") == "processed"
        run_scheduler()
    typed_twice.refresh_from_db()
    assert typed_twice.opted_out_at is None
    assert texts_to(patient.phone)[1:] == [
        "Selamat datang kembali, Ibu Sari. Pengingat dari PRIMA akan dikirim lagi sesuai jadwal."]
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(patient.phone)) == 1  # Tuesday's, once


def test_a_caregiver_of_two_patients_stops_both_with_one_berhenti_and_is_not_asked_which(client):
    sari = enrol(recipients="BOTH").patient
    budi = enrol(name="Bapak Budi", recipients="BOTH").patient
    rina, rina_for_budi = caregiver_of(sari), caregiver_of(budi)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 15)):
        say(client, rina, "Belum, Sari")  # a follow-up for Sari's dose waits to go to Rina's phone
    follow_up = Message.objects.get(kind=Message.Kind.FOLLOW_UP)
    assert (follow_up.caregiver, follow_up.status) == (rina, Message.Status.QUEUED)
    with at(wib(23, 8, 20)):
        assert say(client, rina, "BERHENTI") == "processed"
        run_scheduler()
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.end_reason) == (Message.Status.CANCELLED, "caregiver opted out")
    assert [text for text in texts_to(DAUGHTER) if text.startswith("Baik. Nomor ini")] == [  # answered once, nothing asked
        "Baik. Nomor ini tidak akan menerima pengingat untuk Bapak Budi, Ibu Sari lagi. Jika ingin menerimanya "
        "kembali, balas MULAI."]
    assert {caregiver.opted_out_at for caregiver in Caregiver.objects.all()} == {wib(23, 8, 20)}
    said = PatientReply.objects.filter(intent=PatientReply.Intent.OPT_OUT)
    assert sorted((reply.patient.name, reply.caregiver_id, reply.needs_attention) for reply in said) == [
        ("Bapak Budi", rina_for_budi.id, False), ("Ibu Sari", rina.id, False)]  # each volunteer sees it, none to do
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(DAUGHTER)) == 2  # Monday's two only
    assert len(reminders_to(sari.phone)) == len(reminders_to(budi.phone)) == 2  # the patients' own go on
    with at(wib(24, 9)):
        assert say(client, rina, "MULAI") == "processed"
        run_scheduler()
    assert [text for text in texts_to(DAUGHTER) if text.startswith("Selamat datang")] == [
        "Selamat datang kembali, Rina. Pengingat dari PRIMA untuk Bapak Budi, Ibu Sari akan dikirim lagi sesuai jadwal."]
    with at(wib(25, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(DAUGHTER)) == 4


def test_a_patient_who_cares_for_another_stops_both_with_one_berhenti(client):
    husband = enrol(name="Bapak Budi", recipients="BOTH").patient
    wife = enrol(recipients="BOTH").patient
    caregiver_of(husband, wife.phone, "Ibu Sari")
    with at(wib(23, 7)):
        assert say(client, wife, "BERHENTI") == "processed"
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert reminders_to(wife.phone) == [] and len(reminders_to(husband.phone)) == 1
    assert len([text for text in texts_to(wife.phone) if text.startswith("Baik")]) == 1
    assert husband.replies.get().outcome == "caregiver opted out"


@pytest.fixture
def coordinator(client):
    client.force_login(staff("koordinator", COORDINATOR))
    return client


def post_caregivers(client, patient, *phones: str):
    """The patient's page saved as it shows, with caregivers of these phones added, in Indonesian."""
    url, data = admin_page_data(client, patient)
    saved = int(data["caregivers-TOTAL_FORMS"])
    data["caregivers-TOTAL_FORMS"] = str(saved + len(phones))
    for row, phone in enumerate(phones, start=saved):
        data.update({f"caregivers-{row}-name": "Rina", f"caregivers-{row}-phone": phone,
                     f"caregivers-{row}-is_active": "on"})
    return client.post(url, data, headers={"Accept-Language": "id"})


def test_the_patients_page_refuses_the_patients_own_number_or_one_number_twice_as_caregivers(coordinator):
    patient = make_patient(phone="+6281277770009")
    refused = post_caregivers(coordinator, patient, "0812-7777-0009").content.decode()
    assert "Ini nomor pasien sendiri: pasien sudah menerima pengingat di nomor ini." in refused
    twice = post_caregivers(coordinator, patient, "0813-7777-0001", "+62 813 7777 0001").content.decode()
    assert "Nomor ini sudah terdaftar sebagai pendamping pasien ini." in twice
    assert not Caregiver.objects.exists()
    assert post_caregivers(coordinator, patient, "0813-7777-0001").status_code == 302
    again = post_caregivers(coordinator, patient, "0813-7777-0001").content.decode()  # beside the row saved
    assert "Nomor ini sudah terdaftar sebagai pendamping pasien ini." in again
    with pytest.raises(ValidationError) as error:
        Caregiver(patient=patient, name="Rina", phone="0812-7777-0009").full_clean()
    assert list(error.value.message_dict) == ["phone"]
