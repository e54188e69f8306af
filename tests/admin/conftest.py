"""Two volunteers and a coordinator, so every permission test is one line of setup; a
headless browser for the tests (and `make screenshots`) that drive the admin for real."""
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from reminders.roles import COORDINATOR, VOLUNTEER, sync_roles
from tests.browser import VOLUNTEER_PASSWORD, AdminBrowser, headless_chromium, missing_browser, seed_compliance_history
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


@pytest.fixture
def admin_browser(live_server) -> Iterator[AdminBrowser]:
    """Headless Chromium on the live server; skipped, saying why, where it is not installed."""
    if reason := missing_browser():
        pytest.skip(reason)
    with headless_chromium() as driver:
        yield AdminBrowser(driver, live_server.url)


@pytest.fixture
def coordinator_with_history(transactional_db) -> str:
    """A coordinator who can log in with VOLUNTEER_PASSWORD, and patients with three weeks of
    answers; returns the username."""
    user = make_staff("koordinator", COORDINATOR)
    user.set_password(VOLUNTEER_PASSWORD)
    user.save()
    seed_compliance_history(user)
    return user.username
