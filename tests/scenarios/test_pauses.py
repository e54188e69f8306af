"""A pause says why and, when it is known, its last day: nothing is sent during it, nothing of
it is sent late afterwards, the reminders come back by themselves the day after, and a patient
paused because the family told of a death never comes back by a date."""
import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from reminders.models import Patient
from tests.factories import make_patient
from tests.scenarios.helpers import (
    DAUGHTER, at, caregiver_of, enrol, reminders_to, run_scheduler, say, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
ID = {"Accept-Language": "id"}
TODAY = reverse("admin:index")
PATIENTS = reverse("admin:reminders_patient_changelist")


def pause(client, patient: Patient, **fields):
    """The list action's form, filled in and sent, in Indonesian; the page that follows."""
    return client.post(PATIENTS, {"action": "pause_reminders", helpers.ACTION_CHECKBOX_NAME: [patient.pk], "apply": "1",
                                  **fields}, follow=True, headers=ID)


def page_of(client, patient: Patient) -> str:
    return client.get(reverse("admin:reminders_patient_change", args=[patient.pk]), headers=ID).content.decode()


def test_a_pause_to_a_last_day_sends_nothing_during_it_nothing_late_after_and_ends_by_itself(volunteer, ani):
    schedule = enrol(volunteer=ani)  # daily at 08:00
    patient = schedule.patient
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 12)):  # Monday noon: in hospital until Wednesday
        pause(volunteer, patient, kind="HOSPITAL", reason="RS Sardjito", until="2026-11-25")
        patient.refresh_from_db()
        assert (patient.is_active, patient.pause_kind, patient.paused_until.day) == (False, "HOSPITAL", 25)
        said = "Dijeda sampai 25 November 2026: Dirawat di rumah sakit: RS Sardjito"
        assert said in page_of(volunteer, patient)
        today = volunteer.get(TODAY, headers=ID)
        assert today.context["paused"] == [patient] and said in today.content.decode()
    for day in (24, 25):
        with at(wib(day, 8, 0, 30)):
            run_scheduler()
    with at(wib(25, 23, 59)):
        run_scheduler()
    patient.refresh_from_db()
    assert not patient.is_active and reminders_to(patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]
    with at(wib(26, 0, 0, 30)):  # Thursday: the pause is over in her zone
        assert "pauses_ended=1" in run_scheduler()
    patient.refresh_from_db()
    assert (patient.is_active, patient.pause_kind, patient.pause_reason, patient.paused_until) == (True, "", "", None)
    with at(wib(26, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(patient)) == 2  # Monday's and Thursday's: Tuesday's and Wednesday's never, not late
    assert sorted(schedule.reminders.filter(sent_at__isnull=False).values_list("local_date__day", flat=True)) == [
        23, 26]


def test_a_patient_in_a_zone_further_east_resumes_when_their_own_day_begins(volunteer, ani):
    patient = make_patient(volunteer=ani, time_zone="Asia/Jayapura")  # WIT: two hours ahead of Jakarta
    with at(wib(23, 12)):
        pause(volunteer, patient, kind="AWAY", until="2026-11-24")
    with at(wib(24, 21, 59)):
        run_scheduler()
    assert not Patient.objects.get(pk=patient.pk).is_active
    with at(wib(24, 22, 0, 30)):  # midnight in Jayapura
        run_scheduler()
    assert Patient.objects.get(pk=patient.pk).is_active


def test_a_death_told_during_a_pause_is_never_ended_by_its_date(client, volunteer, ani):
    schedule = enrol(volunteer=ani)
    patient = schedule.patient
    caregiver_of(patient)
    with at(wib(23, 12)):
        pause(volunteer, patient, kind="HOSPITAL", until="2026-11-24")
    with at(wib(24, 9)):
        say(client, patient, "Innalillahi, bapak sudah berpulang", sender=DAUGHTER.lstrip("+"))
    patient.refresh_from_db()
    assert (patient.pause_kind, patient.paused_until) == ("DIED", None)
    with at(wib(24, 9, 5)):  # nor by a volunteer's pause over it
        pause(volunteer, patient, kind="OTHER", reason="salah ketik", until="2026-11-24")
    with at(wib(26, 8, 0, 30)):
        run_scheduler()
    patient.refresh_from_db()
    assert not patient.is_active and patient.pause_kind == "DIED" and reminders_to(patient) == []
    assert "Pasien meninggal dunia: Kabar meninggal dunia dari Rina (anak)" in page_of(volunteer, patient)


def test_the_pause_form_asks_why_with_no_default_and_refuses_a_past_day_or_an_unsaid_other(volunteer, ani):
    patient = make_patient(volunteer=ani)
    with at(wib(23, 12)):
        asked = volunteer.post(PATIENTS, {"action": "pause_reminders", helpers.ACTION_CHECKBOX_NAME: [patient.pk]},
                               headers=ID)
        html = asked.content.decode()
        assert "Mengapa pengingat dijeda?" in html and "Dirawat di rumah sakit" in html and "checked" not in html
        assert 'type="date"' in html
        past = pause(volunteer, patient, kind="HOSPITAL", until="2026-11-22")
        assert "Tanggal ini sudah lewat" in past.content.decode()
        unsaid = pause(volunteer, patient, kind="OTHER")
        assert "Tuliskan alasannya secara singkat." in unsaid.content.decode()
        assert Patient.objects.get(pk=patient.pk).is_active
        pause(volunteer, patient, kind="ASKED")  # no last day: until a volunteer resumes them
    patient.refresh_from_db()
    assert "Dijeda sampai relawan melanjutkan pengingat: Atas permintaan pasien atau keluarga" in page_of(
        volunteer, patient)
    with at(wib(30, 12)):
        run_scheduler()
    assert not Patient.objects.get(pk=patient.pk).is_active


def test_pausing_from_hari_ini_comes_back_to_hari_ini(volunteer, ani):
    patient = make_patient(volunteer=ani, verification_status=Patient.Verification.DECLINED)
    url = reverse("admin:reminders_patient_act", args=[patient.pk, "pause_reminders"]) + f"?next={TODAY}"
    form = volunteer.post(url, headers=ID)
    assert form.status_code == 200 and f'href="{TODAY}"' in form.content.decode()  # "Batal" goes back too
    done = volunteer.post(url, {"apply": "1", "kind": "ASKED", "reason": "tidak mau lagi"})
    assert done.status_code == 302 and done["Location"] == TODAY
    assert Patient.objects.get(pk=patient.pk).pause_reason == "tidak mau lagi"
