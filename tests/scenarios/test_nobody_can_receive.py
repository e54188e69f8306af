"""Issue 27, item 4: a schedule that reminds the caregivers (pendamping) only, when none of them
can receive it. The form refuses it, saying why (for "both", it says the caregivers will not get
it); a dose that comes due with nobody to receive it anyway (the caregiver said BERHENTI after
the schedule was saved) is recorded, closed with the reason, and shown on Hari ini until the
schedule can reach someone again. November 2026, Jakarta."""
import pytest
from django.urls import reverse

from reminders.doses import compliance
from reminders.models import Caregiver, Message, Reminder, ReminderSchedule
from tests.scenarios.helpers import (
    DAUGHTER, admin_edit, admin_messages, admin_page_data, at, caregiver_of, enrol, introduction, run_scheduler, say,
    texts_to, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
TODAY = reverse("admin:index")
INDONESIAN = {"Accept-Language": "id"}


def save_patient_page(client, patient, **changes):
    """The volunteer saves the patient's page with `changes`, in Indonesian; the response as is."""
    url, data = admin_page_data(client, patient)
    data.update(changes)
    return client.post(url, data, headers=INDONESIAN)


def page_errors(response) -> list[str]:
    """The errors of the schedule rows on a page that was not saved."""
    assert response.status_code == 200, "the page was saved"
    schedules = next(inline for inline in response.context["inline_admin_formsets"]
                     if inline.formset.prefix == "schedules")
    return [str(error) for form in schedules.formset.forms for errors in form.errors.values() for error in errors]


def today_rows(client, patient):
    page = client.get(TODAY, headers=INDONESIAN)
    return [row for group in page.context["groups"] for row in group.rows if row.patient == patient]


@pytest.mark.parametrize("caregiver, why", [
    ({"consented_at": None}, "Rina (anak): pendamping belum setuju menerima pengingat (tanggal persetujuan kosong)"),
    ({"opted_out_at": wib(22, 13)}, "Rina (anak): pendamping berhenti"),
    ({"is_active": False}, "Rina (anak): pendamping tidak aktif"),
    (None, "pasien belum punya pendamping"),
])
def test_the_patients_page_refuses_a_schedule_for_caregivers_nobody_can_receive(volunteer, ani, caregiver, why):
    schedule = enrol(volunteer=ani)
    if caregiver is not None:
        caregiver_of(schedule.patient, **caregiver)
    with at(wib(22, 14)):
        refused = save_patient_page(volunteer, schedule.patient, **{"schedules-0-recipients": "CAREGIVERS"})
    assert page_errors(refused) == [
        f"Tidak ada pendamping yang bisa menerima pengingat jadwal ini ({why}). Isi tanggal persetujuan pendamping, "
        "kirim juga kepada pasien, atau nonaktifkan jadwal ini."]
    schedule.refresh_from_db()
    assert schedule.recipients == "PATIENT"


def test_a_consent_filled_in_on_the_same_page_makes_it_work(volunteer, ani):
    schedule = enrol(volunteer=ani)
    rina = caregiver_of(schedule.patient, consented_at=None)
    with at(wib(22, 14)):
        admin_edit(volunteer, schedule.patient, **{
            "schedules-0-recipients": "CAREGIVERS",
            "caregivers-0-consented_at_0": "2026-11-22", "caregivers-0-consented_at_1": "14:00"})
    rina.refresh_from_db()
    assert rina.consented_at == wib(22, 14)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert texts_to(DAUGHTER) == [f"{introduction('Rina', 'Ibu Sari')}\n\nHalo Ibu Sari, waktunya minum obat (08:00)."]  # her first message


def test_a_caregiver_set_inactive_on_the_same_page_is_refused(volunteer, ani):
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS")
    caregiver_of(schedule.patient)
    with at(wib(22, 14)):
        refused = save_patient_page(volunteer, schedule.patient, **{"caregivers-0-is_active": ""})
    assert page_errors(refused) == [
        "Tidak ada pendamping yang bisa menerima pengingat jadwal ini (Rina (anak): pendamping tidak aktif). Isi "
        "tanggal persetujuan pendamping, kirim juga kepada pasien, atau nonaktifkan jadwal ini."]
    assert Caregiver.objects.get().is_active


def test_a_schedule_switched_off_may_keep_naming_the_caregivers(volunteer, ani):
    schedule = enrol(volunteer=ani)
    caregiver_of(schedule.patient, consented_at=None)
    with at(wib(22, 14)):
        admin_edit(volunteer, schedule.patient, **{"schedules-0-recipients": "CAREGIVERS", "schedules-0-is_active": ""})
    schedule.refresh_from_db()
    assert (schedule.recipients, schedule.is_active) == ("CAREGIVERS", False)


def test_for_both_the_page_saves_and_says_the_caregivers_will_not_get_it(volunteer, ani):
    schedule = enrol(volunteer=ani)
    caregiver_of(schedule.patient, consented_at=None)
    with at(wib(22, 14)):
        url, data = admin_page_data(volunteer, schedule.patient)
        saved = volunteer.post(url, {**data, "schedules-0-recipients": "BOTH"}, headers=INDONESIAN, follow=True)
    assert saved.redirect_chain  # saved
    assert "Obat 08:00 WIB untuk Ibu Sari: hanya pasien yang akan menerima pengingat ini; tidak ada pendamping yang bisa " \
           "menerimanya (Rina (anak): pendamping belum setuju menerima pengingat (tanggal persetujuan kosong))." in (
               admin_messages(saved))
    schedule.refresh_from_db()
    assert schedule.recipients == "BOTH"


def test_the_schedules_own_page_refuses_it_too(volunteer, ani):
    schedule = enrol(volunteer=ani)
    caregiver_of(schedule.patient, opted_out_at=wib(22, 13))
    with at(wib(22, 14)):
        url, data = admin_page_data(volunteer, schedule)
        refused = volunteer.post(url, {**data, "recipients": "CAREGIVERS"}, headers=INDONESIAN)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["recipients"] == [
        "Tidak ada pendamping yang bisa menerima pengingat jadwal ini (Rina (anak): pendamping berhenti). Isi tanggal "
        "persetujuan pendamping, kirim juga kepada pasien, atau nonaktifkan jadwal ini."]
    assert ReminderSchedule.objects.get().recipients == "PATIENT"


def test_a_dose_nobody_can_receive_is_recorded_and_shown_on_hari_ini_until_fixed(client, volunteer, ani):
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS")
    patient = schedule.patient
    rina = caregiver_of(patient)
    with at(wib(22, 20)):  # Sunday evening, after the schedule was saved: Rina says stop
        assert say(client, rina, "BERHENTI") == "processed"
    with at(wib(23, 8, 0, 30)):
        summary = run_scheduler()
    assert "nobody_can_receive=1" in summary
    dose = Reminder.objects.get()
    assert (dose.local_date, dose.confirmation_status, dose.close_reason, dose.sent_at) == (
        wib(23, 8).date(), "CANCELLED", "nobody can receive it: Rina (anak): caregiver opted out", None)
    assert not Message.objects.filter(kind=Message.Kind.REMINDER).exists()
    with at(wib(23, 9)):
        [row] = today_rows(volunteer, patient)
        run_scheduler()
        run_scheduler()  # made once: the day has its dose
    assert Reminder.objects.count() == 1
    assert (row.kind, row.when, row.what) == (
        "unreceivable", wib(23, 8), "Tidak ada yang bisa menerima pengingat ini: Rina (anak): pendamping berhenti")
    with at(wib(23, 9)):
        page = volunteer.get(TODAY, headers=INDONESIAN).content.decode()
    assert "Tidak ada yang bisa menerima pengingat ini: Rina (anak): pendamping berhenti" in page
    assert compliance.tally(patient.reminders.all()) == compliance.Tally(sent=0, confirmed=0, missed=0,
                                                                           by_caregiver=0)
    # The volunteer sends it to the patient instead: the row goes, Tuesday's reminder reaches her.
    with at(wib(23, 9, 5)):
        admin_edit(volunteer, patient, **{"schedules-0-recipients": "PATIENT"})
        assert today_rows(volunteer, patient) == []
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert texts_to(patient.phone) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]


def test_a_paused_patients_schedule_for_caregivers_records_nothing(volunteer, ani):
    schedule = enrol(volunteer=ani, recipients="CAREGIVERS", is_active=False)
    caregiver_of(schedule.patient, consented_at=None)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
        assert today_rows(volunteer, schedule.patient) == []
    assert not Reminder.objects.exists()  # paused: nobody is meant to get it


def test_a_new_patients_page_judges_by_the_caregivers_typed_in_with_it(volunteer, ani):
    def new_patient(consent_date: str):
        data = {"name": "Ibu Wayan", "phone": "0812 5555 0001", "time_zone": "Asia/Makassar", "check_in_time": "10:00",
                "caregivers-TOTAL_FORMS": "1", "caregivers-INITIAL_FORMS": "0",
                "caregivers-0-name": "Made", "caregivers-0-relation": "suami", "caregivers-0-phone": "0812 5555 0002",
                "caregivers-0-is_active": "on", "caregivers-0-consented_at_0": consent_date,
                "caregivers-0-consented_at_1": "09:00" if consent_date else "",
                "schedules-TOTAL_FORMS": "1", "schedules-INITIAL_FORMS": "0",
                "schedules-0-kind": "MEDICATION", "schedules-0-time_of_day": "08:00",
                "schedules-0-message_template": "Halo {nama}, waktunya minum obat ({waktu}).",
                "schedules-0-weekdays": [str(day) for day in range(7)], "schedules-0-start_date": "2026-11-22",
                "schedules-0-recipients": "CAREGIVERS", "schedules-0-is_active": "on"}
        return volunteer.post(reverse("admin:reminders_patient_add"), data, headers=INDONESIAN)

    with at(wib(22, 14)):
        assert page_errors(new_patient("")) == [
            "Tidak ada pendamping yang bisa menerima pengingat jadwal ini (Made (suami): pendamping belum setuju "
            "menerima pengingat (tanggal persetujuan kosong)). Isi tanggal persetujuan pendamping, kirim juga kepada "
            "pasien, atau nonaktifkan jadwal ini."]
        assert new_patient("2026-11-22").status_code == 302
    assert ReminderSchedule.objects.get().recipients == "CAREGIVERS"
