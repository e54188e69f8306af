import json
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.models import Message
from tests.factories import make_patient, make_reminder, make_schedule, queue_message

SECRET = "s3cret-webhook-path"


@pytest.fixture(autouse=True)
def webhook_settings(settings, generous_rate_limits):
    settings.FONNTE_WEBHOOK_SECRET = SECRET


def url(kind: str = "incoming", secret: str = SECRET) -> str:
    return f"/webhooks/fonnte/{secret}/{kind}/"


def post_json(client, payload, kind="incoming", **extra):
    return client.post(url(kind), data=json.dumps(payload), content_type="application/json", **extra)


def incoming(patient, message: str, **fields) -> dict:
    return {"device": "6281100000000", "sender": patient.phone.lstrip("+"), "message": message, "name": "X",
            **fields}


@pytest.fixture
def sent_reminder():
    """A reminder that went out a minute ago and waits for the patient's answer."""
    patient = make_patient(name="Ibu Sari")
    sent = timezone.now() - timedelta(minutes=1)
    reminder = make_reminder(make_schedule(patient), due_at=sent, reply_deadline=sent + timedelta(hours=2))
    queue_message(patient, reminder=reminder, status=Message.Status.SENT, provider_message_id="9001",
                  body="Halo Ibu Sari, waktunya minum obat.")
    return reminder
