"""Issue 27, item 7: "Kirim pengingat hari ini sekarang" that queues nothing says why, for each
patient, in Indonesian: paused, not verified, opted out, no schedule today, today's already sent,
later today, the caregivers cannot receive it. Driven as a volunteer does it, over HTTP, on
Monday 23 November 2026 in Jakarta."""
from datetime import time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from reminders.models import Message, Patient
from tests.factories import make_schedule, materialise
from tests.scenarios.helpers import (
    DAUGHTER, MEDICATION, admin_messages, at, caregiver_of, enrol, introduction, run_scheduler, texts_to, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
INDONESIAN = {"Accept-Language": "id"}
PATIENTS = reverse("admin:reminders_patient_changelist")


def send_now(client, *patients) -> list[str]:
    """"Kirim pengingat hari ini sekarang" on the patient list, read in Indonesian."""
    data = {"action": "send_todays_reminders", ACTION_CHECKBOX_NAME: [patient.pk for patient in patients]}
    response = client.post(PATIENTS, data, headers=INDONESIAN, follow=True)
    assert response.status_code == 200
    return admin_messages(response)


def nothing(patient: str, why: str) -> str:
    return f"{patient}: 0 pengingat hari ini diantrekan untuk dikirim sekarang, karena {why}."


@pytest.mark.parametrize("state, why", [
    ({"is_active": False}, "pengingat pasien dijeda"),
    ({"verification_status": Patient.Verification.PENDING},
     "Obat 08:00 WIB untuk Ibu Sari: tidak ada yang bisa menerima pengingat ini: verifikasi pasien: Menunggu"),
    ({"opted_out_at": wib(22, 18)}, "Obat 08:00 WIB untuk Ibu Sari: tidak ada yang bisa menerima pengingat ini: pasien berhenti"),
])
def test_a_patient_who_gets_no_reminders_is_told_why(volunteer, ani, state, why):
    enrol(volunteer=ani, **state)
    with at(wib(23, 9)):
        assert send_now(volunteer, Patient.objects.get()) == [nothing("Ibu Sari", why)]
    assert not Message.objects.exists()


def test_no_schedule_or_none_today_is_said(volunteer, ani):
    sunday_only = enrol(volunteer=ani)
    sunday_only.weekdays = [6]
    sunday_only.save()
    none_at_all = enrol(name="Bapak Budi", volunteer=ani, is_active=True)
    none_at_all.delete()
    with at(wib(23, 9)):
        told = send_now(volunteer, sunday_only.patient, none_at_all.patient)
    assert sorted(told) == [
        nothing("Bapak Budi", "tidak ada jadwal pengingat yang aktif"),
        nothing("Ibu Sari", "tidak ada pengingat yang dijadwalkan hari ini"),
    ]


def test_already_sent_and_later_today_are_said_per_schedule(volunteer, ani):
    schedule = enrol(volunteer=ani)
    with at(wib(22, 12)):
        make_schedule(schedule.patient, time_of_day=time(20, 0), message_template=MEDICATION,
                      start_date=wib(22, 12).date())
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 9)):
        assert send_now(volunteer, schedule.patient) == [nothing(
            "Ibu Sari", "Obat 08:00 WIB untuk Ibu Sari: sudah terkirim; "
                        "Obat 20:00 WIB untuk Ibu Sari: nanti hari ini, tetap pada waktunya")]


def test_a_reminder_already_waiting_in_the_queue_is_said(volunteer, ani):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        materialise()  # made, not sent yet (the sender has not run: a burst, a rate limit)
    with at(wib(23, 8, 1)):
        assert send_now(volunteer, schedule.patient) == [nothing(
            "Ibu Sari", "Obat 08:00 WIB untuk Ibu Sari: sudah dalam antrean, terkirim begitu pengiriman memungkinkan")]


def test_caregivers_who_cannot_receive_are_said_and_nothing_is_made(volunteer, ani):
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS")
    caregiver_of(schedule.patient, opted_out_at=wib(22, 20))
    with at(wib(23, 7, 30)):
        assert send_now(volunteer, schedule.patient) == [nothing(
            "Ibu Sari", "Obat 08:00 WIB untuk Ibu Sari: nanti hari ini, tetap pada waktunya")]
    with at(wib(23, 8, 30)):  # the scheduler has not run since 08:00: the dose is not made yet
        assert send_now(volunteer, schedule.patient) == [nothing(
            "Ibu Sari", "Obat 08:00 WIB untuk Ibu Sari: tidak ada yang bisa menerima pengingat ini: "
                        "Rina (anak): pendamping berhenti")]
    assert not schedule.reminders.exists()  # "1 queued" for a dose with no message would be untrue


def test_a_dose_recorded_for_nobody_is_said_at_send_now(volunteer, ani):
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS")
    caregiver_of(schedule.patient, consented_at=None)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 30)):
        assert send_now(volunteer, schedule.patient) == [nothing(
            "Ibu Sari", "Obat 08:00 WIB untuk Ibu Sari: tidak dikirim pada waktunya: tidak ada yang bisa menerima "
                        "pengingat ini: Rina (anak): pendamping belum setuju menerima pengingat (tanggal persetujuan "
                        "kosong)")]


def test_caregivers_only_is_sent_for_a_patient_not_verified(volunteer, ani):
    """The caregiver gets the reminders whatever the patient's own consent: send-now sends it."""
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS", verification_status=Patient.Verification.PENDING)
    caregiver_of(schedule.patient)
    with at(wib(23, 9)):
        assert send_now(volunteer, schedule.patient) == [
            "Ibu Sari: 1 pengingat hari ini diantrekan untuk dikirim sekarang."]
        run_scheduler()
    assert texts_to(DAUGHTER) == [f"{introduction('Rina', 'Ibu Sari')}\n\nHalo Ibu Sari, waktunya minum obat (08:00)."]  # her first message
