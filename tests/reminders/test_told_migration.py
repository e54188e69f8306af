"""Migration 0027 on escalations raised before it: the moment they were passed on is kept as
`passed_on_at`, and who was told is worked out from their alerts as they ended."""
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model

from tests.migrations import models_as_of

pytestmark = pytest.mark.django_db(transaction=True)
RAISED = datetime(2026, 11, 24, 3, 1, tzinfo=timezone.utc)


def test_escalations_say_who_was_told_from_their_alerts_and_nobody_when_there_were_none():
    with models_as_of("reminders", "0026_one_voice_per_phone") as old:
        User = old.get_model(*get_user_model()._meta.label.split("."))
        Patient, Message = old.get_model("reminders", "Patient"), old.get_model("reminders", "Message")
        Escalation, StaffProfile = old.get_model("reminders", "Escalation"), old.get_model("reminders", "StaffProfile")
        ani, budi = User.objects.create(username="relawan.ani"), User.objects.create(username="koordinator.budi")
        StaffProfile.objects.create(user=ani, phone="+6281399990001")
        StaffProfile.objects.create(user=budi, phone="+6281399990002")
        patient = Patient.objects.create(name="Ibu Sari", phone="+6281277770001")
        passed_on = RAISED + timedelta(hours=1)
        told = Escalation.objects.create(patient=patient, rule="MISSED_IN_A_ROW", local_date=RAISED.date(),
                                         volunteer=ani, coordinators_told_at=passed_on)
        Message.objects.create(patient=patient, escalation=told, kind="ESCALATION", phone="+6281399990001", body="x",
                               status="DELIVERED", sent_at=RAISED, attempts=1)
        Message.objects.create(patient=patient, escalation=told, kind="ESCALATION", phone="+6281399990002", body="y",
                               status="FAILED", end_reason="target invalid", attempts=1)
        untold = Escalation.objects.create(patient=patient, rule="NOT_YET_TWICE", local_date=RAISED.date(),
                                           coordinators_told_at=RAISED)
    from reminders.models import Escalation

    told, untold = Escalation.objects.get(id=told.id), Escalation.objects.get(id=untold.id)
    assert (told.volunteer_told_at, told.passed_on_at, told.coordinators_told_at) == (RAISED, passed_on, None)
    assert sorted((n.recipient.username, n.role, n.status, n.error) for n in told.notifications.all()) == [
        ("koordinator.budi", "coordinator", "FAILED", "target invalid"),
        ("relawan.ani", "volunteer", "SENT", ""),
    ]
    assert (untold.passed_on_at, untold.coordinators_told_at, untold.notifications.count()) == (RAISED, None, 0)
