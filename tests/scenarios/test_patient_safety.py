"""What volunteers and patients ran into over several days (issue 15), each as a story told
through the webhook, the admin and `send_reminders`, with the clock moving across days.

Numbers in the test names are the issue's cases. Days are November 2026 in Jakarta (WIB):
Monday the 23rd, Tuesday the 24th, and so on.
"""
from datetime import time, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from locks.services import acquire_lock, release_lock
from reminders.backends import locmem
from reminders.conversation.consent import send_verification
from reminders.models import Message, Patient, PatientReply, Reminder, ReminderSchedule, StaffNotification
from reminders.workspace.roles import COORDINATOR, VOLUNTEER
from tests.factories import NO_CAREGIVERS, make_patient, make_schedule
from tests.scenarios.helpers import (
    MEDICATION,
    SUCCESS,
    admin_action,
    admin_edit,
    admin_messages,
    at,
    device_says,
    enrol,
    fonnte_answers,
    reminders_to,
    run_scheduler,
    say,
    sent_to,
    staff,
    wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
CONFIRMED, MISSED, PENDING, CANCELLED = "CONFIRMED", "MISSED", "PENDING", "CANCELLED"


def doses(schedule: ReminderSchedule) -> list[tuple[int, str]]:
    return [(dose.local_date.day, dose.confirmation_status) for dose in schedule.reminders.order_by("local_date")]


# 1 ------------------------------------------------------------------------------------------

def test_1_the_same_sudah_on_two_mornings_confirms_each_days_dose(client):
    schedule = enrol()
    patient = schedule.patient
    for day in (23, 24):
        with at(wib(day, 8, 0, 30)):
            run_scheduler()
        with at(wib(day, 8, 5)):  # an old-style payload: no inboxid, the same text both days
            assert say(client, patient, "Sudah", inboxid=False) == "processed"
    with at(wib(24, 8, 6)):  # Fonnte delivers Tuesday's answer again a minute later
        assert say(client, patient, "Sudah", inboxid=False) == "duplicate"
    with at(wib(24, 12)):
        run_scheduler()
    assert doses(schedule) == [(23, CONFIRMED), (24, CONFIRMED)]
    acknowledgements = [body for body in sent_to(patient) if body not in reminders_to(patient)]
    assert len(acknowledgements) == 2 and len(reminders_to(patient)) == 2


# 2 ------------------------------------------------------------------------------------------

def test_2_moving_a_dose_already_sent_makes_no_second_reminder_that_day(volunteer, ani):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 40)):
        admin_edit(volunteer, schedule, time_of_day="08:30")
        run_scheduler()
    with at(wib(23, 9, 0)):
        run_scheduler()
    assert len(reminders_to(schedule.patient)) == 1
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert len(reminders_to(schedule.patient)) == 1  # Tuesday's dose is at 08:30 now
    with at(wib(24, 8, 30, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient)[-1] == "Halo Ibu Sari, waktunya minum obat (08:30)."
    assert [dose.local_date.day for dose in schedule.reminders.all()] == [24, 23]


def test_2_correcting_the_time_zone_after_the_dose_went_out_makes_no_second_reminder(volunteer, ani):
    schedule = enrol(volunteer=ani)
    patient = schedule.patient
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 40)):  # 09:40 in Makassar: "her 08:00" has passed too, and she was reminded
        admin_edit(volunteer, patient, time_zone="Asia/Makassar")
        run_scheduler()
    with at(wib(23, 12)):
        run_scheduler()
    assert len(reminders_to(patient)) == 1
    with at(wib(24, 7, 0, 30)):  # 08:00 WITA
        run_scheduler()
    assert len(reminders_to(patient)) == 2
    assert Reminder.objects.get(local_date=wib(24, 7).date()).due_at == wib(24, 7)


def test_2_a_dose_not_sent_yet_moves_with_the_schedule(volunteer, ani, client):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 7, 58)):  # the next probe of the device would be at 08:03
        device_says(client, "disconnect", reason="phone off")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()  # today's dose is made, and waits for the device
    with at(wib(23, 8, 5)):
        admin_edit(volunteer, schedule, time_of_day="09:00")
    with at(wib(23, 8, 10)):
        device_says(client, "connect")
        run_scheduler()
    assert reminders_to(schedule.patient) == []
    with at(wib(23, 9, 0, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (09:00)."]
    assert schedule.reminders.get().due_at == wib(23, 9)


# 3 ------------------------------------------------------------------------------------------

def opt_out_and_back(client, volunteer, patient):
    with at(wib(23, 7)):
        say(client, patient, "BERHENTI")
    return lambda: say(client, patient, "MULAI")


def pause_and_resume(client, volunteer, patient):
    with at(wib(23, 7)):
        admin_action(volunteer, "patient", "pause_reminders", [patient], apply="1", kind="HOSPITAL")
    return lambda: admin_action(volunteer, "patient", "resume_reminders", [patient])


def unverified_then_verified(client, volunteer, patient):
    with at(wib(23, 7)):
        Patient.objects.filter(id=patient.id).update(verification_status=Patient.Verification.PENDING)
        send_verification(patient)
    return lambda: say(client, patient, "YA")


@pytest.mark.parametrize("story", [opt_out_and_back, pause_and_resume, unverified_then_verified])
@pytest.mark.parametrize("scheduler_ran_at_eight", [True, False])
def test_3_a_dose_the_patient_was_not_due_to_receive_is_never_sent_late(client, volunteer, ani, story,
                                                                         scheduler_ran_at_eight):
    schedule = enrol(volunteer=ani)
    patient = schedule.patient
    come_back = story(client, volunteer, patient)
    if scheduler_ran_at_eight:
        with at(wib(23, 8, 0, 30)):
            run_scheduler()
    with at(wib(23, 9, 50)):
        come_back()
        run_scheduler()
    with at(wib(23, 9, 51)):
        run_scheduler()
    assert reminders_to(patient) == []
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    assert reminders_to(patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]


def test_3_after_our_own_outage_a_due_dose_still_goes_out_within_the_catch_up(settings):
    settings.REMINDER_CATCH_UP_MINUTES = 120
    schedule = enrol()
    with at(wib(23, 9, 30)):  # the scheduler was down from 07:55 to 09:30
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]


# 4 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("action, model", [("send_now", "reminder"), ("retry", "message")])
def test_4_a_volunteers_resend_of_a_failed_reminder_goes_out(volunteer, ani, fonnte, action, model):
    fonnte_answers(fonnte, {"status": False, "reason": "target invalid"}, SUCCESS)
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    dose = schedule.reminders.get()
    message = dose.messages.get()
    assert (dose.confirmation_status, message.status) == (MISSED, "FAILED")
    with at(wib(23, 8, 20)):
        picked = [dose] if model == "reminder" else [message]
        response = admin_action(volunteer, model, action, picked)
        assert "queued again" in " ".join(admin_messages(response))
        run_scheduler()
    dose.refresh_from_db(), message.refresh_from_db()
    assert (message.status, dose.confirmation_status, dose.sent_at is not None) == ("SENT", PENDING, True)
    assert len(fonnte.calls) == 2


def test_4_a_resend_past_the_catch_up_limit_is_refused_on_the_spot_with_the_reason(volunteer, ani, fonnte, settings):
    settings.REMINDER_CATCH_UP_MINUTES = 120
    fonnte_answers(fonnte, {"status": False, "reason": "target invalid"}, SUCCESS)
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 10, 30)):
        response = admin_action(volunteer, "reminder", "send_now", schedule.reminders.all())
        run_scheduler()
    said = " ".join(admin_messages(response))
    assert "0 failed reminder(s) queued again" in said and "too late: due 2026-11-23 08:00" in said
    assert schedule.reminders.get().messages.get().status == "FAILED"
    assert len(fonnte.calls) == 1


# 5 and 13: the token --------------------------------------------------------------------------

def test_5_a_revoked_token_pauses_sending_burns_no_attempt_and_resumes_when_fixed(client, fonnte, settings):
    fonnte_answers(fonnte, {"status": False, "reason": "invalid token"})
    patients = [enrol(name=f"Pasien {n}").patient for n in range(3)]
    coordinator = staff("koordinator", COORDINATOR)
    with at(wib(23, 8, 0, 30)):
        assert run_scheduler().startswith("error: Sending is paused: invalid token.")
    with at(wib(23, 8, 2)):
        assert run_scheduler().startswith("error: Sending is paused")  # nothing tried before the next probe
        client.force_login(coordinator)
        health = client.get(reverse("admin:reminders_schedulerheartbeat_changelist")).content.decode()
        healthz = client.get("/healthz")
    # The three were in flight together (SEND_CONCURRENCY); each refusal is free, none is tried again.
    assert len(fonnte.calls) == 3
    messages = Message.objects.filter(kind="REMINDER")
    assert [(m.status, m.attempts) for m in messages] == [("QUEUED", 0)] * 3
    assert "invalid token" in health
    assert healthz.status_code == 503 and "invalid token" in healthz.json()["sending"]
    settings.FONNTE_TOKEN = "device-token-2"  # the operator fixes the setting and restarts
    fonnte.replace("POST", "https://api.fonnte.com/send", json=SUCCESS)
    with at(wib(23, 8, 3)):
        assert "sent=3" in run_scheduler()
    messages = Message.objects.filter(kind="REMINDER")
    assert {(m.status, m.attempts) for m in messages} == {("SENT", 1)}
    assert len(fonnte.calls) == 6 and {m.patient for m in messages} == set(patients)


def test_5_an_exhausted_quota_pauses_until_a_probe_goes_through(fonnte, settings):
    settings.SENDING_PAUSE_PROBE_SECONDS = 300
    settings.SEND_CONCURRENCY = 1  # one call at a time: the first refusal holds back the rest
    fonnte_answers(fonnte, {"status": False, "reason": "insufficient quota"}, SUCCESS)
    for n in range(3):
        enrol(name=f"Pasien {n}")
    with at(wib(23, 8, 0, 30)):
        assert run_scheduler().startswith("error: Sending is paused: insufficient quota.")
    with at(wib(23, 8, 3)):  # before the probe: nothing is tried
        assert run_scheduler().startswith("error: Sending is paused: insufficient quota.")
    assert len(fonnte.calls) == 1
    with at(wib(23, 8, 6)):  # the quota was topped up; the probe is due
        assert "sent=3" in run_scheduler()
    assert len(fonnte.calls) == 4
    assert {(m.status, m.attempts) for m in Message.objects.all()} == {("SENT", 1)}


# 6 ------------------------------------------------------------------------------------------

@pytest.fixture
def medication_and_appointment():
    medication = enrol(at_time=time(8, 0))
    with at(wib(22, 12)):
        appointment = make_schedule(medication.patient, kind=ReminderSchedule.Kind.APPOINTMENT, time_of_day=time(8, 15),
                                    message_template="{nama}, besok kontrol ke puskesmas jam 09:00.",
                                    start_date=wib(22, 12).date())
    with at(wib(23, 8, 15, 30)):
        run_scheduler()
    assert len(sent_to(medication.patient)) == 2
    return medication, appointment


def test_6_sudah_minum_obat_confirms_the_medication_not_the_newer_appointment(client, medication_and_appointment):
    medication, appointment = medication_and_appointment
    with at(wib(23, 8, 20)):
        say(client, medication.patient, "sudah minum obat")
    assert (doses(medication), doses(appointment)) == ([(23, CONFIRMED)], [(23, PENDING)])
    with at(wib(23, 8, 25)):
        say(client, medication.patient, "HADIR")
    with at(wib(23, 12)):
        run_scheduler()
    assert (doses(medication), doses(appointment)) == ([(23, CONFIRMED)], [(23, CONFIRMED)])
    assert appointment.reminders.get().appointment_answer == "ATTENDING"


def test_6_a_bare_sudah_with_both_kinds_waiting_is_for_a_volunteer_not_a_guess(client, medication_and_appointment):
    medication, appointment = medication_and_appointment
    with at(wib(23, 8, 20)):
        say(client, medication.patient, "sudah")
        run_scheduler()
    assert (doses(medication), doses(appointment)) == ([(23, PENDING)], [(23, PENDING)])
    reply = PatientReply.objects.get()
    assert reply.needs_attention and "several kinds" in reply.outcome
    assert "SUDAH MINUM OBAT" in sent_to(medication.patient)[-1]


# 7 ------------------------------------------------------------------------------------------

def test_7_a_reply_received_before_its_window_closed_counts_however_late_it_is_processed(client, settings):
    settings.REPLY_WINDOW_MINUTES = 120
    settings.PATIENT_LOCK_WAIT_SECONDS = 0.1
    schedule = enrol()
    patient = schedule.patient
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    deadline = schedule.reminders.get().reply_deadline
    with at(deadline - timedelta(seconds=20)):
        lease = acquire_lock(f"patient:{patient.id}", ttl=60)  # another of her replies is being applied
        assert say(client, patient, "sudah") == "failed"
        release_lock(lease)
    with at(deadline + timedelta(minutes=5)):
        run_scheduler()  # the tick closes the dose, then its sweeper applies the reply
    assert doses(schedule) == [(23, CONFIRMED)]
    assert schedule.reminders.get().confirmed_at == deadline - timedelta(seconds=20)


# 8 ------------------------------------------------------------------------------------------

def test_8_send_todays_reminders_now_sends_only_the_passed_doses_and_later_ones_keep_their_time(volunteer, ani):
    schedule = enrol(volunteer=ani, verification_status=Patient.Verification.PENDING)
    with at(wib(22, 12)):
        evening = make_schedule(schedule.patient, time_of_day=time(20, 0), message_template=MEDICATION,
                                start_date=wib(22, 12).date())
    with at(wib(23, 8, 0, 30)):
        run_scheduler()  # not verified yet: no 08:00 reminder
    with at(wib(23, 8, 30)):
        admin_action(volunteer, "patient", "verify_by_hand", [schedule.patient], apply="1", note="setuju lewat telepon")
    with at(wib(23, 9, 0)):
        response = admin_action(volunteer, "patient", "send_todays_reminders", [schedule.patient])
        assert "1 reminder(s) of today queued to go now" in " ".join(admin_messages(response))
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]
    with at(wib(23, 19, 59)):
        run_scheduler()
    assert len(reminders_to(schedule.patient)) == 1
    with at(wib(23, 20, 0, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient)[-1] == "Halo Ibu Sari, waktunya minum obat (20:00)."
    assert [dose.local_date.day for dose in evening.reminders.all()] == [23]


# 9 ------------------------------------------------------------------------------------------

def test_9_one_row_the_scheduler_cannot_read_stops_nobody_else(client, caplog, settings):
    good = enrol(name="Ibu Sari")
    bad = enrol(name="Bapak Made")
    Patient.objects.filter(id=bad.patient_id).update(time_zone="WIB")  # written by an old import
    with at(wib(23, 7, 59)):
        say(client, make_patient(name="Ibu Yohana"), "darurat, sesak napas")
    with at(wib(23, 8, 0, 30)):
        summary = run_scheduler()
    assert reminders_to(good.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]
    bad.refresh_from_db()
    assert "WIB" in bad.scheduling_problem and bad.next_due_at is None
    assert f"schedule_id={bad.id}" in caplog.text and "schedule_problems=1" in summary
    assert any("119" in entry.body for entry in locmem.outbox)  # the emergency answer went out too
    health_page_lists(client, settings, bad, good)


def health_page_lists(client, settings, schedule, fine):
    client.force_login(staff("koordinator", COORDINATOR))
    page = client.get(reverse("admin:reminders_schedulerheartbeat_changelist")).content.decode()
    assert f"(#{schedule.id})" in page and "WIB" in page
    assert client.get("/healthz").json()["schedule_problems"] == 1
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "s3cret", []
    metrics = client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).content.decode()
    assert "prima_schedule_problems 1.0" in metrics
    problems = client.get(reverse("admin:reminders_reminderschedule_changelist") + "?problem=yes")
    assert schedule.patient.name in problems.content.decode() and fine.patient.name not in problems.content.decode()


def test_9_when_the_tick_itself_fails_the_queued_emergency_answer_still_goes_out(client, monkeypatch):
    from reminders import scheduler

    def broken(now):
        raise RuntimeError("a bug in the scheduler")

    monkeypatch.setattr(scheduler, "create_due_doses", broken)
    enrol()
    with at(wib(23, 7, 59)):
        say(client, make_patient(name="Ibu Yohana"), "darurat")
    with at(wib(23, 8, 0, 30)):
        summary = run_scheduler()
    assert "tick_errors=1" in summary and "sent=1" in summary
    assert "119" in locmem.outbox[0].body
    client.force_login(staff("koordinator", COORDINATOR))
    health = client.get(reverse("admin:reminders_schedulerheartbeat_changelist")).content.decode()
    assert "a bug in the scheduler" in health
    status = StringIO()
    call_command("prima_status", stdout=status)
    assert "last tick failure at" in status.getvalue() and "a bug in the scheduler" in status.getvalue()


def test_9_the_model_and_the_admin_refuse_a_time_zone_the_scheduler_cannot_read(volunteer, ani):
    patient = make_patient(volunteer=ani)
    patient.time_zone = "WIB"
    with pytest.raises(ValidationError):
        patient.save()
    url = reverse("admin:reminders_patient_change", args=[patient.pk])
    page = volunteer.get(url)
    data = {"name": patient.name, "phone": patient.phone, "time_zone": "WIB", "verification_status": "VERIFIED",
            "is_active": "on", "schedules-TOTAL_FORMS": "0", "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS}
    response = volunteer.post(url, data)
    assert page.status_code == 200 and response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors


# 10 -----------------------------------------------------------------------------------------

@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMERGENCY_EMAIL_FALLBACK = []
    return mail.outbox


def emergency(client, patient, django_capture_on_commit_callbacks):
    with at(wib(23, 10)), django_capture_on_commit_callbacks(execute=True):
        say(client, patient, "tolong, sesak napas")
        run_scheduler()
    return PatientReply.objects.get(intent="EMERGENCY")


def test_10_the_volunteer_is_emailed_and_the_patient_told_so(client, ani, mailbox, django_capture_on_commit_callbacks):
    patient = make_patient(volunteer=ani)
    reply = emergency(client, patient, django_capture_on_commit_callbacks)
    assert [m.to for m in mailbox] == [["ani@relawan.id"]]
    assert [(n.recipient, n.role, n.status) for n in reply.notifications.all()] == [(ani, "volunteer", "SENT")]
    assert "Kami sedang memberi tahu relawan Anda." in sent_to(patient)[0]


def test_10_a_volunteer_without_email_means_every_coordinator_is_told(client, mailbox,
                                                                       django_capture_on_commit_callbacks):
    patient = make_patient(volunteer=staff("relawan.budi", VOLUNTEER))
    staff("koordinator.a", COORDINATOR, "a@prima.id")
    staff("koordinator.b", COORDINATOR, "b@prima.id")
    staff("koordinator.c", COORDINATOR)  # no address: cannot be told
    reply = emergency(client, patient, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mailbox) == ["a@prima.id", "b@prima.id"]
    assert {n.status for n in reply.notifications.all()} == {"SENT"}
    answer = sent_to(patient)[0]
    assert "relawan" not in answer.lower() and "Kami sedang memberi tahu tim PRIMA." in answer


def test_10_when_nobody_can_be_told_the_patient_is_not_told_otherwise(client, mailbox,
                                                                       django_capture_on_commit_callbacks):
    patient = make_patient()
    reply = emergency(client, patient, django_capture_on_commit_callbacks)
    assert mailbox == [] and not reply.notifications.exists()
    assert "nobody notified" in reply.outcome
    answer = sent_to(patient)[0]
    assert "memberi tahu" not in answer and "relawan" not in answer.lower() and "tim prima" not in answer.lower()
    assert "telepon 119" in answer


def test_10_a_volunteer_email_that_fails_is_recorded_and_the_coordinators_told(client, ani, settings,
                                                                                django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.scenarios.mail.RefusesVolunteersBackend"
    staff("koordinator", COORDINATOR, "koordinator@prima.id")
    patient = make_patient(volunteer=ani)
    reply = emergency(client, patient, django_capture_on_commit_callbacks)
    told = {(n.address, n.status) for n in reply.notifications.all()}
    assert told == {("ani@relawan.id", "PENDING"), ("koordinator@prima.id", "SENT")}  # the team at once
    for minutes in (3, 6):  # the volunteer's address is tried again, then given up on
        with at(wib(23, 10, minutes)), django_capture_on_commit_callbacks(execute=True):
            run_scheduler()
    failed = StaffNotification.objects.get(address="ani@relawan.id")
    assert (failed.status, failed.attempts) == ("FAILED", 3) and "SMTPRecipientsRefused" in failed.error


def test_10_the_demo_volunteers_have_emails():
    call_command("seed_demo", stdout=StringIO())
    assert all(user.email for user in get_user_model().objects.filter(username__startswith="relawan."))


# 11 -----------------------------------------------------------------------------------------

def test_11_a_ten_digit_mobile_typed_locally_is_found_when_fonnte_writes_it_with_62(client):
    schedule = enrol(phone="0812345678")
    assert schedule.patient.phone == "+62812345678"
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        assert say(client, schedule.patient, "sudah", sender="62812345678") == "processed"
    assert doses(schedule) == [(23, CONFIRMED)]


# 12 -----------------------------------------------------------------------------------------

def test_12_a_cancelled_dose_is_closed_as_cancelled_not_pending_for_ever(client, volunteer, ani):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 2)):
        admin_action(volunteer, "reminder", "cancel", schedule.reminders.all())
    with at(wib(24, 12)):
        device_says(client, "connect")
        run_scheduler()
    dose = schedule.reminders.get(local_date=wib(23, 8).date())
    assert (dose.confirmation_status, dose.close_reason, dose.reply_deadline) == (CANCELLED, "cancelled by relawan.ani",
                                                                                   None)
    assert not Reminder.objects.needing_update().filter(id=dose.id).exists()
    assert reminders_to(schedule.patient) == []


def test_12_a_dose_never_delivered_is_missed_with_its_reason_and_no_reply_window(fonnte):
    fonnte_answers(fonnte, {"status": False, "reason": "target invalid"})
    schedule = enrol()
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    dose = schedule.reminders.get()
    assert (dose.confirmation_status, dose.close_reason, dose.reply_deadline, dose.sent_at) == (
        MISSED, "target invalid", None, None)
    assert Reminder.objects.needing_update().filter(id=dose.id).exists()


def test_12_a_queued_message_goes_to_the_number_the_volunteer_corrected(client, volunteer, ani):
    schedule = enrol(volunteer=ani, phone="081200000001")
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 2)):
        admin_edit(volunteer, schedule.patient, phone="0812 0000 0099")
        device_says(client, "connect")
        run_scheduler()
    assert [(entry.phone, entry.body[:19]) for entry in locmem.outbox] == [("+6281200000099", "Halo Ibu Sari, wakt")]


def test_12_a_lost_connect_webhook_blocks_sending_one_probe_interval_at_most(client, settings):
    settings.SENDING_PAUSE_PROBE_SECONDS = 300
    schedule = enrol()
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")  # the phone comes back at 07:59, but its webhook is lost
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient) == []  # held back, attempts untouched
    assert schedule.reminders.get().messages.get().attempts == 0
    with at(wib(23, 8, 3, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]
    assert "paused" not in client.get("/healthz").json()["sending"]  # (it names the test's in-memory backend)


# 12 (the follow-up race) and 13 use real processes: test_patient_safety_processes.py.
