"""Regressions for defects found in review: each once let a reminder or a reply go astray."""
import json
from datetime import datetime, time, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.utils import timezone

from prima.logging import RedactSecrets
from ratelimit.services import peek
from reminders.models import DeviceState, Message, PatientReply, Reminder
from reminders.outbox.sending import Outcome, Skip
from tests.factories import make_patient, make_reminder, make_schedule, materialise, queue_message
from tests.reminders.test_sending import drain_all
from tests.webhooks.conftest import incoming
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]
UTC = dt_timezone.utc


def test_a_template_a_volunteer_mistyped_does_not_stop_other_patients_reminders():
    with time_machine.travel(datetime(2026, 11, 24, tzinfo=UTC), tick=False):
        make_schedule(message_template="minum {obat.nama} {0[x]}", time_of_day=time(8, 0))
        make_schedule(time_of_day=time(8, 0))
    with time_machine.travel(datetime(2026, 11, 25, 1, 30, tzinfo=UTC), tick=False):
        assert materialise() == 2
    assert "minum {obat.nama} {0[x]}" in Message.objects.values_list("body", flat=True)


def test_a_schedule_form_refuses_a_template_with_unknown_placeholders():
    from django.core.exceptions import ValidationError

    schedule = make_schedule()
    schedule.message_template = "Halo {name}"
    with pytest.raises(ValidationError) as excinfo:
        schedule.full_clean()
    assert "message_template" in excinfo.value.message_dict


@pytest.mark.parametrize(
    "body, stored_as",
    [
        ('{"a":' * 600 + "1" + "}" * 600, "IGNORED"),
        ('{"sender": "6281234567890", "message": "sudah \\ud83d"}', "PROCESSED"),
    ],
)
def test_hostile_but_valid_json_is_stored_and_answered_200(client, settings, body, stored_as):
    settings.FONNTE_WEBHOOK_SECRET = "s"
    make_patient("+6281234567890")
    response = client.post("/webhooks/fonnte/s/incoming/", data=body, content_type="application/json")
    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == stored_as


def test_a_reply_over_the_response_limit_is_kept_for_volunteers(client, settings):
    settings.FONNTE_WEBHOOK_SECRET = "s"
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, patient_response={"limit": 1, "window": 30.0})
    patient = make_patient()
    post = lambda text, n: client.post(  # noqa: E731
        "/webhooks/fonnte/s/incoming/", data=json.dumps(incoming(patient, text, inboxid=n)),
        content_type="application/json",
    )
    post("halo", "1")
    assert post("sudah", "2").json() == {"status": "rate_limited"}
    kept = PatientReply.objects.get(text="sudah")
    assert kept.needs_attention and kept.outcome == "not applied: over the response limit"


def test_a_message_hours_late_is_cancelled_and_its_reminder_becomes_missed(outbox, settings):
    settings.REMINDER_CATCH_UP_MINUTES = 120
    reminder = make_reminder(due_at=timezone.now() - timedelta(hours=10))
    message = queue_message(reminder.patient, reminder=reminder)
    assert drain_all()[Skip.TOO_LATE] == 1 and outbox == []
    message.refresh_from_db()
    assert message.status == "CANCELLED" and message.end_reason.startswith("too late: due ")
    reminder.refresh_from_db()
    assert reminder.confirmation_status == Reminder.Confirmation.MISSED


def test_a_reminder_whose_message_failed_becomes_missed():
    from reminders.backends.base import BaseWhatsAppBackend, WhatsAppError

    class Refusing(BaseWhatsAppBackend):
        def send(self, phone, body, sender=None):
            raise WhatsAppError("target invalid", transient=False)

    reminder = make_reminder()
    queue_message(reminder.patient, reminder=reminder)
    assert drain_all(Refusing())[Outcome.FAILED] == 1
    reminder.refresh_from_db()
    assert reminder.confirmation_status == Reminder.Confirmation.MISSED


def test_a_denied_send_spends_no_rate_limit_budget(outbox, settings):
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, fonnte_device={"limit": 1, "window": 60.0},
                                whatsapp_send={"limit": 30, "window": 60.0})
    first, second = queue_message(), queue_message()
    stats = drain_all()
    assert (stats[Outcome.SENT], stats[Outcome.DEFERRED]) == (1, 1)
    waiting = first if Message.objects.get(id=first.id).status == "QUEUED" else second
    assert peek(f"whatsapp_send:{waiting.phone}", 30, 60).remaining == 30


def test_a_status_for_an_unknown_message_is_retried_for_the_whole_patience_window(client, settings):
    from webhooks.services import process_pending_events

    settings.FONNTE_WEBHOOK_SECRET = "s"
    client.post("/webhooks/fonnte/s/status/", data=json.dumps({"id": "77", "status": "sent", "state": "read"}),
                content_type="application/json")
    for _ in range(10):
        process_pending_events()
    message = queue_message(status="SENT", provider_message_id="77")
    process_pending_events()
    message.refresh_from_db()
    assert message.status == "READ"


def test_only_the_newest_device_state_decides(outbox):
    now = timezone.now()
    DeviceState.objects.create(device="old-number", connected=False, changed_at=now - timedelta(days=3))
    DeviceState.objects.create(device="default", connected=True, changed_at=now)
    queue_message()
    assert drain_all()[Outcome.SENT] == 1


def test_runserver_request_lines_go_through_the_redacting_handler(settings):
    config = settings.LOGGING
    assert config["loggers"]["django.server"]["handlers"] == ["console"]
    assert config["handlers"]["console"]["filters"] == ["redact_secrets"]
    assert config["filters"]["redact_secrets"]["()"] == f"{RedactSecrets.__module__}.{RedactSecrets.__name__}"


def test_the_emergency_reply_goes_first_and_past_the_rate_limits(outbox, settings):
    from reminders.conversation.emergencies import handle_emergency

    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, fonnte_device={"limit": 1, "window": 60.0})
    for _ in range(3):
        queue_message(send_after=timezone.now() - timedelta(hours=1))
    patient = make_patient(name="Ibu Sari")
    handle_emergency(patient, "sesak napas", timezone.now())
    from reminders.outbox.sending import claim_due_messages, deliver
    from reminders.backends import get_backend

    first = claim_due_messages(1).claims[0]
    assert first.phone == patient.phone and first.priority
    assert deliver(first, get_backend()) == Outcome.SENT
    assert drain_all()[Outcome.SENT] == 1  # the device limit still holds for the rest
    assert "119" in outbox[0].body
