"""A volunteer's day in a real browser asking for Indonesian, on a phone and on a laptop: log
in and land on today, open the emergency and its number, mark it handled, enrol a patient with
a schedule, record a manual confirmation, open compliance (tests/browser.py). No page may
scroll sideways or show English.

The screenshots go to a temporary folder: a test never rewrites tracked files. The README's
pictures come from the same visit, on purpose, with `make screenshots`.
"""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from reminders.models import Caregiver, Patient, PatientReply, Reminder
from reminders.workspace.roles import COORDINATOR, VOLUNTEER
from reminders.templating import DEFAULT_TEMPLATES
from tests.admin.conftest import staff_who_can_log_in
from tests.browser import LAPTOP, NEW_PATIENT, PHONE, VOLUNTEER_PASSWORD, list_scrolls_sideways, volunteers_day

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=lambda screen: screen.name)
def test_a_volunteers_day_fits_the_screen_and_speaks_indonesian(admin_browser, volunteer_with_a_day, screen,
                                                               tmp_path):
    problems = volunteers_day(admin_browser, volunteer_with_a_day.username, screen, tmp_path)

    assert problems == []
    emergency = PatientReply.objects.get(intent=PatientReply.Intent.EMERGENCY)
    assert emergency.handled_by == volunteer_with_a_day
    patient = Patient.objects.get(name=NEW_PATIENT)
    assert (patient.phone, patient.verification_status, patient.volunteer) == (
        "+6281234567890", "PENDING", volunteer_with_a_day)
    assert patient.schedules.get().message_template == DEFAULT_TEMPLATES["MEDICATION"]
    confirmed = Reminder.objects.get(confirmed_by=volunteer_with_a_day)
    assert (confirmed.confirmation_status, confirmed.confirmation_method) == ("CONFIRMED", "CALL")
    assert (tmp_path / f"today-{screen.name}.png").read_bytes().startswith(PNG_SIGNATURE)


def test_a_coordinator_sees_everyones_day_and_a_patient_list_that_fits_a_laptop(admin_browser,
                                                                                 volunteer_with_a_day):
    staff_who_can_log_in("koordinator", COORDINATOR)
    admin_browser.use_screen(LAPTOP)
    admin_browser.log_in("koordinator", VOLUNTEER_PASSWORD)
    assert "relawan.ani" in admin_browser.find("h2.today-volunteer").text
    admin_browser.find(".health-line")
    admin_browser.click(".prima-menu a[href$='/reminders/patient/']", ready="body.change-list")
    assert admin_browser.find("th.column-volunteer")  # the coordinator's extra column
    assert not list_scrolls_sideways(admin_browser) and admin_browser.overflow() == 0
    assert admin_browser.english_on_page() == set()


def test_a_death_told_by_a_daughter_and_a_voice_note_read_on_a_phone_in_indonesian(admin_browser, transactional_db):
    """Hari ini after issue 25: the death says who wrote and rings her; a voice note says so."""
    volunteer = staff_who_can_log_in("relawan.ani", VOLUNTEER)
    sari = Patient.objects.create(name="Ibu Sari", phone="+6281210000000", volunteer=volunteer, is_active=False,
                                  verification_status="VERIFIED", pause_reason="Kabar meninggal dunia dari Rina (anak)")
    rina = Caregiver.objects.create(patient=sari, name="Rina", relation="anak", phone="+6281377770001")
    sari.replies.create(caregiver=rina, text="Ibu sudah meninggal tadi pagi", intent=PatientReply.Intent.DEATH,
                        urgent=True, needs_attention=True)
    budi = Patient.objects.create(name="Bapak Budi", phone="+6281210000001", volunteer=volunteer)
    budi.replies.create(text="", intent=PatientReply.Intent.MEDIA, needs_attention=True)
    admin_browser.use_screen(PHONE)
    admin_browser.log_in("relawan.ani", VOLUNTEER_PASSWORD)
    death = admin_browser.find("li.today-emergency")
    assert "Keluarga mengabarkan pasien meninggal dunia" in death.text and "Rina (anak)" in death.text
    assert admin_browser.find("li.today-emergency a.button[href='tel:+6281377770001']")  # rings Rina, not Ibu Sari
    assert "pesan suara atau lampiran" in admin_browser.find("li.today-reply").text
    assert admin_browser.overflow() == 0 and admin_browser.english_on_page() == set()


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=lambda screen: screen.name)
def test_an_appointment_is_entered_with_its_own_day_and_reminders_in_indonesian(admin_browser, transactional_db,
                                                                               screen):
    """Issue 29: the appointment's day and reminders show for an appointment only, its day
    hides the weekdays, and the preview says who reads it and names the appointment's day."""
    staff_who_can_log_in("relawan.ani", VOLUNTEER)
    admin_browser.use_screen(screen)
    admin_browser.log_in("relawan.ani", VOLUNTEER_PASSWORD)
    admin_browser.open("reminders/patient/add/", ready="body.change-form")
    admin_browser.type("name", NEW_PATIENT)
    admin_browser.find("#schedules-group .add-row a").click()
    driver = admin_browser.driver

    def shown(field: str) -> bool:
        return driver.find_element(By.CSS_SELECTOR, f"#schedules-0 [name$='{field}']").is_displayed()

    assert not shown("appointment_date") and shown("weekdays")
    Select(driver.find_element(By.NAME, "schedules-0-kind")).select_by_value("APPOINTMENT")
    assert shown("appointment_date") and shown("reminder_offsets")
    admin_browser.type("schedules-0-time_of_day", "09:00")
    driver.execute_script("const day = document.querySelector('[name=\"schedules-0-appointment_date\"]');"
                          "day.value = '2030-01-10'; day.dispatchEvent(new Event('change', {bubbles: true}));")
    admin_browser.wait_for_text("#schedules-0 .field-message_preview .readonly",
                                f"Pasien, {NEW_PATIENT}, akan membaca:\nHalo {NEW_PATIENT}, jangan lupa jadwal "
                                "kontrol Kamis, 10 Januari 2030 pukul 09:00.")
    assert not shown("weekdays")
    assert admin_browser.overflow() == 0 and admin_browser.english_on_page() == set()
