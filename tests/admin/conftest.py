"""Two volunteers and a coordinator, so every permission test is one line of setup; a
headless browser for the tests (and `make screenshots`) that drive the admin for real."""
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from selenium.webdriver.remote.webdriver import WebDriver

from reminders.workspace.roles import COORDINATOR, VOLUNTEER, sync_roles
from tests.browser import VOLUNTEER_PASSWORD, AdminBrowser, headless_chromium, missing_browser, seed_volunteers_day
from tests.factories import make_patient


def make_staff(username: str, role: str):
    sync_roles()
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def ani(db):
    return make_staff("relawan.ani", VOLUNTEER)


@pytest.fixture
def budi(db):
    return make_staff("relawan.budi", VOLUNTEER)


@pytest.fixture
def coordinator(db):
    return make_staff("koordinator", COORDINATOR)


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def ani_client(client, ani):
    return logged_in(client, ani)


@pytest.fixture
def coordinator_client(client, coordinator):
    return logged_in(client, coordinator)


@pytest.fixture
def anis_patient(ani):
    return make_patient(name="Ibu Sari", volunteer=ani)


@pytest.fixture
def budis_patient(budi):
    return make_patient(name="Bapak Agus", volunteer=budi)


@pytest.fixture(scope="module")
def chromium() -> Iterator[WebDriver]:
    """One headless Chromium asking for Indonesian, for every test of a module (starting one
    takes seconds); skipped, saying why, where it is not installed."""
    if reason := missing_browser():
        pytest.skip(reason)
    with headless_chromium("id") as driver:
        yield driver


@pytest.fixture
def admin_browser(chromium, live_server) -> AdminBrowser:
    return AdminBrowser(chromium, live_server.url)


def staff_who_can_log_in(username: str, role: str):
    user = make_staff(username, role)
    user.set_password(VOLUNTEER_PASSWORD)
    user.save()
    return user


@pytest.fixture
def volunteer_with_a_day(transactional_db):
    """A volunteer who can log in with VOLUNTEER_PASSWORD, and their morning (seed_volunteers_day)."""
    volunteer = staff_who_can_log_in("relawan.ani", VOLUNTEER)
    seed_volunteers_day(volunteer)
    return volunteer
