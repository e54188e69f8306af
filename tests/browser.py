"""Headless Chromium driving the admin, shared by the browser test and `make screenshots`.

Chromium comes from the distribution (`chromium`, `chromium-driver`): no browser can be
downloaded here. Every action that loads a page waits for that page (the old document gone,
then a mark of the new one), never for a fixed time: a login POST on a slow machine takes as
long as it takes, and navigating before it completes lands on the login form again.
"""
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

from locks.services import acquire_lock
from ratelimit.services import check as check_rate_limit
from reminders.models import (
    Caregiver, CheckIn, Device, DeviceState, Escalation, Message, PatientReply, SendingPause, StaffNotification,
    StaffProfile,
)
from reminders.outbox.devices import encrypt_token
from webhooks.models import WebhookEvent
from tests.admin.english import english_words
from tests.factories import make_patient, make_reminder, make_schedule, queue_message

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Generous: a loaded two-core machine running two suites at once is slow, never stuck.
WAIT_SECONDS = 30
CHROMIUM_ARGUMENTS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
]
VOLUNTEER_PASSWORD = "rahasia-123"
HISTORY_PATIENTS = ["Ibu Sari Wulandari", "Bapak Made Suarta", "Ibu Yohana Wenda"]
NEW_PATIENT = "Bapak Agus Salim"
# The rows of seed_volunteers_day's morning on the today page, in order.
DAY_ON_TODAY = ["emergency", "reply", "missed", "verification", "failed"]


@dataclass(frozen=True)
class Screen:
    name: str
    width: int
    height: int


PHONE = Screen("phone", 375, 812)
LAPTOP = Screen("laptop", 1366, 768)


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    return f"needs the distribution's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER})"


@contextmanager
def headless_chromium(language: str = "id") -> Iterator[WebDriver]:
    """A Chromium with a fresh profile of its own that asks for pages in `language`, quit and
    removed on exit."""
    with tempfile.TemporaryDirectory(prefix="prima-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in [*CHROMIUM_ARGUMENTS, f"--lang={language}", f"--user-data-dir={profile}"]:
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
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

    def click(self, css: str, ready: str) -> None:
        """Click `css` (a link, a button) and wait until the page it loads shows `ready`: first
        the old page must go, or `ready` could be found on the page being left."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        self.find(css).click()
        self.wait.until(expected_conditions.staleness_of(old_page), f"clicking {css!r} loaded no page")
        self.find(ready)

    def wait_for_text(self, css: str, text: str) -> None:
        """Until `css` says `text` (what a script fills in, such as the message preview)."""
        self.wait.until(lambda driver: text in self.find(css).text, f"{css!r} never said {text!r} on {self._where()}")

    def log_in(self, username: str, password: str) -> None:
        """Log in as a volunteer does; the first page after it is the today page."""
        self.driver.delete_all_cookies()
        self.open("login/", ready="body.login")
        self.type("username", username)
        self.type("password", password)
        self.click("input[type=submit]", ready="body.dashboard.today")

    def use_screen(self, screen: Screen) -> None:
        """Make the page's viewport (innerWidth × innerHeight) the screen's size: the window is
        larger by whatever frame the browser draws around the page."""
        self.driver.set_window_size(screen.width, screen.height)
        inner_width, inner_height = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        self.driver.set_window_size(2 * screen.width - inner_width, 2 * screen.height - inner_height)
        viewport = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        assert viewport == [screen.width, screen.height], f"{screen.name}: the viewport is {viewport}"

    def overflow(self) -> int:
        """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
        return self.driver.execute_script(
            "return Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")

    def english_on_page(self) -> set[str]:
        """English admin words in what the page shows (hidden text aside)."""
        return english_words(self.driver.execute_script("return document.body.innerText"))

    def save_screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def _where(self) -> str:
        return f"{self.driver.current_url} (title {self.driver.title!r})"


def seed_compliance_history(volunteer) -> list:
    """Three patients with three weeks of mixed answers, so the compliance chart shows something."""
    now = timezone.now()
    patients = []
    for index, name in enumerate(HISTORY_PATIENTS):
        patient = make_patient(name=name, phone=f"+6281210000{index:03d}", volunteer=volunteer)
        schedule = make_schedule(patient, start_date=timezone.localdate() - timedelta(days=30))
        for days_ago in range(1, 22):
            due = now - timedelta(days=days_ago)
            status = "MISSED" if days_ago % 4 == 0 else "CONFIRMED"
            make_reminder(schedule, due_at=due, confirmation_status=status, reply_deadline=due + timedelta(hours=2),
                          confirmation_method="" if status == "MISSED" else "PATIENT_REPLY")
        patients.append(patient)
    return patients


def seed_volunteers_day(volunteer) -> None:
    """What a volunteer finds one morning: an emergency, a question, a missed dose, a patient not
    asked for consent yet, a message that failed; and three weeks of history behind them."""
    sari, made, yohana = seed_compliance_history(volunteer)
    now = timezone.now()
    sari.replies.create(text="Sesak napas sejak pagi", intent=PatientReply.Intent.EMERGENCY, urgent=True,
                        needs_attention=True, received_at=now - timedelta(minutes=12))
    yohana.replies.create(text="Obat saya tinggal dua hari", intent=PatientReply.Intent.FREE_TEXT,
                          needs_attention=True, received_at=now - timedelta(minutes=40))
    due = now - timedelta(hours=4)
    make_reminder(made.schedules.get(), due_at=due, reply_deadline=due + timedelta(hours=2),
                  confirmation_status="MISSED")
    make_patient(name="Ibu Ratna Dewi", volunteer=volunteer, verification_status="PENDING")
    queue_message(yohana, status=Message.Status.FAILED, end_reason="invalid number")


def check_page(browser: AdminBrowser, problems: list[str]) -> None:
    """Note what is wrong on the page in view: sideways scrolling, English words."""
    where = browser.driver.current_url
    if overflow := browser.overflow():
        problems.append(f"{where}: {overflow} px wider than the window")
    if english := browser.english_on_page():
        problems.append(f"{where}: English {sorted(english)}")


def check_today(browser: AdminBrowser, problems: list[str]) -> None:
    """The first page answers "what do I need to do today?" without a click: seed_volunteers_day's
    morning, most urgent first, and the emergency's call button on the first screen."""
    kinds = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('li.today-row'), (row) => row.className)")
    if kinds != [f"today-row today-{kind}" for kind in DAY_ON_TODAY]:
        problems.append(f"today shows {kinds}, expected {DAY_ON_TODAY}")
    call = browser.find("li.today-emergency a.button[href='tel:+6281210000000']")  # Ibu Sari's number
    if not browser.driver.execute_script("return arguments[0].getBoundingClientRect().bottom <= innerHeight", call):
        problems.append("the emergency's call button is below the first screen")


def volunteers_day(browser: AdminBrowser, username: str, screen: Screen, screenshots: Path) -> list[str]:
    """Log in and land on today; open the emergency, see the number to call, mark it handled
    saying what happened; enrol a patient with a schedule through the forms; record a manual
    confirmation of the missed dose (saying how the news came), back on today; open compliance. Every page is checked (check_page); returns what was wrong. The today
    page is saved as today-<screen>.png in `screenshots`, and on a laptop the patient list and
    compliance as patients.png and compliance.png."""
    problems: list[str] = []
    browser.use_screen(screen)
    browser.log_in(username, VOLUNTEER_PASSWORD)
    check_page(browser, problems)
    check_today(browser, problems)
    browser.save_screenshot(screenshots / f"today-{screen.name}.png")

    browser.click("li.today-emergency a.button[href*='/patientreply/']", ready="body.change-form")
    browser.find("a.button[href='tel:+6281210000000']")  # Ibu Sari's number, one tap away
    check_page(browser, problems)
    browser.click("form.one-tap[action*='/act/mark_handled/'] button", ready="form.action-mark_handled")
    check_page(browser, problems)  # what happened: no outcome chosen for her
    browser.find("input[name=outcome][value=REACHED]").click()
    browser.type("note", "Sudah ditelepon, dibawa ke puskesmas")
    browser.click("form.action-mark_handled input[type=submit]", ready=".messagelist .success")
    check_page(browser, problems)

    browser.click(".prima-menu a[href$='/reminders/patient/']", ready="body.change-list")
    browser.click(".object-tools a.addlink", ready="body.change-form")
    browser.type("name", NEW_PATIENT)
    browser.type("phone", "0812-3456-7890")
    browser.find("#schedules-group .add-row a").click()
    browser.type("schedules-0-time_of_day", "08:00")
    browser.wait_for_text("#schedules-0 .field-message_preview .readonly", f"Halo {NEW_PATIENT}, waktunya minum obat")
    check_page(browser, problems)
    browser.click("input[name=_save]", ready="body.change-list .messagelist .success")
    check_page(browser, problems)
    if screen == LAPTOP:
        if list_scrolls_sideways(browser):
            problems.append("the patient list scrolls sideways on a laptop")
        browser.save_screenshot(screenshots / "patients.png")

    browser.click(".prima-menu a:first-child", ready="body.today")
    if browser.driver.find_elements(By.CSS_SELECTOR, "li.today-emergency"):
        problems.append("the emergency marked handled is still on today")
    browser.click("li.today-missed a.button[href*='/confirm/']", ready="input[name=method]")
    check_page(browser, problems)
    browser.find("input[name=method][value=CALL]").click()
    browser.click("#content form input[type=submit]", ready="body.today .messagelist .success")  # back on today
    check_page(browser, problems)

    browser.click(".prima-menu a[href$='/reminders/patient/']", ready="body.change-list")
    browser.click(".object-tools a[href$='/compliance/']", ready="svg.compliance-chart")
    check_page(browser, problems)
    if overlapping := chart_labels_overlapping(browser):
        problems.append(f"chart labels overlap: {overlapping}")
    if screen == LAPTOP:
        browser.save_screenshot(screenshots / "compliance.png")
    return problems


def list_scrolls_sideways(browser: AdminBrowser) -> bool:
    return browser.driver.execute_script(
        "const list = document.querySelector('#changelist .results'); return list.scrollWidth > list.clientWidth")


def chart_labels_overlapping(browser: AdminBrowser) -> list[str]:
    """Day labels of the compliance chart whose drawn boxes (the font's real widths) touch."""
    return browser.driver.execute_script("""
        const boxes = Array.from(document.querySelectorAll("svg.compliance-chart text.day"))
            .map((label) => ({text: label.textContent, box: label.getBBox()}));
        const touching = [];
        for (let i = 1; i < boxes.length; i++) {
            const left = boxes[i - 1], right = boxes[i];
            if (left.box.x + left.box.width > right.box.x) touching.push(left.text + " / " + right.text);
        }
        return touching;""")


def seed_every_list(volunteer, coordinator) -> None:
    """seed_volunteers_day's morning, and a row in every list a volunteer or a coordinator can open,
    so that each list shows a row and each row's own page can be opened."""
    seed_volunteers_day(volunteer)
    sari = volunteer.patients.get(name=HISTORY_PATIENTS[0])
    rina = Caregiver.objects.create(patient=sari, name="Rina", relation="anak", phone="+6281377770009",
                                    consented_at=timezone.now())
    reply = sari.replies.get(intent=PatientReply.Intent.EMERGENCY)
    StaffNotification.objects.create(patient=sari, reply=reply, recipient=volunteer, role="volunteer",
                                     channel=StaffNotification.Channel.EMAIL, address="ani@example.org",
                                     status=StaffNotification.Status.SENT, sent_at=timezone.now())
    sari.replies.create(text="sudah", intent=PatientReply.Intent.CONFIRM, caregiver=rina,
                        outcome="no reminder waiting")
    Escalation.objects.create(patient=sari, rule="MISSED_IN_A_ROW", count=2, local_date=timezone.localdate())
    CheckIn.objects.create(patient=sari, week=timezone.localdate(), due_at=timezone.now(),
                           answer_deadline=timezone.now(), answer="PROBLEM")
    StaffProfile.objects.create(user=volunteer, phone="+6281399990001")
    StaffProfile.objects.create(user=coordinator, phone="+6281399990002")
    device = Device.objects.create(number="+6281100000002", label="Nomor kedua", token_encrypted=encrypt_token("t"))
    DeviceState.objects.create(device=device.number, connected=False, reason="phone offline",
                               changed_at=timezone.now(), quota_remaining=40)
    SendingPause.objects.create(scope=device.number, kind="DEVICE",
                                reason=f"device {device.number} disconnected: phone offline",
                                since=timezone.now(), probe_at=timezone.now() + timedelta(minutes=5))
    WebhookEvent.objects.create(kind="INCOMING", dedupe_key="walk-1", payload={"sender": "6281210000000"},
                                state="PROCESSED", result="CONFIRM: no reminder waiting")
    acquire_lock(f"patient:{sari.pk}", ttl=600)
    check_rate_limit("patient_response", sari.pk)


# Pages a walk does not open: leaving, downloads, and forms that change who may log in.
NOT_WALKED = ("/logout/", "/password_change/", "format=csv", "/delete/", "/history/")


def walk_every_page(browser: AdminBrowser, username: str, screen: Screen) -> tuple[list[str], list[str]]:
    """Log in and, from the first page (Hari ini), open every page its rows link to and every
    list its menus link to, with the first row's own page of each list, its "add" page and the
    pages its buttons lead to; check each (check_page, check_fits). Returns what was wrong and
    the pages opened."""
    problems: list[str] = []
    browser.use_screen(screen)
    browser.log_in(username, VOLUNTEER_PASSWORD)
    check_page(browser, problems)
    check_fits(browser, problems)
    lists = links(browser, "#header a, .prima-menu a, #content-main .module a, .today-more a")
    seen = {browser.driver.current_url}
    queue = [url for url in [*lists, *links(browser, ".today-rows a")] if url not in seen]
    opened = [browser.driver.current_url]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        browser.driver.get(url)
        browser.find("#content")
        opened.append(url)
        check_page(browser, problems)
        check_fits(browser, problems)
        if url in lists:  # one step further: a row, the add form, the list's own buttons
            queue += links(browser, "#result_list tbody tr:first-child a, .object-tools a, .today-more a")
    return problems, opened


def links(browser: AdminBrowser, css: str) -> list[str]:
    """The admin pages the links matching `css` lead to, in page order, once each."""
    hrefs = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), (link) => link.href)", css)
    found = []
    for href in hrefs:
        if href.startswith(browser.admin_url) and "#" not in href and not any(part in href for part in NOT_WALKED):
            if href not in found:
                found.append(href)
    return found


def check_fits(browser: AdminBrowser, problems: list[str]) -> None:
    """No sideways scrolling: not of the page (document.scrollingElement), not of any list,
    inline or table inside it (an element reaching past the window, or scrolling sideways)."""
    where = browser.driver.current_url
    scroll = browser.driver.execute_script("return document.scrollingElement.scrollWidth - window.innerWidth")
    if scroll > 0:
        problems.append(f"{where}: the page scrolls {scroll} px sideways")
    wide = browser.driver.execute_script("""
        const wide = [];
        for (const element of document.querySelectorAll("#content *")) {
            const box = element.getBoundingClientRect();
            if (!box.width || element.closest(".visually-hidden")) continue;  // for screen readers only
            const scrolls = ["auto", "scroll"].includes(getComputedStyle(element).overflowX)
                && element.scrollWidth > element.clientWidth + 1;
            if (box.right > window.innerWidth + 1 || scrolls) {
                wide.push(element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
                          + (element.className && typeof element.className === "string"
                             ? "." + element.className.trim().split(" ").join(".") : "")
                          + ` (${Math.round(box.right)} px${scrolls ? ", scrolls" : ""})`);
            }
        }
        return wide.slice(0, 5);""")
    if wide:
        problems.append(f"{where}: wider than the window: {wide}")
