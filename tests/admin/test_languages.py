from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import Caregiver, CheckIn, Escalation, Message
from tests.admin.english import english_words, visible_text
from tests.factories import make_patient, make_reminder, make_schedule, queue_message

pytestmark = pytest.mark.django_db


def test_it_speaks_indonesian_to_an_indonesian_browser(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_changelist"), headers={"Accept-Language": "id"})
    text = page.content.decode()
    assert "Kepatuhan 7 hari" in text  # ours
    assert "Kirim pengingat hari ini sekarang" in text


def test_it_speaks_english_to_an_english_browser(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_changelist"), headers={"Accept-Language": "en"})
    assert "7-day compliance" in page.content.decode()


def test_the_health_page_speaks_indonesian_about_the_quota(coordinator_client, settings):
    settings.FONNTE_QUOTA_ALERT_BELOW = 100
    page = coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist"),
                                  headers={"Accept-Language": "id"})
    assert "Sisa kuota (peringatan di bawah 100)" in page.content.decode()


def volunteers_pages(patient) -> list[str]:
    """Every page a volunteer works on, with a row of each kind on it."""
    schedule = make_schedule(patient)
    due = timezone.now() - timedelta(hours=5)
    dose = make_reminder(schedule, due_at=due, reply_deadline=due + timedelta(hours=2), confirmation_status="MISSED",
                         close_reason="no answer in time")
    message = queue_message(patient, reminder=dose, status=Message.Status.FAILED, end_reason="patient opted out")
    reply = patient.replies.create(text="sesak napas", intent="EMERGENCY", urgent=True, needs_attention=True,
                                   outcome="safety reply queued; notifying relawan.ani (volunteer) by email")
    patient.replies.create(text="berhenti", intent="OPT_OUT", outcome="opted out; 2 queued message(s) cancelled")
    make_patient(name="Bapak Baru", volunteer=patient.volunteer, verification_status="PENDING")
    rina = Caregiver.objects.create(patient=patient, name="Rina", relation="anak", phone="+6281377770009")
    patient.replies.create(text="sudah", intent="CONFIRM", caregiver=rina, outcome="1 reminder(s) confirmed")
    escalation = Escalation.objects.create(patient=patient, rule="MISSED_IN_A_ROW", count=2,
                                           local_date=timezone.localdate())
    Escalation.objects.create(patient=patient, rule="CHECK_IN_PROBLEM", detail="kurang sehat",
                              local_date=timezone.localdate())
    check_in = CheckIn.objects.create(patient=patient, week=timezone.localdate(), due_at=timezone.now(),
                                      answer_deadline=timezone.now(), answer="PROBLEM")
    patient.replies.create(text="kurang sehat", intent="FREE_TEXT", check_in=check_in, needs_attention=True,
                           outcome="weekly check-in: not well; the volunteer is alerted")
    return [
        reverse("admin:index"),
        reverse("admin:reminders_patient_changelist"),
        reverse("admin:reminders_patient_add"),
        reverse("admin:reminders_patient_change", args=[patient.pk]),
        reverse("admin:reminders_patient_compliance", args=[patient.pk]),
        reverse("admin:reminders_patient_overall_compliance"),
        reverse("admin:reminders_reminderschedule_changelist"),
        reverse("admin:reminders_reminderschedule_change", args=[schedule.pk]),
        reverse("admin:reminders_reminder_changelist"),
        reverse("admin:reminders_reminder_changelist") + "?needs_update=yes",
        reverse("admin:reminders_reminder_change", args=[dose.pk]),
        reverse("admin:reminders_reminder_confirm", args=[dose.pk]),
        reverse("admin:reminders_message_changelist"),
        reverse("admin:reminders_message_change", args=[message.pk]),
        reverse("admin:reminders_patientreply_changelist"),
        reverse("admin:reminders_patientreply_changelist") + "?inbox=all",
        reverse("admin:reminders_patientreply_change", args=[reply.pk]),
        reverse("admin:reminders_escalation_changelist"),
        reverse("admin:reminders_escalation_change", args=[escalation.pk]),
        reverse("admin:reminders_checkin_changelist"),
        reverse("admin:reminders_checkin_change", args=[check_in.pk]),
        reverse("admin:password_change"),
    ]


def test_a_volunteers_pages_show_no_english_to_an_indonesian_browser(ani_client, anis_patient):
    found = {}
    for url in volunteers_pages(anis_patient):
        page = ani_client.get(url, headers={"Accept-Language": "id"})
        assert page.status_code == 200, url
        if words := english_words(visible_text(page.content.decode())):
            found[url] = sorted(words)
    assert found == {}


def test_stored_outcomes_are_shown_in_the_readers_language(ani_client, anis_patient):
    anis_patient.replies.create(text="berhenti", intent="OPT_OUT", outcome="opted out; 2 queued message(s) cancelled")
    inbox = reverse("admin:reminders_patientreply_changelist") + "?inbox=all"
    assert "berhenti; 2 pesan dalam antrean dibatalkan" in ani_client.get(
        inbox, headers={"Accept-Language": "id"}).content.decode()
    assert "opted out; 2 queued message(s) cancelled" in ani_client.get(
        inbox, headers={"Accept-Language": "en"}).content.decode()
