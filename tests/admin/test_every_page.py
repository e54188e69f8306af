"""Every page a volunteer and a coordinator can reach from the first page, in a real browser
asking for Indonesian, on a phone and on a laptop: every list its menus link to, a row's own
page, the add form and the buttons above each list (discovered by following the links, so pages
added later are walked too). None may scroll sideways, have a list or an inline wider than the
window, or show an English word (tests/browser.py's walk_every_page)."""
import pytest
from selenium.webdriver.common.by import By

from reminders.models import Caregiver
from reminders.workspace.roles import COORDINATOR, VOLUNTEER
from tests.admin.conftest import staff_who_can_log_in
from tests.browser import (
    HISTORY_PATIENTS, LAPTOP, PHONE, VOLUNTEER_PASSWORD, seed_every_list, walk_every_page,
)

# Lists each role must have reached (a menu entry lost would shrink the walk unnoticed).
VOLUNTEERS_LISTS = ["patient", "patientreply", "reminder", "message", "escalation", "checkin"]
COORDINATORS_LISTS = [*VOLUNTEERS_LISTS, "device", "devicestate", "sendingpause", "staffprofile", "webhookevent",
                      "lock", "ratelimitevent", "schedulerheartbeat"]


@pytest.fixture
def everyone_with_a_day(transactional_db):
    volunteer = staff_who_can_log_in("relawan.ani", VOLUNTEER)
    coordinator = staff_who_can_log_in("koordinator", COORDINATOR)
    seed_every_list(volunteer, coordinator)
    return {"relawan.ani": VOLUNTEERS_LISTS, "koordinator": COORDINATORS_LISTS}


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=lambda screen: screen.name)
@pytest.mark.parametrize("username", ["relawan.ani", "koordinator"])
def test_every_page_fits_the_screen_and_speaks_indonesian(admin_browser, everyone_with_a_day, username, screen):
    problems, opened = walk_every_page(admin_browser, username, screen)

    assert problems == [], "\n".join(problems)
    for model in everyone_with_a_day[username]:
        assert any(f"/{model}/" in url for url in opened), f"{username} never reached the {model} list"
    assert any(url.endswith("/change/") for url in opened) and any(url.endswith("/add/") for url in opened)


def test_the_patient_list_is_cards_on_a_phone_a_table_on_a_laptop_and_help_opens_by_a_tap(admin_browser,
                                                                                          volunteer_with_a_day):
    sari = volunteer_with_a_day.patients.get(name=HISTORY_PATIENTS[0])
    Caregiver.objects.create(patient=sari, name="Rina", relation="anak", phone="+6281377770009")
    admin_browser.use_screen(PHONE)
    admin_browser.log_in(volunteer_with_a_day.username, VOLUNTEER_PASSWORD)
    admin_browser.open("reminders/patient/", ready="#result_list")
    card = admin_browser.find("#result_list tbody tr")
    assert card.size["width"] <= PHONE.width and "Aktif" in card.text and "%" in card.text
    state = card.find_element(By.CSS_SELECTOR, "td.field-reminders_state")
    assert admin_browser.driver.execute_script(  # each value says what it is
        "return getComputedStyle(arguments[0], '::before').content", state) == '"Pengingat: "'
    assert "+62812" not in card.text  # the number waits on the patient's own page
    assert not admin_browser.find("#action-toggle").get_attribute("checked")
    card.find_element(By.CSS_SELECTOR, "td.action-checkbox input").click()  # ticked for an action, as on a laptop
    assert admin_browser.find(".action-counter").text.startswith("1 ")

    admin_browser.open(f"reminders/patient/{sari.pk}/change/", ready="#caregivers-group")
    relation = admin_browser.find("#caregivers-0 td.field-relation")
    assert "Misalnya anak, suami." in relation.text  # the help, written in the card

    admin_browser.use_screen(LAPTOP)
    header = admin_browser.find("#caregivers-group th.column-relation")
    assert "Misalnya anak, suami." not in header.text
    header.find_element(By.CSS_SELECTOR, "summary").click()  # a tap (a click), not a hover
    assert "Misalnya anak, suami." in header.text
    admin_browser.open("reminders/patient/", ready="#result_list thead th.column-phone")  # the laptop's table
    assert "+62812" in admin_browser.find("#result_list tbody tr").text
