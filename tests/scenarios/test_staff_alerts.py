"""Issue 25: an emergency reaches a person at once. The volunteer heard of one by email, and by
WhatsApp only 30 minutes later, without the patient's words or a number to call; now the
volunteer's own WhatsApp number gets it within the minute, the coordinators' when the volunteer
cannot be reached, and the email goes as before. Told through the webhook, the admin and
`send_reminders` (November 2026, Jakarta)."""
import json
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.urls import reverse

from reminders.backends import locmem
from reminders.models import Message, PatientReply, StaffNotification, StaffProfile
from reminders.workspace.roles import COORDINATOR
from tests.factories import make_patient
from tests.scenarios.helpers import (
    ANIS_PHONE,
    DAUGHTER,
    DEVICE,
    FONNTE_SEND,
    SECRET,
    SUCCESS,
    admin_action,
    at,
    caregiver_of,
    enrol,
    run_scheduler,
    say,
    sent_to,
    staff,
    texts_to,
    wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
BUDIS_PHONE = "+6281399990002"
CITRAS_PHONE = "+6281399990003"
WORDS = "tolong, ibu sesak napas"


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMERGENCY_EMAIL_FALLBACK = []
    return mail.outbox


@pytest.fixture
def coordinators(db):
    """Budi and Citra, coordinators with their own WhatsApp numbers; Dewi, one without."""
    team = []
    for name, phone in [("koordinator.budi", BUDIS_PHONE), ("koordinator.citra", CITRAS_PHONE)]:
        team.append(staff(name, COORDINATOR, f"{name}@prima.id"))
        StaffProfile.objects.create(user=team[-1], phone=phone)
    staff("koordinator.dewi", COORDINATOR)
    return team


def whatsapp_told(reply: PatientReply) -> list[tuple[str, str, str]]:
    return [(n.recipient.get_username(), n.role, n.status)
            for n in reply.notifications.filter(channel="WHATSAPP").order_by("address")]


def link(reply: PatientReply) -> str:
    return "http://127.0.0.1:8000" + reverse("admin:reminders_patientreply_change", args=[reply.id])


def test_an_emergency_reaches_the_volunteers_whatsapp_within_the_minute_with_the_words_and_a_number(
        client, ani_on_whatsapp, mailbox, django_capture_on_commit_callbacks):
    patient = make_patient("0812 5555 0001", volunteer=ani_on_whatsapp)
    with at(wib(23, 10)), django_capture_on_commit_callbacks(execute=True):
        say(client, patient, WORDS)
    reply = PatientReply.objects.get()
    alert = Message.objects.get(kind=Message.Kind.STAFF_ALERT)
    assert (alert.phone, alert.priority, alert.status) == (ANIS_PHONE, 1, "QUEUED")
    assert whatsapp_told(reply) == [("relawan.ani", "volunteer", "PENDING")]  # queued is not told
    with at(wib(23, 10, 0, 40)):
        run_scheduler()
    assert texts_to(ANIS_PHONE) == [
        "PRIMA DARURAT: pasien Ibu Sari mengirim pesan darurat: “tolong, ibu sesak napas”. Segera telepon nomor "
        f"pasien +6281255550001. PRIMA sudah membalas dengan nomor darurat 119 / 112. Setelah menangani, tandai di "
        f"sini: {link(reply)}"]
    told = reply.notifications.get(channel="WHATSAPP")
    assert (told.status, told.sent_at, told.message) == ("SENT", wib(23, 10, 0, 40), alert)
    assert [m.to for m in mailbox] == [["ani@relawan.id"]]  # and the email, as before
    assert "Kami sedang memberi tahu relawan Anda." in sent_to(patient)[0]


def test_an_emergency_a_caregiver_writes_gives_the_caregivers_name_and_number(client, ani_on_whatsapp):
    patient = make_patient(volunteer=ani_on_whatsapp)
    rina = caregiver_of(patient)
    with at(wib(23, 10)):
        say(client, rina, "ibu pingsan, tolong")
        run_scheduler()
    [alert] = texts_to(ANIS_PHONE)
    assert "pesan darurat: “ibu pingsan, tolong”. Segera telepon Rina (anak), pendamping pasien, di " \
           f"{DAUGHTER}." in alert
    assert texts_to(DAUGHTER)[0].startswith("PENTING, Rina")  # the safety answer went to the phone that wrote


@pytest.mark.parametrize("volunteer, patient_told", [("without a number", "relawan Anda"), (None, "tim PRIMA")])
def test_when_no_volunteer_has_a_number_every_coordinator_with_one_is_alerted_at_once(
        client, ani, coordinators, mailbox, django_capture_on_commit_callbacks, volunteer, patient_told):
    patient = make_patient(volunteer=ani if volunteer else None)
    with at(wib(23, 10)), django_capture_on_commit_callbacks(execute=True):
        say(client, patient, WORDS)
        run_scheduler()
    reply = PatientReply.objects.get()
    assert whatsapp_told(reply) == [("koordinator.budi", "coordinator", "SENT"),
                                    ("koordinator.citra", "coordinator", "SENT")]
    for phone in (BUDIS_PHONE, CITRAS_PHONE):
        [alert] = texts_to(phone)
        assert alert.startswith("PRIMA DARURAT (koordinator): pasien Ibu Sari mengirim pesan darurat")
        assert "Pasien ini tidak punya relawan yang bisa dihubungi lewat WhatsApp." in alert
    # The email goes as before: to Ani when she has an address, else to the coordinators who have one.
    assert sorted(m.to[0] for m in mailbox) == (["ani@relawan.id"] if volunteer else
                                                ["koordinator.budi@prima.id", "koordinator.citra@prima.id"])
    assert f"Kami sedang memberi tahu {patient_told}." in sent_to(patient)[0]


def fonnte_refuses(mock, phone: str) -> None:
    """Fonnte refuses every message to `phone` (a number not on WhatsApp) and accepts the rest."""
    def answer(request):
        refused = parse_qs(request.body)["target"] == [phone.lstrip("+")]
        return 200, {}, json.dumps({"status": False, "reason": "target invalid"} if refused else SUCCESS)

    mock.add_callback("POST", FONNTE_SEND, callback=answer)


def test_when_the_volunteers_whatsapp_fails_the_coordinators_are_alerted_in_the_same_run(
        client, ani_on_whatsapp, coordinators, fonnte):
    fonnte_refuses(fonnte, ANIS_PHONE)
    patient = make_patient(volunteer=ani_on_whatsapp)
    with at(wib(23, 10)):
        say(client, patient, WORDS)
        run_scheduler()
    reply = PatientReply.objects.get()
    assert whatsapp_told(reply) == [("relawan.ani", "volunteer", "FAILED"),
                                    ("koordinator.budi", "coordinator", "SENT"),
                                    ("koordinator.citra", "coordinator", "SENT")]
    assert reply.notifications.get(role="volunteer", channel="WHATSAPP").error == "target invalid"
    sent = {parse_qs(call.request.body)["target"][0]: parse_qs(call.request.body)["message"][0]
            for call in fonnte.calls}
    for phone in (BUDIS_PHONE, CITRAS_PHONE):
        assert "(koordinator)" in sent[phone.lstrip("+")]
        assert "WhatsApp ke relawan relawan.ani gagal terkirim." in sent[phone.lstrip("+")]


def test_an_alert_fonnte_accepted_then_reported_failed_is_passed_on_to_the_coordinators(
        client, ani_on_whatsapp, coordinators):
    patient = make_patient(volunteer=ani_on_whatsapp)
    with at(wib(23, 10)):
        say(client, patient, WORDS)
        run_scheduler()
    alert = Message.objects.get(phone=ANIS_PHONE)
    with at(wib(23, 10, 2)):
        payload = {"device": DEVICE, "id": alert.provider_message_id, "stateid": "s1", "status": "invalid"}
        client.post(f"/webhooks/fonnte/{SECRET}/status/", data=json.dumps(payload), content_type="application/json")
        run_scheduler()
    reply = PatientReply.objects.get()
    told = reply.notifications.get(role="volunteer", channel="WHATSAPP")
    assert (told.status, told.error) == ("FAILED", "Fonnte status: invalid (bad target or parameter)")
    assert len(texts_to(BUDIS_PHONE)) == len(texts_to(CITRAS_PHONE)) == 1


def test_an_alert_a_coordinator_withdraws_is_not_told_and_not_passed_on(client, ani_on_whatsapp, coordinators):
    patient = make_patient(volunteer=ani_on_whatsapp)
    with at(wib(23, 10)):
        say(client, patient, WORDS)
        client.force_login(coordinators[0])
        admin_action(client, "message", "cancel", Message.objects.filter(kind=Message.Kind.STAFF_ALERT))
        run_scheduler()
    told = PatientReply.objects.get().notifications.get(channel="WHATSAPP")
    assert (told.status, told.error) == ("FAILED", "cancelled by koordinator.budi")
    assert texts_to(ANIS_PHONE) == texts_to(BUDIS_PHONE) == texts_to(CITRAS_PHONE) == []


@pytest.mark.parametrize("state", [{"is_active": False}, {"opted_out_at": wib(22, 12)},
                                   {"verification_status": "PENDING"}], ids=["paused", "opted out", "unverified"])
def test_staff_are_alerted_about_a_patient_who_gets_no_reminders(client, ani_on_whatsapp, state):
    patient = make_patient(volunteer=ani_on_whatsapp, **state)
    with at(wib(23, 10)):
        say(client, patient, WORDS)
        run_scheduler()
    assert len(texts_to(ANIS_PHONE)) == 1
    assert whatsapp_told(PatientReply.objects.get()) == [("relawan.ani", "volunteer", "SENT")]


def test_the_patients_berhenti_right_after_does_not_withdraw_the_alert_about_them(client, ani_on_whatsapp):
    patient = make_patient(volunteer=ani_on_whatsapp)
    with at(wib(23, 10)):
        say(client, patient, WORDS)
        say(client, patient, "BERHENTI")
        run_scheduler()
    assert len(texts_to(ANIS_PHONE)) == 1
    assert whatsapp_told(PatientReply.objects.get(intent="EMERGENCY")) == [("relawan.ani", "volunteer", "SENT")]


def test_the_alert_goes_out_with_the_safety_answer_past_a_spent_device_limit(client, ani_on_whatsapp, settings):
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS, fonnte_device={"limit": 1, "window": 60.0})
    for n in range(3):
        enrol(name=f"Pasien {n}")  # three doses due at 08:00: the device may send one a minute
    patient = make_patient(volunteer=ani_on_whatsapp)
    with at(wib(23, 7, 59, 50)):
        say(client, patient, WORDS)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert len(texts_to(ANIS_PHONE)) == len(sent_to(patient)) == 1
    assert sum("waktunya minum obat" in entry.body for entry in locmem.outbox) == 1


def test_a_death_a_family_tells_of_is_told_with_condolences_the_words_and_the_writers_number(
        client, ani_on_whatsapp, mailbox, django_capture_on_commit_callbacks):
    patient = make_patient(volunteer=ani_on_whatsapp)
    rina = caregiver_of(patient)
    with at(wib(23, 10)), django_capture_on_commit_callbacks(execute=True):
        say(client, patient, "Ibu sudah meninggal tadi pagi", sender=rina.phone.lstrip("+"))
        run_scheduler()
    reply = PatientReply.objects.get()
    assert (reply.intent, reply.caregiver, reply.urgent) == ("DEATH", rina, True)
    assert texts_to(DAUGHTER) == ["Kami turut berduka cita atas Ibu Sari. Pesan Anda kami teruskan kepada relawan PRIMA."]
    patient.refresh_from_db()
    assert not patient.is_active and patient.pause_reason.startswith("Kabar meninggal dunia dari Rina (anak)")
    assert texts_to(ANIS_PHONE) == [
        "PRIMA: kabar duka. Keluarga mengabarkan pasien Ibu Sari meninggal: “Ibu sudah meninggal tadi pagi”. Mohon "
        f"hubungi keluarga untuk menyampaikan belasungkawa: Rina (anak), pendamping pasien, di {DAUGHTER}. Setelah "
        f"menangani, tandai di sini: {link(reply)}"]
    [email] = mailbox
    assert email.subject == "[PRIMA] Kabar duka: Ibu Sari"
    assert "mengabarkan pada 23 Nov 2026 10:00 bahwa pasien meninggal" in email.body and "119" not in email.body
    assert whatsapp_told(reply) == [("relawan.ani", "volunteer", "SENT")]
