"""A volunteer's afternoon in a real browser: log in, enrol a patient typed as 0812…, add a
schedule, open the compliance page. Saves the screenshots the README shows.

Runs headless Chromium from the distribution's packages (`chromium`, `chromium-driver`;
.ci/run installs them); without them the test is skipped, saying why.
"""
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from reminders.models import Patient
from reminders.roles import COORDINATOR
from tests.admin.conftest import make_staff
from tests.factories import make_patient, make_reminder, make_schedule

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs the distribution's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    profile = tempfile.mkdtemp(prefix="prima-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--lang=en-US", "--window-size=1700,900", f"--user-data-dir={profile}"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def history_for(patient: Patient) -> None:
    """Three weeks of mixed answers, so the chart has something to show."""
    schedule = make_schedule(patient, start_date=timezone.localdate() - timedelta(days=30))
    now = timezone.now()
    for days_ago in range(1, 22):
        due = now - timedelta(days=days_ago)
        status = "MISSED" if days_ago % 4 == 0 else "CONFIRMED"
        make_reminder(schedule, due_at=due, confirmation_status=status, reply_deadline=due + timedelta(hours=2),
                      confirmation_method="" if status == "MISSED" else "PATIENT_REPLY")


def test_it_enrols_a_patient_and_shows_compliance_in_a_browser(live_server, browser):
    from selenium.webdriver.common.by import By

    user = make_staff("koordinator", COORDINATOR)
    user.set_password("rahasia-123")
    user.save()
    for index, name in enumerate(["Ibu Sari Wulandari", "Bapak Made Suarta", "Ibu Yohana Wenda"]):
        history_for(make_patient(name=name, phone=f"+6281210000{index:03d}", volunteer=user))

    browser.get(f"{live_server.url}/{settings.ADMIN_URL}login/")
    browser.find_element(By.NAME, "username").send_keys("koordinator")
    browser.find_element(By.NAME, "password").send_keys("rahasia-123")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    browser.find_element(By.ID, "user-tools")  # logged in: navigating earlier could cancel the login

    browser.get(f"{live_server.url}/{settings.ADMIN_URL}reminders/patient/add/")
    browser.find_element(By.NAME, "name").send_keys("Bapak Agus Salim")
    browser.find_element(By.NAME, "phone").send_keys("0812-3456-7890")
    browser.find_element(By.CSS_SELECTOR, "select[name=verification_status] option[value=VERIFIED]").click()
    browser.find_element(By.CSS_SELECTOR, "#schedules-group .add-row a").click()
    browser.find_element(By.NAME, "schedules-0-time_of_day").send_keys("08:00")
    browser.find_element(By.NAME, "schedules-0-message_template").send_keys("Halo {nama}, waktunya minum obat.")
    browser.find_element(By.NAME, "_save").click()
    browser.find_element(By.CSS_SELECTOR, "ul.messagelist li.success")  # saved: the list says so

    patient = Patient.objects.get(name="Bapak Agus Salim")
    assert patient.phone == "+6281234567890"
    assert patient.schedules.get().time_of_day.hour == 8
    assert "Bapak Agus Salim" in browser.page_source
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "patients.png"))

    browser.get(f"{live_server.url}/{settings.ADMIN_URL}reminders/patient/compliance/")
    assert browser.find_element(By.CSS_SELECTOR, "svg.compliance-chart")
    assert "Compliance" in browser.title
    browser.save_screenshot(str(SCREENSHOTS / "compliance.png"))
