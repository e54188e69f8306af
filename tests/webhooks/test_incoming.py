import json
from datetime import timedelta

import pytest
from django.utils import timezone

from locks.services import acquire_lock, release_lock
from reminders.models import Message, PatientReply, Reminder
from tests.factories import make_patient
from tests.webhooks.conftest import incoming, post_json, url
from webhooks.models import WebhookEvent
from webhooks.services import process_pending_events

pytestmark = pytest.mark.django_db


def acks(patient):
    return list(Message.objects.filter(patient=patient, kind=Message.Kind.REPLY).values_list("body", flat=True))


def test_sudah_confirms_the_waiting_reminder_and_queues_one_ack(client, sent_reminder):
    response = post_json(client, incoming(sent_reminder.patient, "Sudah", inboxid="77"))
    assert response.status_code == 200 and response.json() == {"status": "processed"}
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"
    assert sent_reminder.confirmation_method == "PATIENT_REPLY" and sent_reminder.confirmed_at
    assert acks(sent_reminder.patient) == [
        "Terima kasih, Ibu Sari. Kami sudah mencatat bahwa obat sudah diminum. Semoga sehat selalu."
    ]
    reply = PatientReply.objects.get()
    assert (reply.intent, reply.reminder, reply.needs_attention) == ("CONFIRM", sent_reminder, False)
    event = WebhookEvent.objects.get()
    assert (event.kind, event.state, event.dedupe_key) == ("INCOMING", "PROCESSED", "incoming:inbox:77")


@pytest.mark.parametrize("spelling", ["0812", "62812", "+62 812"])
def test_the_sender_is_found_in_any_spelling(client, sent_reminder, spelling):
    digits = sent_reminder.patient.phone[6:]
    sender = {"0812": "0812" + digits, "62812": "62812" + digits, "+62 812": "+62 812 " + digits}[spelling]
    post_json(client, {"sender": sender, "message": "sdh"})
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"


def test_belum_marks_not_yet_and_queues_one_real_follow_up(client, sent_reminder, settings):
    settings.FOLLOW_UP_DELAY_MINUTES = 30
    post_json(client, incoming(sent_reminder.patient, "belum"))
    post_json(client, incoming(sent_reminder.patient, "BELUM MINUM"))
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "NOT_YET"
    follow_up = Message.objects.get(kind=Message.Kind.FOLLOW_UP)
    assert follow_up.status == "QUEUED" and follow_up.reminder == sent_reminder
    assert follow_up.send_after - timezone.now() == pytest.approx(timedelta(minutes=30), abs=timedelta(seconds=5))
    # Short and standalone: it names the dose's time (its schedule's), not the whole reminder again.
    assert follow_up.body == "Halo Ibu Sari, PRIMA mengingatkan lagi: obat pukul 08:00 sudah diminum? Balas SUDAH bila sudah."
    assert len(acks(sent_reminder.patient)) == 2


def test_confirming_after_belum_cancels_the_follow_up(client, sent_reminder):
    post_json(client, incoming(sent_reminder.patient, "belum"))
    post_json(client, incoming(sent_reminder.patient, "sudah"))
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"
    assert Message.objects.get(kind=Message.Kind.FOLLOW_UP).status == "CANCELLED"


@pytest.mark.parametrize("closed", [Reminder.Confirmation.CONFIRMED, Reminder.Confirmation.MISSED])
def test_a_reply_to_a_closed_reminder_changes_nothing(client, sent_reminder, closed):
    # Missed means its window passed (a reply that arrived in time still counts: test_patient_safety).
    deadline = timezone.now() - timedelta(minutes=1) if closed == "MISSED" else sent_reminder.reply_deadline
    Reminder.objects.filter(id=sent_reminder.id).update(confirmation_status=closed, reply_deadline=deadline)
    post_json(client, incoming(sent_reminder.patient, "belum"))
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == closed
    assert not Message.objects.filter(kind=Message.Kind.FOLLOW_UP).exists()
    assert acks(sent_reminder.patient) == [
        "Terima kasih, Ibu Sari. Saat ini tidak ada pengingat yang menunggu jawaban Anda."
    ]


def test_a_reply_after_the_window_closed_changes_nothing(client, sent_reminder):
    Reminder.objects.filter(id=sent_reminder.id).update(reply_deadline=timezone.now() - timedelta(minutes=1))
    post_json(client, incoming(sent_reminder.patient, "sudah"))
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "PENDING"


def test_free_text_is_kept_for_volunteers(client, sent_reminder):
    post_json(client, incoming(sent_reminder.patient, "Obatnya habis, bisa minta resep?"))
    reply = PatientReply.objects.get()
    assert (reply.intent, reply.needs_attention) == ("FREE_TEXT", True)
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "PENDING"


def test_a_duplicate_delivery_answers_duplicate_and_changes_nothing(client, sent_reminder):
    payload = incoming(sent_reminder.patient, "belum")
    assert post_json(client, payload).json() == {"status": "processed"}
    assert post_json(client, payload).json() == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1 and PatientReply.objects.count() == 1
    assert len(acks(sent_reminder.patient)) == 1


@pytest.mark.parametrize(
    "payload, result",
    [
        ({"sender": "120363@g.us", "message": "sudah"}, "group message"),
        ({"sender": "6281234567890", "member": "6281200000001", "message": "sudah"}, "group message"),
        ({"sender": "not-a-phone", "message": "sudah"}, "sender is not a phone number"),
        ({"sender": "6281299999999", "message": "sudah"}, "unknown sender +62812*****999"),
    ],
)
def test_it_ignores_what_is_not_a_patients_reply(client, payload, result):
    assert post_json(client, payload).json() == {"status": "ignored"}
    assert WebhookEvent.objects.get().result == result


def test_over_the_response_limit_the_event_is_kept_rate_limited(client, sent_reminder, settings):
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, patient_response={"limit": 2, "window": 30.0})
    statuses = [post_json(client, incoming(sent_reminder.patient, f"pesan {i}")).json()["status"] for i in range(3)]
    assert statuses == ["processed", "processed", "rate_limited"]
    assert WebhookEvent.objects.filter(state="RATE_LIMITED").count() == 1


def test_a_busy_patient_lock_leaves_the_event_for_the_sweeper(client, sent_reminder, settings):
    settings.PATIENT_LOCK_WAIT_SECONDS = 0.2
    lease = acquire_lock(f"patient:{sent_reminder.patient.id}", ttl=60)
    try:
        assert post_json(client, incoming(sent_reminder.patient, "sudah")).json() == {"status": "failed"}
    finally:
        release_lock(lease)
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=1))
    assert process_pending_events()["PROCESSED"] == 1
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"


def test_a_processing_bug_is_stored_failed_answered_200_and_retried(client, sent_reminder, monkeypatch):
    from reminders.conversation import replies as conversation

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(conversation, "read", broken)
    response = post_json(client, incoming(sent_reminder.patient, "sudah"))
    assert response.status_code == 200 and response.json() == {"status": "failed"}
    event = WebhookEvent.objects.get()
    assert event.state == "FAILED" and "RuntimeError: bug" in event.error
    assert not PatientReply.objects.exists()
    monkeypatch.undo()
    assert process_pending_events()["PROCESSED"] == 1
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"


def test_the_sweeper_stops_after_the_maximum_attempts(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    WebhookEvent.objects.create(kind="INCOMING", dedupe_key="k", payload={}, state="FAILED", attempts=2)
    assert sum(process_pending_events().values()) == 0


def test_a_wrong_secret_is_404_and_stores_nothing(client, sent_reminder):
    response = client.post(url(secret="guess"), data=json.dumps(incoming(sent_reminder.patient, "sudah")),
                           content_type="application/json")
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_webhooks_are_off_without_a_secret(client, settings):
    settings.FONNTE_WEBHOOK_SECRET = ""
    assert client.post("/webhooks/fonnte//incoming/", data="{}", content_type="application/json").status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(client, method):
    assert getattr(client, method)(url()).status_code == 405


def test_a_body_over_64_kib_is_413(client):
    response = client.post(url(), data=json.dumps({"message": "x" * 70_000}), content_type="application/json")
    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()


def test_an_unparseable_body_is_stored_ignored_and_answered_200(client):
    response = client.post(url(), data=b"\xff\xfe{not json", content_type="application/json")
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    event = WebhookEvent.objects.get()
    assert event.payload is None and event.result == "body is neither JSON nor a form"
    assert "\\xff" in event.raw_body


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_form_bodies_work_too(client, sent_reminder, content_type):
    data = incoming(sent_reminder.patient, "sudah")
    if content_type == "multipart/form-data":
        response = client.post(url(), data=data)
    else:
        from urllib.parse import urlencode

        response = client.post(url(), data=urlencode(data), content_type=content_type)
    assert response.json() == {"status": "processed"}
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"


def test_unknown_patients_never_see_another_patients_reminder(client, sent_reminder):
    other = make_patient()
    post_json(client, incoming(other, "sudah"))
    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "PENDING"
