"""Headless Chromium driving the admin, shared by the browser test and `make screenshots`.

Chromium comes from the distribution (`chromium`, `chromium-driver`): no browser can be
downloaded here. Every action that loads a page waits for that page (the old document gone,
then a mark of the new one), never for a fixed time: a login POST on a slow machine takes as
long as it takes, and navigating before it completes lands on the login form again.
"""
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import make_patient, make_reminder, make_schedule

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Generous: a loaded two-core machine running two suites at once is slow, never stuck.
WAIT_SECONDS = 30
CHROMIUM_ARGUMENTS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=en-US", "--window-size=1700,900",
]
VOLUNTEER_PASSWORD = "rahasia-123"
HISTORY_PATIENTS = ["Ibu Sari Wulandari", "Bapak Made Suarta", "Ibu Yohana Wenda"]
NEW_PATIENT = "Bapak Agus Salim"


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    return f"needs the distribution's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER})"


@contextmanager
def headless_chromium() -> Iterator[WebDriver]:
    """A Chromium with a fresh profile of its own, quit and removed on exit."""
    with tempfile.TemporaryDirectory(prefix="prima-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in [*CHROMIUM_ARGUMENTS, f"--user-data-dir={profile}"]:
            options.add_argument(argument)
        driver = webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


class AdminBrowser:
    """The admin at `base_url`, one page at a time: each step returns once its page is there."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.admin_url = f"{base_url}/{settings.ADMIN_URL}"
        self.wait = WebDriverWait(
            driver, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
        )

    def find(self, css: str) -> WebElement:
        """The element matching `css`, once it is displayed (an inline row added by JavaScript)."""
        return self.wait.until(
            lambda driver: next((e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), None),
            f"no visible {css!r} on {self._where()}",
        )

    def open(self, path: str, ready: str) -> None:
        """Load an admin page and wait for the element `ready` (a CSS selector) on it."""
        self.driver.get(self.admin_url + path)
        self.find(ready)

    def type(self, name: str, text: str) -> None:
        self.find(f"[name={name!r}]").send_keys(text)

    def submit(self, css: str, ready: str) -> None:
        """Click `css` and wait until the page it loads shows `ready`: first the old page must go,
        or `ready` could be found on the page being left."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        self.find(css).click()
        self.wait.until(expected_conditions.staleness_of(old_page), f"clicking {css!r} loaded no page")
        self.find(ready)

    def log_in(self, username: str, password: str) -> None:
        self.open("login/", ready="body.login")
        self.type("username", username)
        self.type("password", password)
        self.submit("input[type=submit]", ready="body.dashboard")

    def save_screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def _where(self) -> str:
        return f"{self.driver.current_url} (title {self.driver.title!r})"


def seed_compliance_history(volunteer) -> None:
    """Three patients with three weeks of mixed answers, so the compliance chart shows something."""
    now = timezone.now()
    for index, name in enumerate(HISTORY_PATIENTS):
        patient = make_patient(name=name, phone=f"+6281210000{index:03d}", volunteer=volunteer)
        schedule = make_schedule(patient, start_date=timezone.localdate() - timedelta(days=30))
        for days_ago in range(1, 22):
            due = now - timedelta(days=days_ago)
            status = "MISSED" if days_ago % 4 == 0 else "CONFIRMED"
            make_reminder(schedule, due_at=due, confirmation_status=status, reply_deadline=due + timedelta(hours=2),
                          confirmation_method="" if status == "MISSED" else "PATIENT_REPLY")


def volunteer_afternoon(browser: AdminBrowser, username: str, screenshots: Path) -> None:
    """Log in, enrol a patient typed as 0812…, give them a schedule, open compliance; the patient
    list and the compliance page are saved as patients.png and compliance.png in `screenshots`."""
    browser.log_in(username, VOLUNTEER_PASSWORD)
    browser.open("reminders/patient/add/", ready="body.change-form")
    browser.type("name", NEW_PATIENT)
    browser.type("phone", "0812-3456-7890")
    browser.find("#schedules-group .add-row a").click()
    browser.type("schedules-0-time_of_day", "08:00")
    browser.submit("input[name=_save]", ready="body.change-list .messagelist .success")
    browser.save_screenshot(screenshots / "patients.png")
    browser.open("reminders/patient/compliance/", ready="svg.compliance-chart")
    browser.save_screenshot(screenshots / "compliance.png")
