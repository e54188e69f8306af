"""Two volunteers and a coordinator, so every permission test is one line of setup."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from reminders.roles import COORDINATOR, VOLUNTEER, sync_roles
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
