from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from reminders.workspace.outcomes import describe
from tests.webhooks.conftest import incoming, post_json
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def failed_event(patient, text="sudah"):
    return WebhookEvent.objects.create(
        kind="INCOMING", dedupe_key=f"k-{text}", payload=incoming(patient, text), state="FAILED", attempts=1,
        error="RuntimeError: bug",
    )


def test_the_admin_lists_events_with_filters_and_shows_the_payload(admin_client, sent_reminder):
    event = failed_event(sent_reminder.patient)
    listing = admin_client.get(reverse("admin:webhooks_webhookevent_changelist"), {"state": "FAILED"})
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [event]
    detail = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[event.id]))
    assert detail.status_code == 200 and b"RuntimeError: bug" in detail.content and b"sender" in detail.content


def test_process_again_retries_the_chosen_events(admin_client, sent_reminder):
    event = failed_event(sent_reminder.patient)
    response = admin_client.post(
        reverse("admin:webhooks_webhookevent_changelist"),
        {"action": "process_again", "_selected_action": [event.id]},
        follow=True,
    )
    assert b"Processed 1 event(s) again: PROCESSED" in response.content
    event.refresh_from_db()
    sent_reminder.refresh_from_db()
    assert event.state == "PROCESSED" and sent_reminder.confirmation_status == "CONFIRMED"


def test_process_webhooks_retries_and_summarises(sent_reminder, capsys):
    failed_event(sent_reminder.patient)
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=1))
    call_command("process_webhooks")
    assert "processed=1" in capsys.readouterr().out


def test_every_result_the_webhooks_store_is_told_in_indonesian(client, sent_reminder):
    """Driven through the real endpoints: a confirmation, a reply nothing waits for, a stranger,
    a group, a status applied and one without a message id."""
    patient = sent_reminder.patient
    post_json(client, incoming(patient, "sudah"))
    post_json(client, incoming(patient, "sudah lagi", id="second"))
    post_json(client, {"device": "6281100000000", "sender": "6281399999999", "message": "halo"})
    post_json(client, {"device": "6281100000000", "sender": "120363@g.us", "message": "halo grup"})
    post_json(client, {"device": "6281100000000", "id": "9001", "status": "sent", "state": "read"}, kind="status")
    post_json(client, {"device": "6281100000000", "status": "sent"}, kind="status")
    results = list(WebhookEvent.objects.values_list("result", flat=True))

    assert len(set(results)) == 6
    with translation.override("id"):
        assert [result for result in results if describe(result) == result] == []
        assert "Sudah minum obat: 1 pengingat dikonfirmasi" in [describe(result) for result in results]
