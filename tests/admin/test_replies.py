from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db
INBOX = reverse("admin:reminders_patientreply_changelist")


def reply(patient, text, minutes_ago, **fields):
    return patient.replies.create(text=text, intent=fields.pop("intent", "FREE_TEXT"),
                                  received_at=timezone.now() - timedelta(minutes=minutes_ago), **fields)


def test_it_opens_on_unhandled_replies_needing_attention_emergencies_first(ani_client, anis_patient):
    old_question = reply(anis_patient, "obatnya habis", 30, needs_attention=True)
    emergency = reply(anis_patient, "sesak napas", 5, intent="EMERGENCY", needs_attention=True, urgent=True)
    declined = reply(anis_patient, "tidak", 10, intent="VERIFY_NO", needs_attention=True)
    reply(anis_patient, "sudah", 1, intent="CONFIRM")
    reply(anis_patient, "terima kasih", 2, needs_attention=True, handled_at=timezone.now())
    response = ani_client.get(INBOX)
    assert list(response.context["cl"].result_list) == [emergency, old_question, declined]
    page = response.content.decode()
    assert "urgent-badge" in page
    assert reverse("admin:reminders_patient_change", args=[anis_patient.pk]) in page


def test_it_shows_every_reply_on_request(ani_client, anis_patient):
    reply(anis_patient, "sudah", 1, intent="CONFIRM")
    assert len(ani_client.get(INBOX, {"inbox": "all"}).context["cl"].result_list) == 1


def test_it_marks_replies_handled_with_who_and_when(ani_client, anis_patient, ani):
    question = reply(anis_patient, "obatnya habis", 30, needs_attention=True)
    ani_client.post(INBOX, {"action": "mark_handled", ACTION_CHECKBOX_NAME: [question.pk]})
    question.refresh_from_db()
    assert question.handled_by == ani and question.handled_at is not None
    assert list(ani_client.get(INBOX).context["cl"].result_list) == []
