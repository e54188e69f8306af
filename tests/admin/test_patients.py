from datetime import time, timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reminders.models import Message, Patient
from tests.factories import make_patient, make_reminder, make_schedule

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2030, 3, 4, 9, 0))
PATIENTS = reverse("admin:reminders_patient_changelist")


@pytest.fixture
def frozen():
    """Time stands still at NOW, from before the client logs in (so its session is valid)."""
    with time_machine.travel(NOW, tick=False):
        yield


def act(client, action: str, patients: list[Patient], **extra):
    return client.post(PATIENTS, {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in patients], **extra},
                       follow=True)


def test_it_shows_next_reminder_last_reply_and_a_compliance_badge(frozen, ani_client, anis_patient):
    schedule = make_schedule(anis_patient, time_of_day=time(20, 0), start_date=NOW.date())
    for hours_ago, status in [(30, "CONFIRMED"), (54, "CONFIRMED"), (78, "CONFIRMED"), (102, "CONFIRMED"), (126, "MISSED")]:
        make_reminder(schedule, due_at=NOW - timedelta(hours=hours_ago), confirmation_status=status,
                      reply_deadline=NOW - timedelta(hours=hours_ago - 2))
    anis_patient.replies.create(text="sudah", intent="CONFIRM", received_at=NOW - timedelta(hours=1))
    page = ani_client.get(PATIENTS).content.decode()
    assert "March 4, 2030, 8 p.m. WIB" in page  # next reminder, from the schedule, as the locale writes a moment
    assert "March 4, 2030, 8 a.m. WIB" in page  # last reply
    assert 'compliance-high' in page and "80 %" in page
    in_indonesian = ani_client.get(PATIENTS, headers={"Accept-Language": "id"}).content.decode()
    assert "4 Maret 2030, 20.00 WIB" in in_indonesian and "4 Maret 2030, 08.00 WIB" in in_indonesian


def test_it_shows_no_badge_without_decided_reminders(ani_client, anis_patient):
    assert 'class="compliance-badge' not in ani_client.get(PATIENTS).content.decode()


def test_it_asks_for_a_note_then_verifies_by_hand_with_who_and_when(ani_client, anis_patient):
    anis_patient.verification_status = Patient.Verification.PENDING
    anis_patient.save()
    page = act(ani_client, "verify_by_hand", [anis_patient])
    assert page.status_code == 200 and "note" in page.context["form"].fields
    act(ani_client, "verify_by_hand", [anis_patient], apply="1", note="setuju saat kunjungan rumah")
    anis_patient.refresh_from_db()
    assert anis_patient.verification_status == Patient.Verification.VERIFIED
    assert anis_patient.verification_answered_at is not None
    assert "relawan.ani] Verified by hand: setuju saat kunjungan rumah" in anis_patient.notes


def test_it_declines_by_hand(ani_client, anis_patient):
    act(ani_client, "decline_by_hand", [anis_patient], apply="1", note="")
    anis_patient.refresh_from_db()
    assert anis_patient.verification_status == Patient.Verification.DECLINED
    assert "Declined by hand" in anis_patient.notes


def test_it_pauses_and_resumes_reminders(ani_client, anis_patient):
    act(ani_client, "pause_reminders", [anis_patient], apply="1", kind="HOSPITAL")
    anis_patient.refresh_from_db()
    assert not anis_patient.is_active
    act(ani_client, "resume_reminders", [anis_patient])
    anis_patient.refresh_from_db()
    assert anis_patient.is_active


def test_it_opts_a_patient_back_in_by_a_volunteer(ani_client, anis_patient):
    anis_patient.opted_out_at = timezone.now()
    anis_patient.save()
    act(ani_client, "opt_back_in", [anis_patient])
    anis_patient.refresh_from_db()
    assert anis_patient.opted_out_at is None
    assert anis_patient.opt_in_method == Patient.ConsentMethod.VOLUNTEER


def test_it_does_not_act_on_another_volunteers_patient(ani_client, budis_patient):
    act(ani_client, "pause_reminders", [budis_patient], apply="1", kind="HOSPITAL")
    budis_patient.refresh_from_db()
    assert budis_patient.is_active


def test_it_queues_todays_passed_reminders_now_once_and_leaves_later_ones(frozen, ani_client, anis_patient):
    # 09:00: the 08:30 dose was not sent (the schedule is new, or the patient was paused).
    make_schedule(anis_patient, time_of_day=time(20, 0), start_date=NOW.date())
    passed = make_schedule(anis_patient, time_of_day=time(8, 30), start_date=NOW.date())
    act(ani_client, "send_todays_reminders", [anis_patient])
    queued = Message.objects.filter(patient=anis_patient, kind=Message.Kind.REMINDER)
    assert [(m.reminder.schedule, m.send_after) for m in queued] == [(passed, NOW)]
    act(ani_client, "send_todays_reminders", [anis_patient])
    assert queued.count() == 1


def test_it_rate_limits_send_now_per_volunteer(frozen, ani_client, anis_patient):
    make_schedule(anis_patient, time_of_day=time(20, 0), start_date=NOW.date())
    for _ in range(5):
        act(ani_client, "send_todays_reminders", [anis_patient])
    response = act(ani_client, "send_todays_reminders", [anis_patient])
    assert "Too many" in response.content.decode()


def test_it_refuses_send_now_for_a_paused_patient(ani_client, ani):
    paused = make_patient(volunteer=ani, is_active=False, phone="+6281277778888")
    make_schedule(paused)
    act(ani_client, "send_todays_reminders", [paused])
    assert not Message.objects.exists()


def test_it_says_in_words_whether_a_patient_gets_reminders_and_filters_by_it(ani_client, ani, anis_patient):
    make_patient(name="Ibu Berhenti", volunteer=ani, opted_out_at=timezone.now())
    make_patient(name="Bapak Dijeda", volunteer=ani, is_active=False)
    response = ani_client.get(PATIENTS, headers={"Accept-Language": "id"})
    states = {row.name: str(response.context["cl"].model_admin.reminders_state(row))
              for row in response.context["cl"].result_list}
    assert states == {"Ibu Sari": "Aktif", "Ibu Berhenti": "Berhenti", "Bapak Dijeda": "Dijeda"}
    assert "icon-yes.svg" not in response.content.decode() and "icon-no.svg" not in response.content.decode()
    opted_out = ani_client.get(PATIENTS, {"reminders": "opted_out"}).context["cl"].result_list
    assert [patient.name for patient in opted_out] == ["Ibu Berhenti"]


def test_the_volunteer_column_is_for_coordinators_only(ani_client, coordinator, anis_patient):
    assert "volunteer" not in ani_client.get(PATIENTS).context["cl"].list_display
    coordinators = Client()
    coordinators.force_login(coordinator)
    assert "volunteer" in coordinators.get(PATIENTS).context["cl"].list_display
