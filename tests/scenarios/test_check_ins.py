"""Issue 20: the weekly check-in. "How are you this week?" asked once a week at the patient's
day and time, whatever runs and whatever a volunteer edits; the answer read as fine, not well
or an emergency, and not well told to the volunteer as an escalation. Told through the webhook,
the admin and `send_reminders`, the clock moving across weeks (November 2026, Jakarta: Monday
the 23rd, Monday the 30th, Monday 7 December)."""
from datetime import time, timedelta

import pytest
from django.urls import reverse

from reminders.backends import locmem
from reminders.conversation.check_ins import ask_due_check_ins
from reminders.models import Caregiver, CheckIn, Escalation, Message, Patient
from tests.factories import make_patient, make_schedule
from tests.processes import run_in_processes
from tests.scenarios.helpers import (
    ANIS_PHONE, MEDICATION, admin_edit, admin_messages, at, introduction, run_scheduler, say, sent_to, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
QUESTION = "Bagaimana kabar Anda minggu ini?"
TODAY = reverse("admin:index")


@pytest.fixture
def sari(ani_on_whatsapp) -> Patient:
    """Ibu Sari, asked every Monday at 10:00 (set up the Sunday before)."""
    with at(wib(22, 12)):
        return make_patient(name="Ibu Sari", volunteer=ani_on_whatsapp, check_in_day=0, check_in_time=time(10, 0))


def questions_to(patient: Patient) -> list[str]:
    return [body for body in sent_to(patient) if QUESTION in body]


def alerts_to_ani() -> list[str]:
    return [entry.body for entry in locmem.outbox if entry.phone == ANIS_PHONE]


def asked_on_monday(patient: Patient) -> CheckIn:
    with at(wib(23, 10, 0, 30)):
        run_scheduler()
    return patient.check_ins.get()


def answer_on_monday(client, patient: Patient, text: str, writer=None) -> CheckIn:
    """Asked at 10:00; `text` written at 11:00 (by the patient, or `writer`); the scheduler runs
    a minute later (the thanks go out, the escalations are raised). The check-in as it is then."""
    check_in = asked_on_monday(patient)
    with at(wib(23, 11)):
        say(client, writer or patient, text)
    with at(wib(23, 11, 1)):
        run_scheduler()
    check_in.refresh_from_db()
    return check_in


def test_the_question_goes_out_once_a_week_at_the_patients_day_and_time(sari):
    with at(wib(23, 9, 59)):
        run_scheduler()
    assert questions_to(sari) == []
    with at(wib(23, 10, 0, 30)):
        assert "check_ins=1" in run_scheduler()
    for moment in (wib(23, 10, 1), wib(23, 15), wib(24, 10, 0, 30), wib(29, 10, 0, 30)):
        with at(moment):
            run_scheduler()
    assert questions_to(sari) == [f"Halo Ibu Sari, ini PRIMA. {QUESTION} Balas BAIK bila baik-baik saja, atau "
                                  "ceritakan keluhan Anda kepada kami."]
    with at(wib(30, 10, 0, 30)):
        run_scheduler()
    with at(wib(7, 10, 0, 30, month=12)):
        run_scheduler()
    assert len(questions_to(sari)) == 3
    assert [check_in.week.isoformat() for check_in in sari.check_ins.order_by("week")] == [
        "2026-11-23", "2026-11-30", "2026-12-07"]


def test_a_patient_who_is_fine_is_thanked_and_nobody_is_alerted(client, sari):
    check_in = answer_on_monday(client, sari, "Alhamdulillah baik, terima kasih")
    assert (check_in.answer, check_in.answered_at) == ("FINE", wib(23, 11))
    reply = check_in.replies.get()
    assert (reply.needs_attention, reply.outcome) == (False, "weekly check-in: fine")
    assert sent_to(sari)[-1] == "Terima kasih, Ibu Sari. Senang mendengar kabar Anda baik. Semoga sehat selalu."
    assert Escalation.objects.count() == 0 and alerts_to_ani() == []


def test_not_well_makes_one_escalation_and_one_whatsapp_to_the_volunteer(client, volunteer, sari):
    check_in = answer_on_monday(client, sari, "kurang sehat, nyeri di perut terus")
    assert Escalation.objects.count() == 1
    assert sent_to(sari)[-1].startswith(
        "Terima kasih sudah bercerita, Ibu Sari. Pesan Anda kami teruskan kepada relawan")
    with at(wib(23, 14)):
        say(client, sari, "masih sakit")  # told again the same day: read by a person, no second alert
    with at(wib(23, 14, 1)):
        run_scheduler()
    check_in.refresh_from_db()
    assert check_in.answer == "PROBLEM"
    escalation = Escalation.objects.get()
    assert (escalation.rule, escalation.detail, escalation.volunteer) == (
        "CHECK_IN_PROBLEM", "kurang sehat, nyeri di perut terus", sari.volunteer)
    [alert] = alerts_to_ani()
    assert alert.startswith("PRIMA: pasien Ibu Sari perlu dihubungi. Jawaban pertanyaan kabar mingguan: "
                            "“kurang sehat, nyeri di perut terus”.")
    with at(wib(23, 14, 2)):
        page = volunteer.get(TODAY, headers={"Accept-Language": "id"})
    rows = [row for group in page.context["groups"] for row in group.rows]
    # one row on Hari ini, the escalation with her words; her later "masih sakit" is in the inbox
    assert [row.kind for row in rows if row.patient == sari] == ["escalation", "reply"]
    assert "Tanya kabar mingguan: “kurang sehat, nyeri di perut terus”" in page.content.decode()
    assert [reply.needs_attention for reply in sari.replies.order_by("received_at")] == [False, True]


def test_fine_then_a_problem_told_later_that_day_still_alerts_the_volunteer(client, sari):
    check_in = asked_on_monday(sari)
    with at(wib(23, 11)):
        say(client, sari, "baik")
    with at(wib(23, 16)):
        say(client, sari, "tapi kaki saya bengkak")
    with at(wib(23, 16, 1)):
        run_scheduler()
    check_in.refresh_from_db()
    assert (check_in.answer, check_in.answered_at) == ("PROBLEM", wib(23, 16))
    assert Escalation.objects.get().detail == "tapi kaki saya bengkak"
    assert len(alerts_to_ani()) == 1


def test_a_reply_that_says_neither_fine_nor_unwell_is_for_a_volunteer_to_read(client, sari):
    check_in = answer_on_monday(client, sari, "ya begitulah")
    assert check_in.answer == "UNCLEAR"
    assert check_in.replies.get().needs_attention
    assert sent_to(sari)[-1].startswith("Terima kasih, Ibu Sari. Pesan Anda sudah kami terima")
    assert Escalation.objects.count() == 0
    with at(wib(23, 12)):
        say(client, sari, "badan saya lemas")  # then a clear answer in the window: not well after all
    with at(wib(23, 12, 1)):
        run_scheduler()
    check_in.refresh_from_db()
    assert check_in.answer == "PROBLEM" and Escalation.objects.get().detail == "badan saya lemas"
    with at(wib(23, 13)):
        say(client, sari, "terima kasih")  # after an answer, small talk is only stored for the volunteers
    assert check_in.replies.count() == 2


def test_fine_with_a_request_beside_it_is_fine_and_read_by_a_volunteer(client, sari):
    check_in = answer_on_monday(client, sari, "baik, tapi obatnya habis")
    assert check_in.answer == "FINE"
    reply = check_in.replies.get()
    assert (reply.needs_attention, reply.outcome) == (True, "weekly check-in: fine; the rest is for volunteers")
    assert Escalation.objects.count() == 0


def test_words_beside_sudah_are_read_when_no_reminder_waits(client, sari):
    check_in = answer_on_monday(client, sari, "sudah sembuh")  # no dose waits: it answers the check-in
    assert check_in.answer == "FINE"
    with at(wib(24, 9)):  # within the window, after "fine": a problem, so an escalation
        say(client, sari, "sudah tidak bisa jalan")
    with at(wib(24, 9, 1)):
        run_scheduler()
    assert Escalation.objects.get().detail == "sudah tidak bisa jalan"
    with at(wib(24, 11)):  # past the window, with no reminder waiting: not lost, a volunteer reads it
        say(client, sari, "sudah minum obat tadi pagi")
    reply = sari.replies.latest("received_at")
    assert (reply.intent, reply.needs_attention, reply.check_in) == ("CONFIRM", True, None)


def test_an_emergency_answer_takes_the_emergency_path_and_closes_the_check_in(client, sari):
    check_in = answer_on_monday(client, sari, "ibu sesak napas")
    assert check_in.answer == "EMERGENCY"
    assert check_in.replies.get().urgent
    assert sent_to(sari)[-1].startswith("PENTING, Ibu Sari")
    assert not Escalation.objects.filter(rule="CHECK_IN_PROBLEM").exists()


def test_sudah_for_a_dose_is_not_taken_as_the_answer_and_the_check_in_still_waits(client, sari):
    with at(wib(22, 12)):
        schedule = make_schedule(sari, time_of_day=time(10, 0), message_template=MEDICATION,
                                 start_date=wib(22, 12).date())
    check_in = asked_on_monday(sari)
    with at(wib(23, 10, 5)):
        say(client, sari, "SUDAH")
    check_in.refresh_from_db()
    assert schedule.reminders.get().confirmation_status == "CONFIRMED" and check_in.answer == ""
    with at(wib(23, 10, 6)):
        say(client, sari, "sudah membaik")  # says how she is: the check-in's answer, though it holds SUDAH
    check_in.refresh_from_db()
    assert check_in.answer == "FINE"


def test_one_reply_answers_the_dose_and_the_check_in(client, volunteer, sari):
    with at(wib(22, 12)):
        schedule = make_schedule(sari, time_of_day=time(10, 0), message_template=MEDICATION,
                                 start_date=wib(22, 12).date())
    check_in = answer_on_monday(client, sari, "Alhamdulillah baik, obat sudah diminum")
    assert schedule.reminders.get().confirmation_status == "CONFIRMED"
    assert check_in.answer == "FINE"
    reply = check_in.replies.get()
    assert (reply.needs_attention, reply.outcome) == (False, "1 reminder(s) confirmed; weekly check-in: fine")
    assert sent_to(sari)[-1].startswith("Terima kasih, Ibu Sari. Kami sudah mencatat bahwa obat sudah diminum.")
    with at(wib(23, 11, 2)):
        inbox = volunteer.get(reverse("admin:reminders_patientreply_changelist") + "?inbox=all",
                              headers={"Accept-Language": "id"}).content.decode()
    assert "1 pengingat dikonfirmasi; tanya kabar mingguan: baik" in inbox


def test_news_about_the_patient_with_a_dose_waiting_is_not_taken_as_the_dose(client, sari):
    with at(wib(22, 12)):
        schedule = make_schedule(sari, time_of_day=time(10, 0), message_template=MEDICATION,
                                 start_date=wib(22, 12).date())
    check_in = answer_on_monday(client, sari, "ibu sudah koma sejak kemarin")
    assert schedule.reminders.get().confirmation_status == "PENDING"  # not "taken"
    assert check_in.answer == "EMERGENCY"  # danger in any context: the emergency path, at once
    assert sari.replies.get().urgent
    assert "obat sudah diminum" not in " ".join(sent_to(sari))


def test_a_death_is_answered_with_condolences_not_get_well(client, sari):
    answer_on_monday(client, sari, "Bapak sudah berpulang tadi malam")
    assert sent_to(sari)[-1] == "Kami turut berduka cita. Pesan Anda kami teruskan kepada relawan PRIMA."
    sari.refresh_from_db()
    assert not sari.is_active and sari.pause_reason.startswith("Kabar meninggal dunia")  # no more questions
    assert sari.replies.get().intent == "DEATH"


@pytest.mark.parametrize("text", ["sudah, tapi obatnya tinggal dua", "Sudah, tapi mual"])
def test_a_dose_answer_that_says_more_confirms_and_is_read_by_a_person(client, sari, text):
    with at(wib(22, 12)):
        schedule = make_schedule(sari, time_of_day=time(8, 0), message_template=MEDICATION,
                                 start_date=wib(22, 12).date())
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 10)):
        say(client, sari, text)  # no check-in waits: an answer said first stays the dose's
    assert schedule.reminders.get().confirmation_status == "CONFIRMED"
    assert sari.replies.get().needs_attention


def test_a_not_well_answer_delivered_days_late_still_raises_an_escalation(client, sari):
    check_in = asked_on_monday(sari)
    with at(wib(25, 9)):  # written on Monday at noon, held by the gateway until Wednesday
        say(client, sari, "kurang sehat", timestamp=int(wib(23, 12).timestamp()))
    with at(wib(25, 9, 1)):
        run_scheduler()
    check_in.refresh_from_db()
    assert (check_in.answer, check_in.answered_at) == ("PROBLEM", wib(23, 12))
    assert Escalation.objects.get().rule == "CHECK_IN_PROBLEM"


def test_an_unclear_answer_that_asked_for_something_stays_to_read(client, volunteer, sari):
    answer_on_monday(client, sari, "biasa saja, tolong kirim obat")
    with at(wib(23, 12)):
        say(client, sari, "baik")
    with at(wib(23, 12, 1)):
        page = volunteer.get(TODAY, headers={"Accept-Language": "id"})
    assert [row.detail for group in page.context["groups"] for row in group.rows if row.patient == sari] == [
        "biasa saja, tolong kirim obat"]


def test_a_question_held_past_its_answer_window_is_withdrawn(sari):
    with at(wib(23, 10, 0, 30)):
        ask_due_check_ins(wib(23, 10, 0, 30))
    with at(wib(24, 10, 0, 40)):  # past the window before the tick closed it (a long pause, say)
        run_scheduler()
    message = Message.objects.get(kind=Message.Kind.CHECK_IN)
    assert message.status == "CANCELLED" and questions_to(sari) == []


def test_turning_the_check_in_off_withdraws_a_question_still_queued(volunteer, sari):
    with at(wib(23, 10, 0, 30)):
        ask_due_check_ins(wib(23, 10, 0, 30))  # queued, not sent yet
    with at(wib(23, 10, 0, 40)):
        admin_edit(volunteer, sari, check_in_day="")
    with at(wib(23, 10, 1)):
        run_scheduler()
    message = Message.objects.get(kind=Message.Kind.CHECK_IN)
    assert (message.status, message.end_reason) == ("CANCELLED", "weekly check-in turned off")
    assert questions_to(sari) == []


def test_a_clear_answer_after_an_unclear_one_leaves_one_thing_to_read(client, volunteer, sari):
    check_in = answer_on_monday(client, sari, "biasa saja")
    with at(wib(23, 12)):
        say(client, sari, "baik kok")
    check_in.refresh_from_db()
    assert check_in.answer == "FINE"
    with at(wib(23, 12, 1)):
        page = volunteer.get(TODAY, headers={"Accept-Language": "id"})
    assert [row for group in page.context["groups"] for row in group.rows if row.patient == sari] == []


def test_the_next_question_said_after_an_edit_is_when_it_goes_out(volunteer, sari):
    Patient.objects.filter(id=sari.id).update(check_in_day=6)
    with at(wib(22, 10, 0, 30)):  # asked on Sunday the 22nd
        run_scheduler()
    with at(wib(23, 9)):  # on Monday, moved to Wednesdays at 08:00: too soon after Sunday's this week
        saved = admin_edit(volunteer, sari, check_in_day="2", check_in_time="08:00")
        page = volunteer.get(saved.url)
    assert "Next weekly check-in question: Wednesday, Dec. 2, 2026, 8 a.m. WIB" in admin_messages(page)
    for moment in (wib(25, 8, 0, 30), wib(25, 10, 0, 30), wib(25, 13)):
        with at(moment):
            run_scheduler()
    assert len(questions_to(sari)) == 1
    with at(wib(2, 8, 0, 30, month=12)):
        run_scheduler()
    assert len(questions_to(sari)) == 2


def test_a_caregiver_can_answer_for_the_patient(client, sari):
    with at(wib(22, 12)):
        rina = Caregiver.objects.create(patient=sari, name="Rina", relation="anak", phone="+6281377770001",
                                        consented_at=wib(22, 12))
    check_in = answer_on_monday(client, sari, "Ibu kurang sehat minggu ini", writer=rina)
    assert check_in.answer == "PROBLEM" and check_in.replies.get().caregiver == rina
    assert [entry.body for entry in locmem.outbox if entry.phone == rina.phone][-1].startswith(  # her first message
        f"{introduction('Rina', 'Ibu Sari')}\n\nTerima kasih sudah bercerita, Rina. Pesan Anda tentang Ibu Sari "
        "kami teruskan")
    assert Escalation.objects.get().rule == "CHECK_IN_PROBLEM"


def test_the_same_words_before_and_after_the_question_are_two_replies(client, sari):
    with at(wib(23, 9, 55)):
        say(client, sari, "baik", inboxid=False)  # to nothing: stored for the volunteers
    check_in = asked_on_monday(sari)
    with at(wib(23, 10, 5)):
        say(client, sari, "baik", inboxid=False)  # the same body within 20 minutes, but after a question
    check_in.refresh_from_db()
    assert check_in.answer == "FINE" and sari.replies.count() == 2


def test_moving_the_day_after_the_question_went_out_asks_no_second_that_week(volunteer, sari):
    asked_on_monday(sari)
    with at(wib(23, 12)):
        admin_edit(volunteer, sari, check_in_day="2", check_in_time="16:00")  # to Wednesdays at 16:00
    with at(wib(25, 16, 0, 30)):
        run_scheduler()
    assert len(questions_to(sari)) == 1
    with at(wib(2, 16, 0, 30, month=12)):
        run_scheduler()
    assert len(questions_to(sari)) == 2


def test_moving_sunday_to_monday_after_sundays_question_waits_a_week_and_says_so(volunteer, sari):
    Patient.objects.filter(id=sari.id).update(check_in_day=6)
    with at(wib(29, 10, 0, 30)):
        run_scheduler()
    with at(wib(29, 12)):
        saved = admin_edit(volunteer, sari, check_in_day="0")
        page = volunteer.get(saved.url)
    assert "Next weekly check-in question: Monday, Dec. 7, 2026, 10 a.m. WIB" in admin_messages(page)
    with at(wib(30, 10, 0, 30)):  # a day after Sunday's: too soon
        run_scheduler()
    assert len(questions_to(sari)) == 1
    with at(wib(7, 10, 0, 30, month=12)):
        run_scheduler()
    assert len(questions_to(sari)) == 2


def test_a_time_already_past_today_is_asked_at_once_and_the_volunteer_is_told(volunteer, sari):
    with at(wib(23, 9)):
        saved = admin_edit(volunteer, sari, check_in_time="08:00")
        page = volunteer.get(saved.url)
    assert "Next weekly check-in question: within a minute" in admin_messages(page)
    with at(wib(23, 9, 0, 30)):
        run_scheduler()
    assert len(questions_to(sari)) == 1


def test_a_question_not_asked_yet_moves_with_the_time(volunteer, sari):
    with at(wib(23, 9)):
        admin_edit(volunteer, sari, check_in_day="0", check_in_time="11:00")
    with at(wib(23, 10, 0, 30)):
        run_scheduler()
    assert questions_to(sari) == []
    with at(wib(23, 11, 0, 30)):
        run_scheduler()
    assert len(questions_to(sari)) == 1


def test_nobody_answers_the_check_in_closes_unanswered_and_a_later_reply_is_not_its_answer(client, sari):
    check_in = asked_on_monday(sari)
    with at(wib(24, 10, 0, 30)):
        assert "check_ins_unanswered=1" in run_scheduler()
    check_in.refresh_from_db()
    assert check_in.answer == "NO_ANSWER"
    with at(wib(24, 11)):
        say(client, sari, "baik")
    check_in.refresh_from_db()
    assert check_in.answer == "NO_ANSWER" and check_in.replies.count() == 0
    assert sari.replies.get().outcome.startswith("stored for volunteers")
    assert Escalation.objects.count() == 0


def test_an_answer_written_in_time_counts_though_it_reaches_us_after_the_check_in_closed(client, sari):
    check_in = asked_on_monday(sari)
    written = wib(24, 9, 59)
    with at(wib(24, 10, 0, 30)):
        run_scheduler()
        say(client, sari, "sehat", timestamp=int(written.timestamp()))
    check_in.refresh_from_db()
    assert (check_in.answer, check_in.answered_at) == ("FINE", written)


def test_nobody_is_asked_who_has_no_check_in_opted_out_or_is_paused(client, sari):
    with at(wib(22, 12)):
        make_patient(name="Bapak Made")  # no check-in day
        make_patient(name="Ibu Yohana", check_in_day=0, is_active=False)
        opted_out = make_patient(name="Bapak Agus", check_in_day=0)
    with at(wib(22, 13)):
        say(client, opted_out, "BERHENTI")
    with at(wib(23, 10, 0, 30)):
        run_scheduler()
    assert list(CheckIn.objects.values_list("patient__name", flat=True)) == ["Ibu Sari"]


def test_after_an_outage_the_question_goes_out_within_the_catch_up_and_not_after(settings, sari):
    settings.CHECK_IN_CATCH_UP_HOURS = 6
    with at(wib(23, 15, 59)):  # nothing ran since 09:00: within six hours, asked now
        run_scheduler()
    assert len(questions_to(sari)) == 1
    with at(wib(30, 16, 1)):  # next week, six hours and a minute late: not this week
        run_scheduler()
    with at(wib(30, 20)):
        run_scheduler()
    assert len(questions_to(sari)) == 1
    with at(wib(7, 10, 0, 30, month=12)):
        run_scheduler()
    assert len(questions_to(sari)) == 2


def test_asked_late_the_patient_still_has_the_whole_window_to_answer(client, settings, sari):
    settings.CHECK_IN_ANSWER_HOURS = 2
    with at(wib(23, 14)):  # nothing ran since 09:00: asked four hours late
        run_scheduler()
    with at(wib(23, 15, 30)):
        say(client, sari, "baik")
    assert sari.check_ins.get().answer == "FINE"


def test_a_late_evening_question_is_caught_up_after_midnight(sari):
    Patient.objects.filter(id=sari.id).update(check_in_time=time(22, 0))
    with at(wib(24, 0, 30)):  # the scheduler was down from 21:00 until half past midnight
        run_scheduler()
    check_in = sari.check_ins.get()
    assert (check_in.week.isoformat(), check_in.due_at) == ("2026-11-23", wib(23, 22))
    assert len(questions_to(sari)) == 1


def test_a_question_that_never_went_out_closes_as_not_sent(client, sari):
    with at(wib(23, 10, 0, 30)):
        run_scheduler()
    with at(wib(23, 10)):
        Message.objects.filter(kind=Message.Kind.CHECK_IN).update(status=Message.Status.FAILED, sent_at=None)
    with at(wib(24, 10, 1)):
        assert "check_ins_not_sent=1" in run_scheduler()
    assert sari.check_ins.get().answer == "NOT_SENT"


def test_a_caregiver_told_the_patient_is_fine_hears_about_the_patient(client, sari):
    with at(wib(22, 12)):
        rina = Caregiver.objects.create(patient=sari, name="Rina", relation="anak", phone="+6281377770001",
                                        consented_at=wib(22, 12))
    answer_on_monday(client, sari, "Ibu baik, alhamdulillah", writer=rina)
    assert [entry.body for entry in locmem.outbox if entry.phone == rina.phone][-1] == (  # her first message
        f"{introduction('Rina', 'Ibu Sari')}\n\nTerima kasih, Rina. Senang mendengar kabar Ibu Sari baik. "
        "Semoga sehat selalu.")


@pytest.mark.django_db(transaction=True)
def test_several_processes_asking_at_once_make_one_check_in_and_one_question(sari):
    results = run_in_processes(ask_due_check_ins, [(wib(23, 10, 0, 30),)] * 8)
    assert sum(result["check_ins"] for result in results) == 1
    assert CheckIn.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.CHECK_IN).count() == 1


def test_a_question_held_past_its_window_is_not_sent(sari):
    check_in = asked_on_monday(sari)
    message = Message.objects.get(kind=Message.Kind.CHECK_IN)
    Message.objects.filter(id=message.id).update(status=Message.Status.QUEUED, sent_at=None)
    CheckIn.objects.filter(id=check_in.id).update(answer="NO_ANSWER")
    locmem.outbox.clear()
    with at(wib(24, 10, 1)):
        run_scheduler()
    message.refresh_from_db()
    assert (message.status, message.end_reason) == ("CANCELLED", "weekly check-in is NO_ANSWER")
    assert questions_to(sari) == []


def test_the_volunteer_sees_the_answers_on_the_patients_page_and_the_check_in_list(client, volunteer, sari):
    asked_on_monday(sari)
    with at(wib(23, 11)):
        say(client, sari, "baik")
    with at(wib(23, 12)):
        page = volunteer.get(reverse("admin:reminders_patient_change", args=[sari.pk]),
                             headers={"Accept-Language": "id"}).content.decode()
        listing = volunteer.get(reverse("admin:reminders_checkin_changelist") + "?answer=FINE",
                                headers={"Accept-Language": "id"}).content.decode()
    assert "Tanya kabar mingguan" in page and ": Baik</a>" in page
    assert "Ibu Sari" in listing and ">baik<" in listing
    assert CheckIn.objects.get().answer_deadline == wib(23, 10, 0, 30) + timedelta(hours=24)  # from when asked
