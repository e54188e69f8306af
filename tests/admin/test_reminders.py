from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from reminders.conversation.replies import apply_reply
from reminders.models import Message, Reminder
from tests.factories import make_reminder, make_schedule, queue_message

pytestmark = pytest.mark.django_db
REMINDERS = reverse("admin:reminders_reminder_changelist")


def sent_reminder(patient, **fields) -> Reminder:
    fields.setdefault("reply_deadline", timezone.now() + timedelta(hours=1))
    reminder = make_reminder(make_schedule(patient), **fields)
    queue_message(patient, reminder=reminder, status=Message.Status.SENT, sent_at=timezone.now())
    return reminder


def confirm_url(reminder: Reminder) -> str:
    return reverse("admin:reminders_reminder_confirm", args=[reminder.pk])


def test_it_lists_reminders_needing_update(ani_client, anis_patient):
    waiting = sent_reminder(anis_patient)
    missed = sent_reminder(anis_patient, due_at=timezone.now() - timedelta(days=1), confirmation_status="MISSED")
    sent_reminder(anis_patient, due_at=timezone.now() - timedelta(days=2), confirmation_status="CONFIRMED")
    make_reminder(make_schedule(anis_patient))  # never sent
    rows = ani_client.get(REMINDERS, {"needs_update": "yes"}).context["cl"].result_list
    assert set(rows) == {waiting, missed}


def test_it_filters_by_delivery_status_and_patient(ani_client, anis_patient, ani):
    sent = sent_reminder(anis_patient)
    make_reminder(make_schedule(anis_patient), due_at=timezone.now() - timedelta(days=3))
    assert list(ani_client.get(REMINDERS, {"delivery": "SENT"}).context["cl"].result_list) == [sent]
    assert len(ani_client.get(REMINDERS, {"patient": anis_patient.pk}).context["cl"].result_list) == 2


def test_it_records_a_manual_confirmation(ani_client, anis_patient, ani):
    reminder = sent_reminder(anis_patient, confirmation_status="MISSED")
    follow_up = queue_message(anis_patient, reminder=reminder, kind=Message.Kind.FOLLOW_UP)
    response = ani_client.post(confirm_url(reminder), {"method": "VISIT", "patient_condition": "lemas, tapi minum obat",
                                                        "follow_up_needed": "on"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert reminder.confirmation_method == Reminder.ConfirmationMethod.VISIT
    assert reminder.confirmed_by == ani and reminder.follow_up_needed
    assert reminder.patient_condition == "lemas, tapi minum obat"
    follow_up.refresh_from_db()
    assert follow_up.status == Message.Status.CANCELLED


def test_it_refuses_a_manual_confirmation_when_the_patient_already_answered(ani_client, anis_patient):
    reminder = sent_reminder(anis_patient)
    form = ani_client.get(confirm_url(reminder))  # the volunteer opens the form...
    assert form.status_code == 200
    with transaction.atomic():
        apply_reply(anis_patient, "sudah", timezone.now())  # ...the patient's SUDAH arrives...
    response = ani_client.post(confirm_url(reminder), {"method": "CALL"}, follow=True)  # ...then they submit
    assert "already answered" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.confirmation_method == Reminder.ConfirmationMethod.PATIENT_REPLY
    assert reminder.confirmed_by is None


def test_it_cancels_queued_reminders(ani_client, anis_patient):
    reminder = make_reminder(make_schedule(anis_patient))
    message = queue_message(anis_patient, reminder=reminder)
    ani_client.post(REMINDERS, {"action": "cancel", ACTION_CHECKBOX_NAME: [reminder.pk]})
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED and "relawan.ani" in message.end_reason


@pytest.mark.parametrize("url_name,target", [("reminder", "reminder"), ("message", "message")])
def test_it_queues_a_failed_message_again(ani_client, anis_patient, url_name, target):
    reminder = make_reminder(make_schedule(anis_patient))
    message = queue_message(anis_patient, reminder=reminder, status=Message.Status.FAILED, attempts=5,
                            end_reason="gave up after 5 attempts", send_after=timezone.now() - timedelta(days=1))
    chosen = reminder if target == "reminder" else message
    ani_client.post(reverse(f"admin:reminders_{url_name}_changelist"),
                    {"action": "send_now" if target == "reminder" else "retry", ACTION_CHECKBOX_NAME: [chosen.pk]})
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 0 and message.end_reason == ""
    assert message.send_after > timezone.now() - timedelta(minutes=1)
