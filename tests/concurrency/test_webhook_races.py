"""Webhook deliveries racing for real: separate processes, each its own connection,
posting through the Django test client (the full view, parse, store and process path)."""
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reminders.models import Message, PatientReply, Reminder
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.processes import run_in_processes
from tests.webhooks.conftest import SECRET, incoming
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rate_limits")]


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.FONNTE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def sent_reminder():
    patient = make_patient(name="Ibu Sari")
    reminder = make_reminder(make_schedule(patient), reply_deadline=timezone.now() + timedelta(hours=2))
    queue_message(patient, reminder=reminder, status=Message.Status.SENT, provider_message_id="1")
    return reminder


def deliver(payload):
    response = Client().post(
        f"/webhooks/fonnte/{SECRET}/incoming/", data=json.dumps(payload), content_type="application/json"
    )
    return response.status_code, response.json()["status"]


def test_fifty_concurrent_deliveries_of_one_reply_change_state_once(sent_reminder):
    payload = incoming(sent_reminder.patient, "sudah", inboxid="inbox-1")
    results = run_in_processes(deliver, [(payload,)] * 50)
    assert all(code == 200 for code, _ in results)
    statuses = [status for _, status in results]
    assert statuses.count("processed") == 1 and statuses.count("duplicate") == 49
    assert WebhookEvent.objects.count() == 1 and PatientReply.objects.count() == 1
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 1


@pytest.mark.parametrize("repeat", range(3))
def test_sudah_and_belum_at_once_end_confirmed_with_no_follow_up_and_one_ack_each(sent_reminder, repeat):
    patient = sent_reminder.patient
    results = run_in_processes(
        deliver, [(incoming(patient, "belum", inboxid=f"b{repeat}"),), (incoming(patient, "sudah", inboxid=f"s{repeat}"),)]
    )
    assert [status for _, status in results] == ["processed", "processed"]
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert not Message.objects.filter(kind=Message.Kind.FOLLOW_UP, status=Message.Status.QUEUED).exists()
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 2


@pytest.mark.parametrize("repeat", range(3))
def test_ya_and_tidak_at_once_give_exactly_one_outcome_with_consistent_acks(repeat):
    from reminders.models import Patient
    from reminders.conversation.consent import send_verification

    patient = make_patient(verification_status=Patient.Verification.PENDING)
    send_verification(patient)
    results = run_in_processes(
        deliver, [(incoming(patient, "YA", inboxid=f"y{repeat}"),), (incoming(patient, "TIDAK", inboxid=f"t{repeat}"),)]
    )
    assert [status for _, status in results] == ["processed", "processed"]
    patient.refresh_from_db()
    assert patient.verification_status in ("VERIFIED", "DECLINED")
    acks = list(patient.messages.filter(kind=Message.Kind.REPLY).values_list("body", flat=True))
    welcomes = [body for body in acks if "Anda akan menerima pengingat" in body]
    declines = [body for body in acks if "Anda tidak akan menerima pengingat" in body]
    if patient.verification_status == "VERIFIED":
        assert (len(welcomes), len(declines)) == (1, 0)
    else:
        assert (len(welcomes), len(declines)) == (0, 1)
    assert len(acks) == 2  # the other answer is kept for a volunteer and acknowledged politely
