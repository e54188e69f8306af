"""Retention: old history goes, in bounded batches; what is still in flight, and every dose, stays."""
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone

from monitoring.metrics import message_outcomes
from prima import retention
from ratelimit.models import RateLimitEvent
from reminders.doses import compliance
from reminders import scheduler, tasks
from reminders.admin.reminders import ReminderAdmin
from reminders.models import HandlingRecord, Message, PatientReply, Reminder, StaffNotification
from reminders.retention import messages, replies
from tests.factories import make_patient, make_reminder, queue_message
from tests.test_cli import manage
from webhooks.models import WebhookEvent
from webhooks.retention import events

pytestmark = pytest.mark.django_db

A_YEAR_AND_MORE = timedelta(days=400)


def age(rows, field: str, by: timedelta = A_YEAR_AND_MORE) -> None:
    rows.update(**{field: timezone.now() - by})


def old_message(**fields) -> Message:
    message = queue_message(**fields)
    age(Message.objects.filter(id=message.id), "created_at")
    return message


def confirmed_dose() -> Reminder:
    sent = timezone.now() - A_YEAR_AND_MORE
    dose = make_reminder(due_at=sent, reply_deadline=sent + timedelta(hours=2))
    Reminder.objects.filter(id=dose.id).close(Reminder.Confirmation.CONFIRMED, "patient answered",
                                              confirmation_method=Reminder.ConfirmationMethod.PATIENT_REPLY)
    return dose


def remaining(model, objects) -> set[int]:
    return set(model.objects.filter(id__in=[o.id for o in objects]).values_list("id", flat=True))


def test_ended_messages_older_than_the_retention_go_and_their_doses_stay_as_they_were():
    dose = confirmed_dose()
    gone = [old_message(reminder=dose, patient=dose.patient, status="SENT", sent_at=dose.sent_at),
            old_message(reminder=dose, patient=dose.patient, kind="REPLY", status="READ", sent_at=dose.sent_at),
            old_message(status="FAILED", attempts=5), old_message(status="CANCELLED")]
    open_dose = make_reminder(due_at=timezone.now() - A_YEAR_AND_MORE, reply_deadline=timezone.now() + timedelta(hours=1))
    kept = [old_message(status="QUEUED"), old_message(status="SENDING"), queue_message(status="SENT"),
            old_message(reminder=open_dose, patient=open_dose.patient, status="SENT")]
    before = compliance.tally(Reminder.objects.all())

    result = retention.prune(messages())

    assert (result.deleted, result.finished) == (4, True)
    assert remaining(Message, gone) == set()
    assert remaining(Message, kept) == {m.id for m in kept}
    dose.refresh_from_db()
    assert (dose.confirmation_status, dose.sent_at is not None) == ("CONFIRMED", True)
    assert compliance.tally(Reminder.objects.all()) == before
    dose.delivery_status = None  # what the admin's list finds of its deleted message
    assert ReminderAdmin(Reminder, admin.site).delivery_status(dose) == "Sent"


def test_the_outbox_counters_of_metrics_never_go_down_when_messages_are_pruned():
    old_message(status="SENT", sent_at=timezone.now(), attempts=2)
    old_message(status="FAILED", attempts=5)
    old_message(status="CANCELLED")
    queue_message(status="SENT", sent_at=timezone.now(), attempts=1)
    before = message_outcomes()
    assert before == {"sent": 2, "failed": 1, "cancelled": 1, "attempts": 8}
    assert retention.prune(messages()).deleted == 3
    assert message_outcomes() == before
    old_message(status="SENT", sent_at=timezone.now(), attempts=1)
    assert retention.prune(messages()).deleted == 1
    assert message_outcomes() == {"sent": 3, "failed": 1, "cancelled": 1, "attempts": 9}


def test_a_pruned_alert_leaves_its_staff_notification_with_its_outcome():
    alert = old_message(kind="STAFF_ALERT", status="SENT", sent_at=timezone.now(), attempts=1)
    reply = PatientReply.objects.create(patient=alert.patient, text="darurat", intent="EMERGENCY")
    told = StaffNotification.objects.create(patient=alert.patient, reply=reply, role="volunteer", channel="WHATSAPP",
                                            address="+6281399990001", message=alert, status="SENT")
    assert retention.prune(messages()).deleted == 1
    told.refresh_from_db()
    assert (told.message, told.status) == (None, "SENT")


def old_reply(**fields) -> PatientReply:
    fields.setdefault("patient", make_patient())
    reply = PatientReply.objects.create(text="Sudah", intent=PatientReply.Intent.CONFIRM, **fields)
    age(PatientReply.objects.filter(id=reply.id), "received_at")
    return reply


def test_handled_replies_go_with_their_notifications_and_those_a_volunteer_must_still_read_stay():
    handled = old_reply(needs_attention=True, handled_at=timezone.now())
    told = StaffNotification.objects.create(patient=handled.patient, reply=handled, role="volunteer", channel="EMAIL",
                                            address="ani@example.org", status="SENT")
    done = HandlingRecord.objects.create(reply=handled, outcome="VISITED", closed=True, note="dibawa ke IGD")
    answered = old_reply()
    unread = old_reply(needs_attention=True)
    telling = old_reply(needs_attention=True, handled_at=timezone.now())
    StaffNotification.objects.create(patient=telling.patient, reply=telling, role="volunteer", channel="EMAIL",
                                     address="budi@example.org")
    open_dose = make_reminder(reply_deadline=timezone.now() + timedelta(hours=1))
    waiting = old_reply(patient=open_dose.patient, reminder=open_dose)
    recent = PatientReply.objects.create(patient=make_patient(), text="Sudah", intent="CONFIRM")

    assert retention.prune(replies()).deleted == 2
    assert remaining(PatientReply, [handled, answered]) == set()
    assert not StaffNotification.objects.filter(id=told.id).exists()
    assert not HandlingRecord.objects.filter(id=done.id).exists()
    assert remaining(PatientReply, [unread, telling, waiting, recent]) == {unread.id, telling.id, waiting.id, recent.id}


def old_event(state: str, **fields) -> WebhookEvent:
    event = WebhookEvent.objects.create(kind="INCOMING", dedupe_key=f"incoming:inboxid:{state}-{len(fields)}",
                                        payload={}, state=state, **fields)
    age(WebhookEvent.objects.filter(id=event.id), "received_at", timedelta(days=91))
    return event


def test_processed_webhook_events_go_after_90_days_and_those_still_to_process_stay():
    done = [old_event("PROCESSED"), old_event("IGNORED"), old_event("RATE_LIMITED")]
    pending = [old_event("RECEIVED"), old_event("FAILED"),
               old_event("PROCESSED", claim_token="00000000-0000-0000-0000-000000000001")]
    recent = WebhookEvent.objects.create(kind="INCOMING", dedupe_key="incoming:inboxid:new", payload={},
                                         state="PROCESSED")
    assert retention.prune(events()).deleted == 3
    assert remaining(WebhookEvent, done) == set()
    assert remaining(WebhookEvent, [*pending, recent]) == {e.id for e in [*pending, recent]}


def test_it_deletes_in_batches_of_the_size_asked_and_stops_at_the_deadline():
    for _ in range(5):
        old_message(status="SENT")
    assert retention.prune(messages(), deadline=time.monotonic()).deleted == 0
    result = retention.prune(messages(), batch_size=2)
    assert (result.deleted, result.batches, result.finished) == (5, 3, True)


def test_every_tick_and_the_celery_sweep_prune_a_little(settings):
    old_message(status="SENT")
    event = old_event("PROCESSED")
    RateLimitEvent.objects.create(key="whatsapp_send:+62812", created_at=timezone.now() - timedelta(days=1))
    scheduler.tick()
    assert not Message.objects.exists() and not RateLimitEvent.objects.exists()
    assert not WebhookEvent.objects.filter(id=event.id).exists()
    old_message(status="SENT")
    tasks.sweep()
    assert not Message.objects.exists()


def prune_history(*args) -> list[str]:
    out = StringIO()
    call_command("prune_history", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_counts_in_a_dry_run_and_reports_progress_and_a_summary(monkeypatch):
    for _ in range(3):
        old_message(status="SENT")
    old_reply()
    assert prune_history("--dry-run") == [
        "Dry run: would delete messages=3 replies=1 webhook_events=0 rate_limit_events=0. Nothing was deleted."]
    assert Message.objects.count() == 3
    monkeypatch.setattr("reminders.management.commands.prune_history.PROGRESS_EVERY_SECONDS", 0)
    *progress, summary = prune_history("--batch-size", "2")
    assert progress == ["messages: 2 deleted so far, 1 batch(es)", "messages: 3 deleted so far, 2 batch(es)",
                        "replies: 1 deleted so far, 1 batch(es)"]
    assert summary.startswith("Deleted messages=3 replies=1 webhook_events=0 rate_limit_events=0 in ")
    assert "Not finished" not in summary


def test_the_command_has_help_and_says_when_it_did_not_finish():
    result = manage("prune_history", "--help", DEBUG="1")
    assert result.returncode == 0 and "RETENTION_MESSAGES_DAYS" in result.stdout
    old_message(status="SENT")
    old_message(status="SENT")
    summary = prune_history("--batch-size", "1", "--max-seconds", "0.000001")[-1]
    assert "Not finished: messages (time is up)" in summary


def test_a_retention_shorter_than_a_rate_limit_window_is_refused_in_one_line():
    result = manage("check", DEBUG="1", RETENTION_RATE_LIMIT_EVENTS_SECONDS="30", RATE_LIMIT_WHATSAPP_SEND="30/60")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: RETENTION_RATE_LIMIT_EVENTS_SECONDS (30) must be at least the longest rate-limit window "
        "(3600 s), or events that still count would be deleted"]


@pytest.mark.django_db(transaction=True)
def test_a_row_another_transaction_holds_is_skipped_without_waiting_for_it():
    held, others = old_message(status="SENT"), [old_message(status="SENT") for _ in range(3)]
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            Message.objects.select_for_update().get(id=held.id)
            locked.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        result = retention.prune(messages())
        assert time.monotonic() - started < 1
    finally:
        release.set()
        holder.join()
    assert result.deleted == 3 and remaining(Message, others) == set()
    assert Message.objects.filter(id=held.id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_would_wait_for_the_table_gives_up_at_once_and_says_why():
    old_message(status="SENT")
    locked, release = threading.Event(), threading.Event()

    def lock_the_table() -> None:  # as a migration's ALTER TABLE would
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("LOCK TABLE reminders_message IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=lock_the_table)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        result = retention.prune(messages())
        assert time.monotonic() - started < 1
    finally:
        release.set()
        holder.join()
    assert (result.deleted, result.finished) == (0, False)
    assert "lock timeout" in result.error
    assert retention.prune(messages()).deleted == 1
