"""Variations of issue 15's cases found when the change was reviewed and tried out as users
would: each was a dose sent twice, a reply lost, or a volunteer told something untrue."""
import json
import smtplib
from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from reminders.models import Message, PatientReply, Reminder
from reminders.workspace.roles import COORDINATOR
from tests.factories import make_patient, make_schedule
from tests.scenarios.helpers import (
    DEVICE,
    SECRET,
    SUCCESS,
    admin_action,
    admin_edit,
    admin_messages,
    at,
    device_says,
    enrol,
    reminders_to,
    run_scheduler,
    say,
    sent_to,
    staff,
    wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]


def texts_sent_through(mock) -> list[str]:
    from urllib.parse import parse_qs

    return [parse_qs(call.request.body)["message"][0] for call in mock.calls]


# Edits -------------------------------------------------------------------------------------

def test_a_night_dose_moved_past_midnight_after_it_was_sent_is_not_sent_again_that_night(volunteer, ani):
    schedule = enrol(volunteer=ani, at_time=time(23, 30))
    with at(wib(23, 23, 30, 30)):
        run_scheduler()
    with at(wib(23, 23, 45)):  # "she takes it just after midnight"
        admin_edit(volunteer, schedule, time_of_day="00:15")
        run_scheduler()
    with at(wib(24, 0, 15, 30)):
        run_scheduler()
    assert len(reminders_to(schedule.patient)) == 1  # 45 minutes after the last one: not again
    with at(wib(25, 0, 15, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient)[-1] == "Halo Ibu Sari, waktunya minum obat (00:15)."


@pytest.mark.parametrize("later", ["09:00", "20:00"])
def test_a_dose_moved_later_while_the_device_is_down_is_not_sent_early_when_it_reconnects(volunteer, ani, client,
                                                                                        settings, later):
    settings.SENDING_PAUSE_PROBE_SECONDS = 3600
    schedule = enrol(volunteer=ani)
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect", reason="phone off")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()  # made, and held back by the pause
    with at(wib(23, 8, 5)):
        admin_edit(volunteer, schedule, time_of_day=later)
        run_scheduler()  # the next cron run moves it
    with at(wib(23, 8, 10)):
        device_says(client, "connect")
        run_scheduler()
    assert reminders_to(schedule.patient) == []
    hour, minute = map(int, later.split(":"))
    with at(wib(23, hour, minute, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient) == [f"Halo Ibu Sari, waktunya minum obat ({later})."]


def test_a_dose_moved_later_during_a_token_pause_is_not_sent_early_when_the_token_is_fixed(volunteer, ani, fonnte,
                                                                                         settings):
    fonnte.add("POST", "https://api.fonnte.com/send", json={"status": False, "reason": "invalid token"})
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        admin_edit(volunteer, schedule, time_of_day="12:00")
        run_scheduler()
    settings.FONNTE_TOKEN = "device-token-2"
    fonnte.replace("POST", "https://api.fonnte.com/send", json=SUCCESS)
    with at(wib(23, 8, 10)):
        run_scheduler()
    assert len(fonnte.calls) == 1
    [dose] = Reminder.objects.filter(schedule=schedule)  # moved, not made again
    held = dose.messages.get()
    assert (dose.due_at, held.status, held.attempts) == (wib(23, 12), "QUEUED", 0)
    assert held.send_after >= wib(23, 12)
    with at(wib(23, 12, 0, 30)):
        run_scheduler()
    assert texts_sent_through(fonnte) == ["Halo Ibu Sari, waktunya minum obat (08:00).",  # refused: bad token
                                          "Halo Ibu Sari, waktunya minum obat (12:00)."]


def test_a_zone_corrected_while_the_dose_waits_moves_it_to_her_own_eight(volunteer, ani, client):
    schedule = enrol(volunteer=ani, time_zone="Asia/Jayapura")  # entered as WIT by mistake
    with at(wib(23, 5, 58)):
        device_says(client, "disconnect")
    with at(wib(23, 6, 0, 30)):  # 08:00 WIT
        run_scheduler()
    with at(wib(23, 6, 5)):
        admin_edit(volunteer, schedule.patient, time_zone="Asia/Jakarta")
        run_scheduler()
    with at(wib(23, 6, 10)):
        device_says(client, "connect")
        run_scheduler()
    assert reminders_to(schedule.patient) == []
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]


@pytest.mark.parametrize("correction, text", [
    ({"message_template": "Halo {nama}, waktunya minum obat pereda nyeri ({waktu})."},
     "Halo Ibu Sari, waktunya minum obat pereda nyeri (08:00)."),
    ({"name": "Ibu Sari"}, "Halo Ibu Sari, waktunya minum obat (08:00)."),
])
def test_a_text_corrected_while_the_dose_waits_goes_out_corrected(volunteer, ani, client, correction, text):
    schedule = enrol(name="Ibu Sary", volunteer=ani)
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 2)):
        admin_edit(volunteer, schedule if "message_template" in correction else schedule.patient, **correction)
        if "message_template" in correction:
            admin_edit(volunteer, schedule.patient, name="Ibu Sari")
        run_scheduler()
    with at(wib(23, 8, 3)):
        device_says(client, "connect")
        run_scheduler()
    assert sent_to(schedule.patient) == [text]


def test_a_weekday_removed_by_mistake_and_put_back_the_same_morning_still_reminds(volunteer, ani, client):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 2)):
        admin_edit(volunteer, schedule, weekdays=["1", "2", "3", "4", "5", "6"])  # Monday unticked
        run_scheduler()
        assert schedule.reminders.get().confirmation_status == "CANCELLED"
    with at(wib(23, 8, 4)):
        admin_edit(volunteer, schedule, weekdays=["0", "1", "2", "3", "4", "5", "6"])
        run_scheduler()
    with at(wib(23, 8, 6)):
        device_says(client, "connect")
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (08:00)."]


# Resends and cancels ---------------------------------------------------------------------

@pytest.mark.parametrize("action, model", [("send_now", "reminder"), ("retry", "message"),
                                           ("send_todays_reminders", "patient")])
def test_a_reminder_fonnte_accepted_then_reported_failed_can_be_resent(volunteer, ani, client, action, model):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    message = schedule.reminders.get().messages.get()
    with at(wib(23, 8, 2)):
        payload = {"device": DEVICE, "id": message.provider_message_id, "stateid": "s1", "status": "failed"}
        client.post(f"/webhooks/fonnte/{SECRET}/status/", data=json.dumps(payload), content_type="application/json")
    dose = schedule.reminders.get()
    assert (dose.confirmation_status, dose.sent_at, dose.close_reason[:13]) == ("MISSED", None, "not delivered")
    with at(wib(23, 8, 10)):
        picked = {"reminder": [dose], "message": [message], "patient": [schedule.patient]}[model]
        response = admin_action(volunteer, model, action, picked)
        run_scheduler()
    assert len(reminders_to(schedule.patient)) == 2, admin_messages(response)
    assert schedule.reminders.get().confirmation_status == "PENDING"


def test_a_resend_minutes_before_the_catch_up_limit_is_refused_on_the_spot(volunteer, ani, fonnte, settings):
    settings.REMINDER_CATCH_UP_MINUTES = 120
    fonnte.add("POST", "https://api.fonnte.com/send", json={"status": False, "reason": "target invalid"})
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 9, 59, 40)):
        response = admin_action(volunteer, "reminder", "send_now", schedule.reminders.all())
    said = " ".join(admin_messages(response))
    assert "0 failed reminder(s) queued again" in said and "too late" in said


def test_cancelling_a_dose_already_sent_says_it_still_waits_for_the_answer(volunteer, ani):
    schedule = enrol(volunteer=ani)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 10)):
        response = admin_action(volunteer, "reminder", "cancel", schedule.reminders.all())
    assert any("already been sent" in said for said in admin_messages(response))
    assert schedule.reminders.get().confirmation_status == "PENDING"


def test_a_dose_cancelled_while_its_reminder_was_in_flight_still_takes_the_patients_answer(client, ani):
    from reminders.backends.locmem import LocmemBackend
    from reminders.outbox.sending import claim_due_messages, deliver
    from reminders.workspace.volunteer_actions import cancel_reminders
    from tests.factories import materialise

    schedule = enrol(volunteer=ani)

    class VolunteerCancelsDuringTheCall(LocmemBackend):
        def send(self, phone, body, sender=None):
            cancel_reminders(Reminder.objects.filter(schedule=schedule), ani)
            return super().send(phone, body)

    with at(wib(23, 8, 0, 30)):
        assert materialise() == 1
        for claim in claim_due_messages(10).claims:
            deliver(claim, VolunteerCancelsDuringTheCall())
    with at(wib(23, 8, 5)):
        say(client, schedule.patient, "sudah")
    dose = schedule.reminders.get()
    assert (dose.confirmation_status, PatientReply.objects.get().outcome) == ("CONFIRMED", "1 reminder(s) confirmed")


# Replies -----------------------------------------------------------------------------------

def test_a_quick_sudah_stamped_by_a_clock_a_minute_slow_still_confirms(client):
    schedule = enrol()
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 1)):  # answered 30 s after the reminder; Fonnte's stamp is 60 s slow
        say(client, schedule.patient, "sudah", timestamp=str(int(wib(23, 8, 0, 0).timestamp())))
    assert schedule.reminders.get().confirmation_status == "CONFIRMED"


def test_two_sudah_for_two_doses_a_quarter_hour_apart_confirm_both_without_inboxid(client):
    first = enrol(at_time=time(8, 0))
    with at(wib(22, 12)):
        second = make_schedule(first.patient, time_of_day=time(8, 15), start_date=wib(22, 12).date(),
                               message_template="Halo {nama}, waktunya minum obat kedua ({waktu}).")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        assert say(client, first.patient, "Sudah", inboxid=False) == "processed"
    with at(wib(23, 8, 6)):  # Fonnte's redelivery of that one is still a duplicate
        assert say(client, first.patient, "Sudah", inboxid=False) == "duplicate"
    with at(wib(23, 8, 15, 30)):
        run_scheduler()
    with at(wib(23, 8, 20)):
        assert say(client, first.patient, "Sudah", inboxid=False) == "processed"
    assert [first.reminders.get().confirmation_status, second.reminders.get().confirmation_status] == [
        "CONFIRMED", "CONFIRMED"]


# Emergencies -------------------------------------------------------------------------------

class MailServerDown(EmailBackend):
    down = True

    def send_messages(self, messages):
        if MailServerDown.down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_an_emergency_during_a_short_mail_outage_still_reaches_someone(client, ani, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.scenarios.test_patient_safety_variations.MailServerDown"
    settings.EMERGENCY_EMAIL_FALLBACK = []
    staff("koordinator", COORDINATOR, "koordinator@prima.id")
    patient = make_patient(volunteer=ani)
    MailServerDown.down = True
    with at(wib(23, 10)), django_capture_on_commit_callbacks(execute=True):
        say(client, patient, "tolong, sesak napas")
    MailServerDown.down = False  # the mail server is back a minute later
    for minute in (3, 6):
        with at(wib(23, 10, minute)), django_capture_on_commit_callbacks(execute=True):
            run_scheduler()
    reply = PatientReply.objects.get(intent="EMERGENCY")
    assert {n.status for n in reply.notifications.all()} == {"SENT"}
    assert sorted(m.to[0] for m in mail.outbox) == ["ani@relawan.id", "koordinator@prima.id"]


def test_the_health_page_counts_an_emergency_nobody_could_be_told_about(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMERGENCY_EMAIL_FALLBACK = []
    with at(wib(23, 10)):
        say(client, make_patient(), "darurat")
        client.force_login(staff("koordinator", COORDINATOR))
        from django.urls import reverse

        page = client.get(reverse("admin:reminders_schedulerheartbeat_changelist")).content.decode()
    assert "could not be told to anyone" in page


# The clock ---------------------------------------------------------------------------------

def test_a_message_queued_by_a_host_whose_clock_runs_ahead_is_due_by_the_databases(monkeypatch):
    from django.utils import timezone

    from reminders.outbox.queue import queue_message
    from reminders.outbox.sending import Claim, claim_message

    patient = make_patient()
    host_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: host_now() + timedelta(seconds=5))
    message = queue_message(patient, "emergency", priority=1, told="")
    monkeypatch.setattr(timezone, "now", host_now)
    assert isinstance(claim_message(message.id), Claim)


def test_a_change_of_the_backends_settings_makes_a_new_backend(settings):
    from reminders.backends import get_backend

    settings.FONNTE_TOKEN, settings.WHATSAPP_BACKEND = "one", "reminders.backends.fonnte.FonnteBackend"
    settings.FONNTE_BASE_URL = "http://127.0.0.1:1"
    first = get_backend()
    settings.FONNTE_BASE_URL = "http://127.0.0.1:2"
    assert get_backend() is not first and get_backend().url == "http://127.0.0.1:2/send"


def test_messages_held_by_a_pause_are_marked_in_a_column_not_in_their_error(client):
    schedule = enrol()
    with at(wib(23, 7, 58)):
        device_says(client, "disconnect")
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert Message.objects.filter(reminder__schedule=schedule, held_by_pause=True).count() == 1


def test_an_evening_dose_moved_to_the_morning_waits_half_a_day_from_the_last_reminder(volunteer, ani, outbox):
    """docs/doses.md: two reminders of one schedule are at least 12 hours apart, whatever the edit."""
    schedule = enrol(volunteer=ani, at_time=time(20, 0))
    with at(wib(23, 20, 0, 30)):
        run_scheduler()
    with at(wib(23, 21)):
        admin_edit(volunteer, schedule, time_of_day="07:00")
        run_scheduler()
    with at(wib(24, 7, 0, 30)):  # 11 hours after Monday's 20:00
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (20:00)."]
    with at(wib(25, 7, 0, 30)):
        run_scheduler()
    assert reminders_to(schedule.patient) == ["Halo Ibu Sari, waktunya minum obat (20:00).",
                                              "Halo Ibu Sari, waktunya minum obat (07:00)."]
