"""The people and the gateway every scenario needs."""
import pytest
import responses

from reminders.workspace.roles import VOLUNTEER
from reminders.models import StaffProfile
from tests.scenarios.helpers import SECRET, staff


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.FONNTE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def ani(db):
    return staff("relawan.ani", VOLUNTEER, "ani@relawan.id")


@pytest.fixture
def ani_on_whatsapp(ani):
    """Ani with her own WhatsApp number: escalations about her patients are sent there."""
    StaffProfile.objects.create(user=ani, phone="0813 9999 0001")
    return ani


@pytest.fixture
def volunteer(client, ani):
    """The test client, logged in as Ani, a volunteer."""
    client.force_login(ani)
    return client


@pytest.fixture
def fonnte(settings):
    """The real Fonnte client, answering through `responses` with what each test scripts."""
    settings.FONNTE_TOKEN = "device-token-1"
    settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
