"""The "Hari ini" (today) page: the admin's first page, what needs the user now, most urgent first."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.workspace import today
from reminders.health import record_tick
from reminders.models import NOTICE_HELD, DeviceState, Message, Patient, PatientReply, Reminder
from tests.admin.conftest import make_staff
from tests.factories import make_patient, make_reminder, make_schedule, queue_message

pytestmark = pytest.mark.django_db
TODAY = reverse("admin:index")


def reply(patient, text: str, minutes_ago: int = 5, **fields) -> PatientReply:
    fields.setdefault("intent", PatientReply.Intent.FREE_TEXT)
    return patient.replies.create(text=text, received_at=timezone.now() - timedelta(minutes=minutes_ago),
                                  needs_attention=True, **fields)


def missed(schedule, hours_ago: float) -> Reminder:
    due = timezone.now() - timedelta(hours=hours_ago)
    return make_reminder(schedule, due_at=due, reply_deadline=due + timedelta(hours=2), confirmation_status="MISSED")


def one_of_each_kind(patient: Patient, phone_of_unverified: str) -> dict:
    """A row of every kind for `patient` (and one patient of theirs not verified yet)."""
    now = timezone.now()
    medication = make_schedule(patient)
    appointment = make_schedule(patient, kind="APPOINTMENT")
    for_caregivers = make_schedule(patient, kind="OTHER", recipients="CAREGIVERS")  # and the patient has none
    return {
        "emergency": reply(patient, "sesak napas", intent=PatientReply.Intent.EMERGENCY, urgent=True),
        "reply": reply(patient, "obatnya habis", minutes_ago=30),
        "missed": missed(medication, hours_ago=5),
        "unreceivable": make_reminder(for_caregivers, due_at=now - timedelta(hours=3), confirmation_status="CANCELLED",
                                      close_reason="nobody can receive it: the patient has no caregiver"),
        "update": make_reminder(appointment, due_at=now - timedelta(minutes=10),
                                reply_deadline=now + timedelta(hours=1)),
        "verification": make_patient(phone_of_unverified, name="Bapak Baru", volunteer=patient.volunteer,
                                     verification_status=Patient.Verification.PENDING),
        "notice": queue_message(patient, kind=Message.Kind.NOTICE, last_error=f"{NOTICE_HELD}: patient is not active"),
        "failed": queue_message(patient, status=Message.Status.FAILED, end_reason="invalid number"),
    }


def rows_of(response) -> list[today.Row]:
    return [row for group in response.context["groups"] for row in group.rows]


def test_a_volunteer_lands_on_today_after_logging_in(client, ani, anis_patient):
    ani.set_password("benar-sekali-123")
    ani.save()
    reply(anis_patient, "sesak napas", intent=PatientReply.Intent.EMERGENCY, urgent=True)
    response = client.post(reverse("admin:login"), {"username": "relawan.ani", "password": "benar-sekali-123",
                                                    "next": TODAY}, follow=True, headers={"Accept-Language": "id"})
    assert response.redirect_chain[-1][0] == TODAY
    assert "admin/reminders/today.html" in [template.name for template in response.templates]
    page = response.content.decode()
    assert "Darurat" in page and "sesak napas" in page and f'href="tel:{anis_patient.phone}"' in page


def test_it_lists_every_kind_most_urgent_first_each_with_its_one_tap_actions(ani_client, anis_patient):
    made = one_of_each_kind(anis_patient, "+6281299990000")
    response = ani_client.get(TODAY)
    rows = rows_of(response)
    assert [row.kind for row in rows] == ["emergency", "reply", "missed", "unreceivable", "update", "verification",
                                          "notice", "failed"]
    labels = {row.kind: [action.label for action in row.actions] for row in rows}
    assert labels["emergency"] == ["Call", "WhatsApp", "Open", "Mark as handled"]
    assert "Record a confirmation" in labels["missed"] and "Record a confirmation" in labels["update"]
    assert labels["verification"][:2] == ["Send the verification question", "Verify by hand"]
    assert labels["failed"][0] == "Send again"
    assert labels["unreceivable"][0] == "Open the patient's page"
    urls = {action.url for row in rows for action in row.actions}
    assert {f"tel:{anis_patient.phone}", f"https://wa.me/{anis_patient.phone[1:]}",
            reverse("admin:reminders_reminder_confirm", args=[made["missed"].pk]),
            reverse("admin:reminders_patientreply_act", args=[made["emergency"].pk, "mark_handled"]),
            reverse("admin:reminders_message_act", args=[made["failed"].pk, "retry"])} <= urls


def test_it_shows_a_volunteer_only_their_own_patients_and_no_system_line(ani_client, anis_patient, budis_patient):
    reply(budis_patient, "darurat", intent=PatientReply.Intent.EMERGENCY, urgent=True)
    response = ani_client.get(TODAY)
    assert rows_of(response) == [] and "health" not in response.context
    assert "Nothing needs you right now" in response.content.decode()


def test_a_coordinator_sees_every_volunteers_rows_grouped_and_the_system_in_one_line(
    coordinator_client, anis_patient, budis_patient, settings
):
    settings.FONNTE_QUOTA_ALERT_BELOW = 100
    record_tick()
    DeviceState.objects.create(device="+6281100000000", connected=True, quota_remaining=40)
    reply(budis_patient, "darurat", intent=PatientReply.Intent.EMERGENCY, urgent=True)
    reply(anis_patient, "obatnya habis")
    response = coordinator_client.get(TODAY)
    groups = response.context["groups"]
    assert [(group.volunteer.username, [row.kind for row in group.rows]) for group in groups] == [
        ("relawan.budi", ["emergency"]), ("relawan.ani", ["reply"])]
    page = response.content.decode()
    assert "scheduler running" in page and "quota low on +6281100000000: 40 left" in page
    assert "health-problem" in page


def test_patients_missing_several_doses_in_a_row_come_before_a_single_missed_dose(ani_client, ani, anis_patient):
    steady = make_patient(name="Ibu Rutin", volunteer=ani)
    schedule, other = make_schedule(anis_patient), make_schedule(steady)
    for hours_ago in (40, 30, 20, 10):  # four missed after a confirmed one
        missed(schedule, hours_ago)
    due = timezone.now() - timedelta(hours=60)
    make_reminder(schedule, due_at=due, reply_deadline=due + timedelta(hours=2), confirmation_status="CONFIRMED")
    missed(other, 50), missed(other, 30)
    confirmed = timezone.now() - timedelta(hours=20)  # Ibu Rutin took the next one: her streak is 1
    make_reminder(other, due_at=confirmed, reply_deadline=confirmed + timedelta(hours=2),
                  confirmation_status="CONFIRMED")
    missed(other, 2)
    rows = rows_of(ani_client.get(TODAY))
    assert [(row.kind, row.patient, row.what) for row in rows] == [
        ("in_a_row", anis_patient, "4 doses in a row missed"), ("missed", steady, "Dose missed")]


def test_a_missed_dose_confirmed_by_hand_leaves_the_page(ani_client, anis_patient):
    dose = missed(make_schedule(anis_patient), hours_ago=3)
    ani_client.post(reverse("admin:reminders_reminder_confirm", args=[dose.pk]), {"method": "CALL"})
    assert rows_of(ani_client.get(TODAY)) == []


def test_it_offers_what_fits_each_verification_state_and_leaves_out_paused_and_opted_out_patients(ani_client, ani):
    now = timezone.now()
    states = {
        "never asked": make_patient(name="A", volunteer=ani, verification_status="PENDING"),
        "asked": make_patient(name="B", volunteer=ani, verification_status="PENDING", verification_sent_at=now),
        "expired": make_patient(name="C", volunteer=ani, verification_status="EXPIRED", verification_sent_at=now,
                                verification_expires_at=now),
        "declined": make_patient(name="D", volunteer=ani, verification_status="DECLINED",
                                 verification_answered_at=now),
    }
    make_patient(name="Dijeda", volunteer=ani, verification_status="PENDING", is_active=False)
    make_patient(name="Berhenti", volunteer=ani, verification_status="EXPIRED", opted_out_at=now)
    rows = {row.patient.name: row for row in rows_of(ani_client.get(TODAY))}
    assert set(rows) == {"A", "B", "C", "D"}
    first_action = {name: row.actions[0].label for name, row in rows.items()}
    assert first_action == {"A": "Send the verification question", "B": "Send the question again",
                            "C": "Send the question again", "D": "Verify by hand"}
    assert "Pause reminders" in [action.label for action in rows["D"].actions]
    assert all(row.patient == states[key] for key, row in zip(states, (rows[n] for n in "ABCD")))


def test_marking_an_emergency_handled_asks_what_happened_then_comes_back_to_today(ani_client, ani, anis_patient):
    emergency = reply(anis_patient, "sesak napas", intent=PatientReply.Intent.EMERGENCY, urgent=True)
    url = reverse("admin:reminders_patientreply_act", args=[emergency.pk, "mark_handled"]) + f"?next={TODAY}"
    form = ani_client.post(url)
    assert form.status_code == 200 and form.context["form"]["outcome"].initial is None
    response = ani_client.post(url, {"apply": "1", "outcome": "VISITED", "note": "diantar ke puskesmas"}, follow=True)
    assert response.redirect_chain == [(TODAY, 302)]
    assert "Recorded for 1 patient: Visited the patient." in response.content.decode()
    emergency.refresh_from_db()
    assert emergency.handled_by == ani and rows_of(response) == []
    assert [(h.outcome, h.note, h.by) for h in emergency.handlings.all()] == [("VISITED", "diantar ke puskesmas", ani)]


def test_one_tap_sends_the_verification_question_through_the_action(ani_client, ani, outbox):
    patient = make_patient(volunteer=ani, verification_status="PENDING")
    ani_client.post(reverse("admin:reminders_patient_act", args=[patient.pk, "send_verification_question"]))
    patient.refresh_from_db()
    assert patient.verification_attempts == 1
    assert patient.messages.get().kind == Message.Kind.VERIFICATION


def test_one_tap_verify_by_hand_asks_for_the_note_then_comes_back(ani_client, ani):
    patient = make_patient(volunteer=ani, verification_status="PENDING")
    url = reverse("admin:reminders_patient_act", args=[patient.pk, "verify_by_hand"]) + f"?next={TODAY}"
    form = ani_client.post(url)
    assert form.status_code == 200 and "note" in form.context["form"].fields
    done = ani_client.post(url, {"apply": "1", "note": "setuju saat kunjungan"})
    assert done.status_code == 302 and done["Location"] == TODAY
    patient.refresh_from_db()
    assert patient.verification_status == "VERIFIED" and "setuju saat kunjungan" in patient.notes


def test_one_tap_is_post_only_scoped_and_limited_to_the_users_actions(ani_client, anis_patient, budis_patient):
    theirs = reply(budis_patient, "darurat", intent=PatientReply.Intent.EMERGENCY, urgent=True)
    mine = reply(anis_patient, "obatnya habis")
    act = "admin:reminders_patientreply_act"
    assert ani_client.get(reverse(act, args=[mine.pk, "mark_handled"])).status_code == 405
    assert ani_client.post(reverse(act, args=[theirs.pk, "mark_handled"])).status_code == 404
    assert ani_client.post(reverse(act, args=[mine.pk, "delete_selected"])).status_code == 403
    away = ani_client.post(reverse(act, args=[mine.pk, "mark_handled"]) + "?next=https://evil.example/")
    assert away["Location"] == reverse("admin:reminders_patientreply_changelist")
    theirs.refresh_from_db()
    assert theirs.handled_at is None


def test_an_emergencys_own_page_has_the_number_to_call_and_a_handled_button(ani_client, anis_patient):
    emergency = reply(anis_patient, "sesak napas", intent=PatientReply.Intent.EMERGENCY, urgent=True)
    page = ani_client.get(reverse("admin:reminders_patientreply_change", args=[emergency.pk])).content.decode()
    assert f'href="tel:{anis_patient.phone}"' in page
    assert reverse("admin:reminders_patientreply_act", args=[emergency.pk, "mark_handled"]) in page


def test_it_shows_at_most_a_pageful_of_one_kind_and_links_to_the_rest(ani_client, anis_patient, monkeypatch):
    monkeypatch.setattr(today, "ROWS_PER_KIND", 3)
    for n in range(4):
        reply(anis_patient, f"pertanyaan {n}", minutes_ago=n)
    response = ani_client.get(TODAY)
    assert len(rows_of(response)) == 3
    assert [more.url for more in response.context["more"]] == [reverse("admin:reminders_patientreply_changelist")]


@pytest.mark.parametrize("per_volunteer", [1, 12])
def test_it_costs_the_same_few_queries_however_many_rows(coordinator_client, per_volunteer,
                                                        django_assert_max_num_queries):
    """Nine sources, one query each, the system line (4: heartbeat, pauses, devices, stuck
    messages), the session, the user, the menu, what the user may still undo and the patients paused."""
    for v in range(3):
        volunteer = make_staff(f"relawan.{v}", "volunteer")
        for n in range(per_volunteer):
            one_of_each_kind(make_patient(volunteer=volunteer), f"+628129{v:02d}{n:05d}")
    with django_assert_max_num_queries(19):
        response = coordinator_client.get(TODAY)
    assert len(rows_of(response)) == 3 * per_volunteer * 8


def test_recording_a_confirmation_from_today_asks_how_the_news_came_then_comes_back(ani_client, anis_patient):
    dose = missed(make_schedule(anis_patient), hours_ago=5)
    page = ani_client.get(TODAY, headers={"Accept-Language": "id"}).content.decode()
    confirm = reverse("admin:reminders_reminder_confirm", args=[dose.pk]) + f"?next={TODAY}"
    assert f'href="{confirm}"' in page
    form = ani_client.get(confirm, headers={"Accept-Language": "id"})
    html = form.content.decode()
    assert "Dari mana kabarnya datang?" in html and 'type="radio"' in html and "checked" not in html
    assert "Kunjungan relawan" in html and "Pesan WhatsApp atau SMS dari pasien atau keluarga" in html
    assert ani_client.post(confirm, {"patient_condition": "baik"}).status_code == 200  # no way told: not recorded
    dose.refresh_from_db()
    assert dose.confirmation_status == "MISSED"
    done = ani_client.post(confirm, {"method": "CALL"}, follow=True)
    assert done.redirect_chain == [(TODAY, 302)] and "Confirmation recorded." in done.content.decode()
    dose.refresh_from_db()
    assert (dose.confirmation_status, dose.confirmation_method) == ("CONFIRMED", "CALL")
