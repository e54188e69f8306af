"""Each device's remaining Fonnte quota, from the live /send answer to the health page, /healthz,
/metrics and prima_status; one device whichever way Fonnte spells its number."""
import re

import pytest
import requests
import responses
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reminders.backends.fonnte import FonnteBackend, device_quotas
from reminders.health import record_tick
from reminders.models import DeviceState
from reminders.outbox.pauses import pauses_in_force
from reminders.outbox.provider_events import record_device_state
from reminders.workspace.roles import COORDINATOR
from tests.admin.conftest import logged_in, make_staff
from tests.factories import queue_message
from tests.fonnte_standin import FonnteStandIn
from tests.migrations import models_as_of
from tests.reminders.test_fonnte_backend import LIVE_SEND_ANSWER
from tests.reminders.test_sending import drain_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]

DEVICE = "+6285885529352"


@pytest.fixture
def fonnte(settings):
    settings.FONNTE_TOKEN, settings.FONNTE_BASE_URL = "device-token-for-tests", "https://fonnte.test"
    with responses.RequestsMock() as mocked:
        mocked.post("https://fonnte.test/send", body=LIVE_SEND_ANSWER, content_type="application/json")
        yield FonnteBackend()


def test_a_send_records_the_provider_id_and_the_devices_remaining_quota(fonnte):
    message = queue_message()
    drain_all(fonnte)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("SENT", "142223099")
    device = DeviceState.objects.get()
    assert (device.device, device.quota_remaining, device.connected) == (DEVICE, 966, True)
    assert device.quota_seen_at is not None and device.changed_at is None


def test_the_webhooks_spelling_of_the_number_is_the_same_device(fonnte):
    queue_message()
    drain_all(fonnte)
    assert record_device_state("6285885529352", connected=False, changed_at=timezone.now(), reason="logout")
    device = DeviceState.objects.get()
    assert (device.device, device.connected, device.quota_remaining) == (DEVICE, False, 966)
    assert pauses_in_force()


def test_a_device_known_only_from_its_quota_does_not_hide_a_disconnection():
    record_device_state("6281100000000", connected=False, changed_at=timezone.now())
    DeviceState.objects.create(device=DEVICE, quota_remaining=500)
    assert pauses_in_force()


def test_a_later_answer_updates_the_quota_and_nothing_else_of_the_same_row(fonnte):
    connected_at = timezone.now() - timezone.timedelta(days=1)
    DeviceState.objects.create(device=DEVICE, quota_remaining=1000, changed_at=connected_at, reason="was away")
    queue_message()
    drain_all(fonnte)
    device = DeviceState.objects.get()
    assert (device.quota_remaining, device.changed_at, device.reason) == (966, connected_at, "was away")


@pytest.fixture
def low_quota(settings):
    settings.FONNTE_QUOTA_ALERT_BELOW = 1000
    return DeviceState.objects.create(device=DEVICE, quota_remaining=966, quota_seen_at=timezone.now())


def test_the_health_page_flags_a_low_quota(client, low_quota):
    coordinator = logged_in(client, make_staff("koordinator", COORDINATOR))
    page = coordinator.get(reverse("admin:reminders_schedulerheartbeat_changelist")).content.decode()
    assert f"Quota low on {DEVICE}: 966 message(s) left. Fonnte stops sending at zero" in page
    assert "Quota left (alert below 1000)" in page


def test_the_health_page_shows_a_quota_above_the_threshold_without_alarm(client, low_quota, settings):
    settings.FONNTE_QUOTA_ALERT_BELOW = 100
    coordinator = logged_in(client, make_staff("koordinator", COORDINATOR))
    page = coordinator.get(reverse("admin:reminders_schedulerheartbeat_changelist")).content.decode()
    assert re.search(r'<td data-label="Quota left[^"]*">966</td>', page) and "Quota low" not in page


def test_healthz_names_devices_with_a_low_quota_without_failing(client, low_quota):
    record_tick()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["quota_low_devices"] == [DEVICE]


def test_metrics_export_the_remaining_quota_and_the_threshold(client, settings, low_quota):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "s3cret", []
    text = client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).content.decode()
    assert f'prima_device_quota_remaining{{device="{DEVICE}"}} 966.0' in text
    assert "prima_device_quota_alert_below 1000.0" in text


def test_prima_status_prints_the_quota(capsys, low_quota):
    call_command("prima_status")
    assert f"device quota (alert below 1000): {DEVICE} 966 left LOW" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_two_spellings_of_one_device_keeping_the_newest_state():
    with models_as_of("reminders", "0008_patient_name_printable") as old_apps:
        OldState = old_apps.get_model("reminders", "DeviceState")
        now = timezone.now()
        OldState.objects.create(device="085885529352", connected=True, changed_at=now - timezone.timedelta(hours=1))
        OldState.objects.create(device="6285885529352", connected=False, changed_at=now, reason="logout")
        OldState.objects.create(device="default", connected=True, changed_at=now)
    rows = {state.device: (state.connected, state.reason) for state in DeviceState.objects.all()}
    assert rows == {DEVICE: (False, "logout"), "default": (True, "")}


def test_the_stand_in_answers_in_the_live_shape():
    with FonnteStandIn() as standin:
        answer = requests.post(f"{standin.base_url}/send", data={"target": "6281234567890", "message": "x"}).json()
    assert isinstance(answer["id"][0], int) and device_quotas(answer["quota"])
