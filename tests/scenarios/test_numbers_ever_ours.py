"""Issue 27: a number that was ever ours stays ours for replies. After a coordinator adds
WhatsApp devices, a patient still on the first number (the one FONNTE_TOKEN sends from), or
moved away from a device since retired, is answered when they write to the number they saved:
an emergency reaches a person, BERHENTI stops the reminders. A reply to a number that was never
ours is still ignored (someone posing as our device acts on nobody), but it is counted where an
operator looks: the health page, /healthz, /metrics, `prima_status`."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reminders.models import Device, DeviceState, PatientReply
from reminders.workspace.roles import COORDINATOR
from tests.scenarios.helpers import (
    DEVICE, SUCCESS, add_device, at, enrol, fonnte_answers, move_to_device, run_scheduler, say, sent_to, staff, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]
NEW, OTHER = "+6281100000001", "+6281100000002"
FOREIGN = "6289999999999"
HEALTH = reverse("admin:reminders_schedulerheartbeat_changelist")


@pytest.fixture
def coordinator(client):
    client.force_login(staff("koordinator.budi", COORDINATOR))
    return client


def retire(client, device: Device) -> None:
    response = client.post(reverse("admin:reminders_device_change", args=[device.pk]),
                           {"label": device.label, "token": ""})  # is_active unticked
    assert response.status_code == 302
    device.refresh_from_db()
    assert not device.is_active


def test_after_devices_are_added_a_patient_still_on_the_first_number_is_answered(client, coordinator, settings,
                                                                                   outbox):
    settings.FONNTE_TOKEN, settings.FONNTE_DEVICES = "", []  # nobody ever named the first number
    patient = enrol().patient  # before any device: on the first number
    add_device(coordinator, NEW)
    with at(wib(23, 9)):
        assert say(client, patient, "mama pingsan, tolong") == "processed"
        run_scheduler()
    assert PatientReply.objects.get().intent == "EMERGENCY"
    assert any("119" in text for text in sent_to(patient))  # the safety answer
    with at(wib(23, 10)):
        assert say(client, patient, "BERHENTI") == "processed"
    patient.refresh_from_db()
    assert patient.opted_out_at is not None


def test_the_number_fonnte_named_for_our_sends_stays_ours_after_fonnte_token_is_gone(client, coordinator, settings,
                                                                                     fonnte):
    """Fonnte names the sending device in its answer (its quota): PRIMA keeps that number as
    ours, so a patient moved to a device, writing to the number they saved, is still heard once
    FONNTE_TOKEN (and with it the first number) is taken out of the settings."""
    settings.FONNTE_DEVICES = []
    fonnte_answers(fonnte, {**SUCCESS, "quota": {"081100000000": {"remaining": 900, "used": 1}}})
    schedule = enrol()
    with at(wib(23, 8, 0, 30)):
        run_scheduler()  # the 08:00 reminder, from the first number
    assert DeviceState.objects.get().device == "+" + DEVICE
    device = add_device(coordinator, NEW)
    with at(wib(23, 9)):
        move_to_device(coordinator, [schedule.patient], device)
        run_scheduler()  # the first number tells the patient the new one
    settings.FONNTE_TOKEN = ""  # nobody is left on the first number
    with at(wib(24, 8, 0, 30)):
        run_scheduler()  # the reminder comes from the new number now
    with at(wib(24, 8, 5)):
        assert say(client, schedule.patient, "sudah minum obat") == "processed"  # to the number they saved
    assert schedule.reminders.get(local_date=wib(24, 8).date()).confirmation_status == "CONFIRMED"


def test_a_patient_moved_off_a_device_since_retired_is_still_heard_there(client, coordinator, settings, outbox):
    settings.FONNTE_TOKEN, settings.FONNTE_DEVICES = "", []
    old = add_device(coordinator, OTHER)
    patient = enrol().patient
    assert patient.device == old
    move_to_device(coordinator, [patient], add_device(coordinator, NEW))
    retire(coordinator, old)
    with at(wib(23, 9)):
        assert say(client, patient, "tolong sesak napas", device=OTHER.lstrip("+")) == "processed"
    assert PatientReply.objects.get().intent == "EMERGENCY"


def test_a_reply_to_a_number_never_ours_is_ignored_and_counted_where_operators_look(client, coordinator, settings,
                                                                                   outbox):
    settings.FONNTE_TOKEN, settings.FONNTE_DEVICES = "tok", ["+" + DEVICE]
    settings.METRICS_TOKEN = "metrics-token"
    patient = enrol().patient
    with at(wib(23, 9)):
        assert say(client, patient, "BERHENTI", device=FOREIGN) == "ignored"
        assert say(client, patient, "mama pingsan, tolong", device=FOREIGN) == "ignored"
        page = coordinator.get(HEALTH, headers={"Accept-Language": "id"}).content.decode()
        metrics = client.get("/metrics", headers={"Authorization": "Bearer metrics-token"}).content.decode()
        healthz = client.get("/healthz").json()
        status = StringIO()
        call_command("prima_status", stdout=status)
    patient.refresh_from_db()
    assert patient.opted_out_at is None and not PatientReply.objects.exists()  # nobody posing as us acts
    assert ("2 balasan dalam 7 hari terakhir dikirim ke nomor yang tidak dikenal PRIMA sebagai nomornya "
            f"({FOREIGN})") in page
    assert 'prima_webhook_events_not_ours{kind="INCOMING"} 2.0' in metrics
    assert healthz["webhooks_not_ours_7d"] == 2
    assert "not_ours_7d=2 (replies=2)" in status.getvalue()


def test_without_a_named_first_number_only_its_own_patients_replies_are_taken_whatever_they_name(
        client, coordinator, settings, outbox):
    """FONNTE_TOKEN's number unnamed and not learnt: a patient on it is heard whatever number
    the reply names (it cannot be told from others'); a patient on a device is not."""
    settings.FONNTE_TOKEN, settings.FONNTE_DEVICES = "", []
    first = enrol().patient
    add_device(coordinator, NEW)
    on_device = enrol(name="Bapak Budi").patient
    assert (first.device, on_device.device.number) == (None, NEW)
    with at(wib(23, 9)):
        assert say(client, first, "BERHENTI", device=FOREIGN) == "processed"
        assert say(client, on_device, "BERHENTI", device=FOREIGN) == "ignored"
    first.refresh_from_db(), on_device.refresh_from_db()
    assert first.opted_out_at is not None and on_device.opted_out_at is None
