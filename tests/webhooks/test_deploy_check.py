"""`check --deploy` warns while webhooks would accept any device, and only then."""
import pytest

from reminders.models import Device
from webhooks.apps import our_devices_are_known

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secret_set(settings):
    settings.FONNTE_WEBHOOK_SECRET = "s3cret"
    settings.FONNTE_DEVICES = []


def test_it_warns_when_no_number_of_ours_is_known():
    assert [message.id for message in our_devices_are_known(None)] == ["webhooks.W001"]


def test_a_registered_device_is_a_known_number(settings):
    Device.objects.create(number="+6281100000001", label="Perangkat 2")
    assert our_devices_are_known(None) == []


def test_the_setting_is_a_known_number(settings):
    settings.FONNTE_DEVICES = ["+6281100000000"]
    assert our_devices_are_known(None) == []
