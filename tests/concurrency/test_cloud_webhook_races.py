"""Meta's deliveries racing for real: separate processes, each its own connection, posting
signed bodies through the Django test client (the full view, signature, store and process path)."""
import json

import pytest
from django.test import Client

from reminders.models import Message, PatientReply, Reminder
from reminders.outbox.cloud_api import button_payload
from tests.factories import make_patient
from tests.processes import run_in_processes
from tests.webhooks.test_cloud_api import URL, delivery, make_cloud_device, sent_dose, sign, tap, text
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rate_limits")]


def deliver(payload: dict) -> tuple[int, list[str]]:
    raw = json.dumps(payload).encode()
    response = Client().post(URL, data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(raw))
    return response.status_code, response.json()["events"]


def test_twenty_concurrent_deliveries_of_one_tap_confirm_the_dose_once():
    patient = make_patient(device=make_cloud_device())
    dose = sent_dose(patient)
    payload = delivery(messages=[tap(patient, button_payload("taken", "reminder", dose.id))])
    results = run_in_processes(deliver, [(payload,)] * 20)
    assert all(code == 200 for code, _ in results)
    assert sorted(state for _, events in results for state in events) == ["processed"]
    assert WebhookEvent.objects.count() == 1 and PatientReply.objects.count() == 1
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 1


@pytest.mark.parametrize("repeat", range(2))
def test_a_tap_and_a_typed_belum_at_once_are_applied_one_after_the_other(repeat):
    patient = make_patient(device=make_cloud_device())
    dose = sent_dose(patient)
    results = run_in_processes(deliver, [
        (delivery(messages=[tap(patient, button_payload("taken", "reminder", dose.id))]),),
        (delivery(messages=[text(patient, "belum")]),),
    ])
    assert [events for _, events in results] == [["processed"], ["processed"]]
    dose.refresh_from_db()
    # In either order the tap wins: after BELUM it confirms (the follow-up withdrawn); before
    # it, BELUM finds nothing waiting.
    assert dose.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert not Message.objects.filter(kind=Message.Kind.FOLLOW_UP, status=Message.Status.QUEUED).exists()
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 2
