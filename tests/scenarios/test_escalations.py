"""Issue 20: when a patient stops answering, a person knows. Stories told through the webhook,
the admin and `send_reminders`, with the clock moving across days (November 2026, Jakarta:
Monday the 23rd, Tuesday the 24th, …)."""
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from reminders.conversation.consent import send_verification
from reminders.workspace.escalations import raise_escalations
from reminders.models import Escalation, Message, Patient, PatientReply, StaffProfile
from reminders.workspace.roles import COORDINATOR
from tests.factories import make_patient, make_reminder, make_schedule
from tests.processes import run_in_processes
from tests.scenarios.helpers import ANIS_PHONE, admin_action, at, enrol, run_scheduler, say, staff, texts_to, wib

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
BUDIS_PHONE = "+6281399990002"
TODAY = reverse("admin:index")


@pytest.fixture
def budi(db):
    """Budi, a coordinator, with his own WhatsApp number."""
    user = staff("koordinator.budi", COORDINATOR, "budi@prima.id")
    StaffProfile.objects.create(user=user, phone=BUDIS_PHONE)
    return user


def miss_monday_and_tuesday() -> None:
    """The 08:00 dose is sent both mornings and never answered (the reply window is 2 hours)."""
    for day in (23, 24):
        with at(wib(day, 8, 0, 30)):
            run_scheduler()
        with at(wib(day, 10, 1)):
            run_scheduler()


def test_two_missed_doses_make_one_escalation_and_one_whatsapp_to_the_volunteer(ani_on_whatsapp):
    schedule = enrol(volunteer=ani_on_whatsapp)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 10, 1)):
        run_scheduler()
    assert Escalation.objects.count() == 0  # one missed dose is a row on the today page, not an alert
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    with at(wib(24, 10, 1)):
        assert "escalations=1" in run_scheduler()
    for minute in (2, 3, 30):
        with at(wib(24, 10, minute)):
            run_scheduler()
    escalation = Escalation.objects.get()
    assert (escalation.rule, escalation.count, escalation.volunteer, escalation.local_date.day) == (
        "MISSED_IN_A_ROW", 2, ani_on_whatsapp, 24)
    [alert] = texts_to(ANIS_PHONE)
    assert alert.startswith("PRIMA: pasien Ibu Sari perlu dihubungi. 2 dosis berturut-turut terlewat.")
    assert reverse("admin:reminders_escalation_change", args=[escalation.pk]) in alert
    assert Message.objects.get(kind=Message.Kind.ESCALATION).patient == schedule.patient
    with at(wib(25, 7)):  # still two in a row the next morning, nothing new: no second alert
        run_scheduler()
    assert Escalation.objects.count() == 1 and len(texts_to(ANIS_PHONE)) == 1


def test_the_escalation_is_on_the_today_page_and_handling_it_records_who_and_how(volunteer, ani_on_whatsapp):
    enrol(volunteer=ani_on_whatsapp)
    miss_monday_and_tuesday()
    with at(wib(24, 10, 5)):
        page = volunteer.get(TODAY, headers={"Accept-Language": "id"})
        escalation = Escalation.objects.get()
        [row] = [row for group in page.context["groups"] for row in group.rows if row.kind == "escalation"]
        assert "2 dosis berturut-turut terlewat" in page.content.decode()
        assert "Sudah menelepon" in page.content.decode()
        one_tap = reverse("admin:reminders_escalation_act", args=[escalation.pk, "mark_called"])
        asked = volunteer.post(f"{one_tap}?next={TODAY}", headers={"Accept-Language": "id"}).content.decode()
        assert "Berhasil dihubungi" in asked and "Sudah dicoba, tidak ada yang menjawab" in asked
        assert volunteer.post(f"{one_tap}?next={TODAY}", {"apply": "1", "outcome": "REACHED",
                                                          "note": "obat habis, besok diantar"}).status_code == 302
    escalation.refresh_from_db()
    assert (escalation.handled_by, escalation.handling, escalation.handled_at) == (
        ani_on_whatsapp, "REACHED", wib(24, 10, 5))
    assert escalation.handlings.get().note == "obat habis, besok diantar"
    with at(wib(24, 10, 6)):
        page = volunteer.get(TODAY)
    assert [row for group in page.context["groups"] for row in group.rows if row.kind == "escalation"] == []


def test_once_handled_no_more_escalation_that_day_and_a_new_one_the_next(volunteer, ani_on_whatsapp):
    schedule = enrol(volunteer=ani_on_whatsapp)
    with at(wib(22, 12)):
        evening = make_schedule(schedule.patient, time_of_day=time(14, 0), start_date=wib(24, 12).date())
    miss_monday_and_tuesday()
    with at(wib(24, 10, 10)):
        admin_action(volunteer, "escalation", "mark_visited", Escalation.objects.all(), apply="1", outcome="VISITED")
    with at(wib(24, 14, 0, 30)):
        run_scheduler()
    with at(wib(24, 16, 1)):  # the 14:00 dose missed too: three in a row, the same day
        run_scheduler()
    assert evening.reminders.get().confirmation_status == "MISSED"
    assert Escalation.objects.count() == 1 and len(texts_to(ANIS_PHONE)) == 1
    with at(wib(25, 0, 1)):  # the miss after her visit is not lost: on a new day, a new escalation
        run_scheduler()
    assert [(e.local_date.day, e.count) for e in Escalation.objects.order_by("raised_at")] == [(24, 2), (25, 3)]
    with at(wib(25, 8, 0, 30)):
        run_scheduler()
    with at(wib(25, 10, 1)):  # Wednesday's dose missed too: still one that day
        run_scheduler()
    assert Escalation.objects.count() == 2 and len(texts_to(ANIS_PHONE)) == 2


def test_unhandled_after_the_configured_time_it_goes_to_every_coordinator_once(ani_on_whatsapp, budi):
    enrol(volunteer=ani_on_whatsapp)
    miss_monday_and_tuesday()  # raised at 10:01
    with at(wib(24, 10, 59)):
        run_scheduler()
    assert texts_to(BUDIS_PHONE) == []
    with at(wib(24, 11, 1, 30)):
        assert "escalations_to_coordinators=1" in run_scheduler()
    with at(wib(24, 11, 30)):
        run_scheduler()
    [alert] = texts_to(BUDIS_PHONE)
    assert alert.startswith("PRIMA (koordinator): pasien Ibu Sari perlu dihubungi. 2 dosis berturut-turut terlewat. "
                            "Relawan relawan.ani belum menanganinya dalam 60 menit.")
    assert Escalation.objects.get().coordinators_told_at == wib(24, 11, 1, 30)
    assert len(texts_to(ANIS_PHONE)) == 1


def test_a_handled_escalation_is_not_passed_on_to_the_coordinators(volunteer, ani_on_whatsapp, budi):
    enrol(volunteer=ani_on_whatsapp)
    miss_monday_and_tuesday()
    with at(wib(24, 10, 30)):
        admin_action(volunteer, "escalation", "mark_resolved", Escalation.objects.all(), apply="1",
                     outcome="RESOLVED")
    with at(wib(24, 12)):
        run_scheduler()
    assert texts_to(BUDIS_PHONE) == [] and Escalation.objects.get().coordinators_told_at is None


def test_a_volunteer_without_a_whatsapp_number_means_the_coordinators_are_told_at_once(ani, budi):
    enrol(volunteer=ani)
    miss_monday_and_tuesday()
    escalation = Escalation.objects.get()
    assert escalation.volunteer is None and escalation.coordinators_told_at == wib(24, 10, 1)
    [alert] = texts_to(BUDIS_PHONE)
    assert "Pasien ini tidak punya relawan yang bisa dihubungi lewat WhatsApp." in alert


def test_a_verification_left_unanswered_until_it_expired_is_escalated(ani_on_whatsapp):
    with at(wib(22, 12)):
        patient = make_patient(name="Bapak Budi", volunteer=ani_on_whatsapp,
                               verification_status=Patient.Verification.PENDING)
        send_verification(patient)  # it expires VERIFICATION_EXPIRY_HOURS later
        run_scheduler()
    patient.refresh_from_db()
    expiry = patient.verification_expires_at
    with at(expiry + timedelta(minutes=1)):
        run_scheduler()
    [escalation] = Escalation.objects.all()
    assert escalation.rule == "VERIFICATION_EXPIRED"
    assert "Pertanyaan persetujuan tidak dijawab sampai batas waktunya." in texts_to(ANIS_PHONE)[0]


def test_belum_twice_on_the_same_dose_is_escalated(client, ani_on_whatsapp):
    schedule = enrol(volunteer=ani_on_whatsapp)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, schedule.patient, "belum")
        run_scheduler()
    assert Escalation.objects.count() == 0
    with at(wib(23, 8, 36)):
        run_scheduler()  # the follow-up goes out
    with at(wib(23, 8, 40)):  # after the follow-up
        say(client, schedule.patient, "belum")
        run_scheduler()
    escalation = Escalation.objects.get()
    assert (escalation.rule, escalation.count) == ("NOT_YET_TWICE", 2)
    assert "Pasien menjawab BELUM 2 kali untuk satu dosis." in texts_to(ANIS_PHONE)[0]


def test_belum_and_a_later_a_minute_after_are_one_belum(client, ani_on_whatsapp):
    schedule = enrol(volunteer=ani_on_whatsapp)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, schedule.patient, "blm")
    with at(wib(23, 8, 6)):
        say(client, schedule.patient, "nanti ya")
        run_scheduler()
    assert PatientReply.objects.filter(intent="NOT_YET").count() == 2
    assert Escalation.objects.count() == 0


def test_an_emergency_nobody_marked_handled_in_time_is_escalated(client, ani_on_whatsapp):
    schedule = enrol(volunteer=ani_on_whatsapp)
    with at(wib(23, 9)):
        say(client, schedule.patient, "tolong sesak napas")
        run_scheduler()
    [at_once] = texts_to(ANIS_PHONE)  # the first step: the emergency itself (test_staff_alerts.py)
    assert at_once.startswith("PRIMA DARURAT: pasien Ibu Sari mengirim pesan darurat")
    with at(wib(23, 9, 29)):
        run_scheduler()
    assert Escalation.objects.count() == 0
    with at(wib(23, 9, 30, 30)):
        run_scheduler()
    assert Escalation.objects.get().rule == "EMERGENCY_UNHANDLED"
    assert "Keadaan darurat belum ditandai ditangani." in texts_to(ANIS_PHONE)[1]


def test_rules_can_be_turned_off(settings, ani_on_whatsapp):
    settings.ESCALATION_RULES = ["EMERGENCY_UNHANDLED"]
    enrol(volunteer=ani_on_whatsapp)
    miss_monday_and_tuesday()
    assert Escalation.objects.count() == 0


def test_the_settings_name_every_rule():
    assert sorted(settings.ESCALATION_RULE_NAMES) == sorted(Escalation.Rule.values)


@pytest.mark.django_db(transaction=True)
def test_several_processes_running_the_escalation_step_at_once_make_one_escalation(ani_on_whatsapp):
    with at(wib(24, 10, 1)):
        schedule = make_schedule(make_patient(volunteer=ani_on_whatsapp), start_date=wib(20, 8).date())
        for day in (23, 24):
            due = wib(day, 8)
            make_reminder(schedule, due_at=due, reply_deadline=due + timedelta(hours=2), confirmation_status="MISSED",
                          closed_at=due + timedelta(hours=2))
    results = run_in_processes(raise_escalations, [(wib(24, 10, 1),)] * 8)
    assert sum(result["escalations"] for result in results) == 1
    assert Escalation.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.ESCALATION, phone=ANIS_PHONE).count() == 1
