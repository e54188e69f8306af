"""Every page a volunteer and a coordinator can reach from the first page, in a real browser
asking for Indonesian, on a phone and on a laptop: every list its menus link to, a row's own
page, the add form and the buttons above each list (discovered by following the links, so pages
added later are walked too). None may scroll sideways, have a list or an inline wider than the
window, or show an English word (tests/browser.py's walk_every_page)."""
import pytest

from reminders.workspace.roles import COORDINATOR, VOLUNTEER
from tests.admin.conftest import staff_who_can_log_in
from tests.browser import LAPTOP, PHONE, seed_every_list, walk_every_page

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
