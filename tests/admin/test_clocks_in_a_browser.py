"""The admin's "Sekarang" (now) button beside a patient's time field fills the patient's time,
and the field names the zone; on a new patient's page both follow the zone chosen."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from selenium.webdriver.support.ui import Select

from reminders.workspace.roles import VOLUNTEER
from tests.admin.conftest import staff_who_can_log_in
from tests.browser import LAPTOP, VOLUNTEER_PASSWORD
from tests.factories import make_patient

NOW_BUTTON = ".field-check_in_time .datetimeshortcuts a"
ZONE_NAME = ".field-check_in_time .patient-clock-name"


def filled_now(admin_browser) -> str:
    admin_browser.find(NOW_BUTTON).click()
    return admin_browser.find("[name=check_in_time]").get_attribute("value")


def nearly_now_in(zone: str, filled: str) -> bool:
    """`filled` (as Indonesian writes it, 14.22.37) is the time in `zone` now, give or take the
    minute the test took."""
    now = datetime.now(ZoneInfo(zone))
    return filled[:5] in {f"{moment:%H.%M}" for moment in (now - timedelta(minutes=1), now)}


def test_now_fills_the_patients_time_and_the_field_names_the_zone(admin_browser, transactional_db):
    volunteer = staff_who_can_log_in("relawan.ani", VOLUNTEER)
    patient = make_patient(name="Ibu Yohana", time_zone="Asia/Jayapura", volunteer=volunteer)
    admin_browser.use_screen(LAPTOP)
    admin_browser.log_in("relawan.ani", VOLUNTEER_PASSWORD)

    admin_browser.open(f"reminders/patient/{patient.pk}/change/", ready=NOW_BUTTON)
    assert admin_browser.find(ZONE_NAME).text == "WIT"
    admin_browser.find("[name=check_in_time]").clear()
    assert nearly_now_in("Asia/Jayapura", filled_now(admin_browser))

    admin_browser.open("reminders/patient/add/", ready=NOW_BUTTON)
    assert admin_browser.find(ZONE_NAME).text == "WIB"  # the zone the form offers first
    Select(admin_browser.find("[name=time_zone]")).select_by_value("Asia/Makassar")
    assert admin_browser.find(ZONE_NAME).text == "WITA"
    admin_browser.find("[name=check_in_time]").clear()
    assert nearly_now_in("Asia/Makassar", filled_now(admin_browser))
