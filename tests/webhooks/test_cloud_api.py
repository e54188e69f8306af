"""Meta's WhatsApp Cloud API webhook, driven over HTTP as Meta calls it: signed and wrongly
signed bodies, the handshake, taps, statuses and a lost send's answer."""
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from reminders.clocks import patient_time
from reminders.conversation.consent import send_verification
from reminders.models import (
    Caregiver, CustomerServiceWindow, Device, Message, Patient, PatientReply, Reminder, ReminderSchedule,
)
from reminders.outbox.cloud_api import WINDOW_CLOSED, button_payload, callback_data, note_inbound
from reminders.outbox.devices import encrypt_token
from reminders.outbox.sending import Skip, claim_message
from reminders.workspace.outcomes import describe
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.graph_standin import GraphStandIn
from tests.webhooks.conftest import incoming, post_json
from tests.reminders.test_sending import drain_all
from webhooks.models import RefusedDelivery, WebhookEvent
from webhooks.services import process_pending_events

pytestmark = pytest.mark.django_db

URL = "/webhooks/cloud-api/"
APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "our-verify-token-for-tests"
PHONE_NUMBER_ID = "106540352242922"


def make_cloud_device() -> Device:
    return Device.objects.create(
        number="+6281100000009", gateway=Device.Gateway.CLOUD_API, cloud_phone_number_id=PHONE_NUMBER_ID,
        token_encrypted=encrypt_token("system-user-token"), app_secret_encrypted=encrypt_token(APP_SECRET),
        verify_token_encrypted=encrypt_token(VERIFY_TOKEN),
    )


@pytest.fixture
def device():
    return make_cloud_device()


@pytest.fixture
def patient(device):
    return make_patient(name="Ibu Sari", device=device)


def sent_dose(patient, *, kind=ReminderSchedule.Kind.MEDICATION, minutes_ago=1, **fields) -> Reminder:
    """A dose whose reminder went out `minutes_ago` and waits for an answer for two hours after."""
    sent = timezone.now() - timedelta(minutes=minutes_ago)
    dose = make_reminder(make_schedule(patient, kind=kind), due_at=sent, reply_deadline=sent + timedelta(hours=2),
                         **fields)
    queue_message(patient, reminder=dose, status=Message.Status.SENT, provider_message_id=f"wamid.{uuid.uuid4().hex}",
                  sent_at=sent, body="Halo Ibu Sari, waktunya minum obat.")
    return dose


def delivery(*, messages=(), statuses=(), phone_number_id=PHONE_NUMBER_ID) -> dict:
    """Meta's envelope around messages and statuses of one number."""
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "6281100000009", "phone_number_id": phone_number_id},
             "contacts": [{"profile": {"name": "Sari"}, "wa_id": m["from"]} for m in messages],
             "messages": list(messages), "statuses": list(statuses)}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}


def _message(patient, kind: str, wamid: str | None = None, **content) -> dict:
    return {"from": patient.phone.lstrip("+"), "id": wamid or f"wamid.{uuid.uuid4().hex}",
            "timestamp": str(int(time.time())), "type": kind, **content}


def text(patient, body: str, wamid: str | None = None) -> dict:
    return _message(patient, "text", wamid, text={"body": body})


def tap(patient, payload: str, label: str = "Sudah") -> dict:
    """A template's quick-reply button tapped."""
    return _message(patient, "button", context={"from": "6281100000009", "id": "wamid.ours"},
                    button={"payload": payload, "text": label})


def reply_button(patient, payload: str, label: str = "Sudah") -> dict:
    """An interactive reply button tapped."""
    return _message(patient, "interactive", interactive={"type": "button_reply",
                                                         "button_reply": {"id": payload, "title": label}})


def status(wamid: str, word: str, recipient: str, outbox_id: int | None = None, errors=None) -> dict:
    found = {"id": wamid, "status": word, "timestamp": str(int(time.time())), "recipient_id": recipient.lstrip("+")}
    if outbox_id is not None:
        found["biz_opaque_callback_data"] = callback_data(outbox_id)
    if errors:
        found["errors"] = errors
    return found


def sign(raw: bytes, secret: str = APP_SECRET) -> str:
    """X-Hub-Signature-256 as Meta computes it."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post(client, payload: dict, secret: str | None = APP_SECRET, signature: str | None = None):
    """POST as Meta does: the raw JSON body, signed with `secret` (none: no signature header)."""
    raw = json.dumps(payload).encode()
    if signature is None and secret is not None:
        signature = sign(raw, secret)
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature is not None else {}
    return client.post(URL, data=raw, content_type="application/json", **headers)


# The handshake

def test_the_handshake_with_our_verify_token_answers_the_challenge(client, device):
    response = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert response.status_code == 200
    assert response.content == b"1158201444" and response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "not-ours", "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
])
def test_the_handshake_with_a_wrong_token_or_mode_is_403(client, device, params):
    response = client.get(URL, params)
    assert response.status_code == 403 and b"1" not in response.content


def test_the_handshake_without_any_cloud_device_is_403(client):
    assert client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code == 403


# Signatures

def test_a_signed_text_is_stored_read_and_answered(client, patient):
    dose = sent_dose(patient)
    response = post(client, delivery(messages=[text(patient, "sudah minum obat", wamid="wamid.HBgL1")]))
    assert response.status_code == 200 and response.json()["events"] == ["processed"]
    event = WebhookEvent.objects.get()
    assert event.kind == WebhookEvent.Kind.CLOUD_MESSAGE and event.dedupe_key == "cloud:cloud_message:wamid.HBgL1"
    reply = PatientReply.objects.get()
    assert reply.intent == PatientReply.Intent.CONFIRM and reply.reminder == dose
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert Message.objects.filter(kind=Message.Kind.REPLY, patient=patient).count() == 1


@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_a_missing_or_wrong_signature_is_403_counted_and_nothing_is_stored(client, patient, signature):
    dose = sent_dose(patient)
    response = post(client, delivery(messages=[text(patient, "sudah")]), secret=None, signature=signature)
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists() and not PatientReply.objects.exists()
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.PENDING
    assert RefusedDelivery.objects.since(timezone.now() - timedelta(days=1)) == 1


def test_a_body_signed_with_another_secret_is_refused(client, patient):
    sent_dose(patient)
    assert post(client, delivery(messages=[text(patient, "sudah")]), secret="someone-elses-secret").status_code == 403
    assert not WebhookEvent.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, patient):
    raw = json.dumps(delivery(messages=[text(patient, "sudah")])).encode()
    signature = sign(raw)
    tampered = raw.replace(b"sudah", b"BERHENTI")
    response = client.post(URL, data=tampered, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    assert response.status_code == 403 and not WebhookEvent.objects.exists()


def test_refusals_are_counted_on_the_health_figures(client, patient, settings, prima_status):
    for _ in range(3):
        post(client, delivery(messages=[text(patient, "sudah")]), secret="wrong")
    assert RefusedDelivery.objects.get().count == 3
    assert client.get("/healthz").json()["webhooks_refused_7d"] == 3
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "s3cret", []
    metrics = client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).content.decode()
    assert "prima_webhook_deliveries_refused 3.0" in metrics
    assert "refused_7d=3" in prima_status()["webhooks"]


def test_a_message_naming_a_number_its_secret_does_not_sign_is_ignored_as_not_ours(client, patient):
    other = Device.objects.create(number="+6281100000010", gateway=Device.Gateway.CLOUD_API,
                                  cloud_phone_number_id="999", app_secret_encrypted=encrypt_token("other-app"))
    dose = sent_dose(patient)
    response = post(client, delivery(messages=[text(patient, "sudah")], phone_number_id=other.cloud_phone_number_id))
    assert response.json()["events"] == ["ignored"]
    assert WebhookEvent.objects.not_ours(timezone.now() - timedelta(days=1)).count() == 1
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.PENDING


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"object": "x"}', b'{"entry": [{"changes": 5}]}',
                                  b'{"entry": [{"changes": [{"field": "messages", "value": {"messages": [7]}}]}]}'])
def test_a_signed_body_with_nothing_to_process_is_kept_ignored_never_500(client, device, body):
    response = client.post(URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body))
    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == WebhookEvent.State.IGNORED


def test_malformed_messages_never_answer_500(client, patient):
    queue_message(patient, status=Message.Status.SENT, provider_message_id="wamid.ours", sent_at=timezone.now())
    weird = [{"id": "wamid.a"}, {"id": "wamid.b", "from": "not a phone", "type": "text"},
             {"id": "wamid.c", "from": patient.phone, "type": "text", "text": "not an object"},
             {"id": "wamid.d", "from": patient.phone, "type": "interactive", "interactive": []},
             {"id": "wamid.e", "from": patient.phone, "type": "button", "button": {"payload": "taken:reminder:x"}},
             {"id": "wamid.g", "from": patient.phone, "type": "button", "button": {"payload": f"taken:reminder:{9 ** 40}"}},
             {"id": "wamid.h", "from": patient.phone, "type": "button", "button": {"payload": f"yes:consent:{9 ** 40}"}}]
    response = post(client, {"entry": [{"changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": PHONE_NUMBER_ID}, "messages": weird,
        "statuses": [{"id": "wamid.f", "status": "read"}, {"status": "sent"},
                     {"id": "wamid.ours", "status": "failed", "errors": 5},
                     {"id": "wamid.ours", "status": "failed", "errors": [5, {"code": "x", "error_data": 3}]}]}}]}]})
    assert response.status_code == 200
    assert WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).count() == 0


# Store first, once

def test_a_redelivered_webhook_is_processed_once(client, patient):
    dose = sent_dose(patient)
    payload = delivery(messages=[text(patient, "sudah", wamid="wamid.same")])
    assert post(client, payload).json()["events"] == ["processed"]
    again = post(client, payload).json()
    assert again["events"] == [] and again["duplicates"] == 1
    assert WebhookEvent.objects.count() == 1 and PatientReply.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 1
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.CONFIRMED


def test_one_post_with_several_messages_and_statuses_stores_each_as_its_own_event(client, patient):
    budi = make_patient(name="Pak Budi", device=patient.device)
    sent_dose(patient)
    sent_dose(budi)
    ours = queue_message(patient, status=Message.Status.SENT, provider_message_id="wamid.ours1", sent_at=timezone.now())
    response = post(client, delivery(messages=[text(patient, "sudah"), text(budi, "belum")],
                                     statuses=[status("wamid.ours1", "delivered", patient.phone),
                                               status("wamid.ours1", "read", patient.phone)]))
    assert response.json()["events"] == ["processed"] * 4
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.CLOUD_MESSAGE).count() == 2
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.CLOUD_STATUS).count() == 2
    ours.refresh_from_db()
    assert ours.status == Message.Status.READ


def test_every_inbound_message_opens_its_senders_window_with_meta_s_time(client, patient):
    message = text(patient, "halo")
    message["timestamp"] = str(int(time.time()) - 600)
    post(client, delivery(messages=[message]))
    window = CustomerServiceWindow.objects.get()
    assert window.device == patient.device and window.phone == patient.phone
    assert abs((timezone.now() - window.last_inbound_at).total_seconds() - 600) < 5


# Statuses

@pytest.fixture
def sent_message(patient):
    return queue_message(patient, status=Message.Status.SENT, provider_message_id="wamid.sent1",
                         sent_at=timezone.now(), device=patient.device)


def test_statuses_move_forward_only_and_read_may_come_without_delivered(client, sent_message, patient):
    post(client, delivery(statuses=[status("wamid.sent1", "read", patient.phone)]))
    post(client, delivery(statuses=[status("wamid.sent1", "delivered", patient.phone)]))
    post(client, delivery(statuses=[status("wamid.sent1", "sent", patient.phone)]))
    sent_message.refresh_from_db()
    assert sent_message.status == Message.Status.READ and sent_message.read_at and sent_message.delivered_at


def test_a_status_is_deduplicated_by_wamid_and_status(client, sent_message, patient):
    payload = delivery(statuses=[status("wamid.sent1", "delivered", patient.phone)])
    post(client, payload)
    assert post(client, payload).json()["duplicates"] == 1
    assert WebhookEvent.objects.get().dedupe_key == "cloud:cloud_status:wamid.sent1:delivered"


def test_undeliverable_131026_fails_the_message_with_its_reason_and_the_dose_is_missed(client, patient):
    dose = sent_dose(patient)
    message = dose.messages.get()
    post(client, delivery(statuses=[status(message.provider_message_id, "failed", patient.phone, errors=[
        {"code": 131026, "title": "Message undeliverable", "error_data": {"details": "Unable to deliver"}}])]))
    message.refresh_from_db()
    dose.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.end_reason.startswith("Cloud API error 131026: undeliverable")
    assert dose.confirmation_status == Reminder.Confirmation.MISSED and "131026" in dose.close_reason


def test_a_closed_window_131047_sends_the_message_again_as_a_template(client, patient):
    CustomerServiceWindow.objects.create(device=patient.device, phone=patient.phone,
                                         last_inbound_at=timezone.now() - timedelta(hours=23))
    message = queue_message(patient, kind=Message.Kind.FOLLOW_UP, status=Message.Status.SENT, attempts=1,
                            provider_message_id="wamid.free", sent_at=timezone.now(), device=patient.device)
    post(client, delivery(statuses=[status("wamid.free", "failed", patient.phone, errors=[
        {"code": 131047, "title": "Re-engagement message"}])]))
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.provider_message_id == ""
    # Sent as a template next, whatever our clock thinks of the window (cloud_api.cloud_content).
    assert message.last_error.startswith(WINDOW_CLOSED) and "131047" in message.last_error


def test_a_status_before_our_send_result_is_retried_later(client, patient):
    message = queue_message(patient, status=Message.Status.SENDING, device=patient.device)
    response = post(client, delivery(statuses=[status("wamid.later", "delivered", patient.phone)]))
    assert response.json()["events"] == ["received"]
    Message.objects.filter(id=message.id).update(status=Message.Status.SENT, provider_message_id="wamid.later")
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(seconds=10))
    assert process_pending_events()["PROCESSED"] == 1
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


@pytest.mark.parametrize("state", [Message.Status.QUEUED, Message.Status.SENDING])
def test_a_send_whose_answer_was_lost_is_recognised_by_its_outbox_id_and_never_sent_again(client, patient, state,
                                                                                       outbox):
    dose = make_reminder(make_schedule(patient), due_at=timezone.now() - timedelta(minutes=2))
    message = queue_message(patient, reminder=dose, status=state, attempts=1, device=patient.device,
                            last_error="timeout: answer lost", lease_expires_at=timezone.now() + timedelta(seconds=30))
    response = post(client, delivery(statuses=[status("wamid.lost", "delivered", patient.phone, outbox_id=message.id)]))
    assert response.json()["events"] == ["processed"]
    message.refresh_from_db()
    dose.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.provider_message_id == "wamid.lost"
    assert message.lease_token is None and message.last_error == ""
    assert dose.sent_at is not None and dose.reply_deadline is not None  # the patient's answer counts now
    assert claim_message(message.id) == Skip.ALREADY_SENT  # it will not go again


def test_an_outbox_id_for_another_recipient_changes_nothing(client, patient):
    other = make_patient(device=patient.device)
    message = queue_message(patient, status=Message.Status.QUEUED, attempts=1, device=patient.device)
    post(client, delivery(statuses=[status("wamid.x", "delivered", other.phone, outbox_id=message.id)]))
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.provider_message_id == ""


# Taps

def test_a_tap_on_the_right_dose_confirms_exactly_that_dose(client, patient):
    older = sent_dose(patient, minutes_ago=30)
    newer = sent_dose(patient, minutes_ago=1)
    response = post(client, delivery(messages=[tap(patient, button_payload("taken", "reminder", older.id))]))
    assert response.json()["events"] == ["processed"]
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert newer.confirmation_status == Reminder.Confirmation.PENDING  # a typed SUDAH would have taken the newest
    reply = PatientReply.objects.get()
    assert reply.reminder == older and reply.intent == PatientReply.Intent.CONFIRM and reply.text == "Sudah"
    assert "Terima kasih" in Message.objects.get(kind=Message.Kind.REPLY).body


def test_an_interactive_reply_button_works_like_a_template_tap(client, patient):
    dose = sent_dose(patient)
    post(client, delivery(messages=[reply_button(patient, button_payload("later", "reminder", dose.id), "Belum")]))
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.NOT_YET
    assert dose.messages.filter(kind=Message.Kind.FOLLOW_UP).count() == 1


def test_an_appointment_tap_records_the_answer(client, patient):
    visit = sent_dose(patient, kind=ReminderSchedule.Kind.APPOINTMENT)
    post(client, delivery(messages=[tap(patient, button_payload("late", "reminder", visit.id), "Terlambat")]))
    visit.refresh_from_db()
    assert visit.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert visit.appointment_answer == Reminder.AppointmentAnswer.LATE


@pytest.mark.parametrize("stale", ["confirmed", "expired", "yesterday"])
def test_a_tap_on_a_stale_dose_is_answered_and_not_applied_to_today(client, patient, stale):
    if stale == "yesterday":
        old = sent_dose(patient, minutes_ago=24 * 60)
    else:
        old = sent_dose(patient, minutes_ago=10)
        if stale == "confirmed":
            Reminder.objects.filter(id=old.id).close(Reminder.Confirmation.CONFIRMED, "patient answered")
        else:
            Reminder.objects.filter(id=old.id).update(reply_deadline=timezone.now() - timedelta(minutes=1))
    today = sent_dose(patient, minutes_ago=1)
    post(client, delivery(messages=[tap(patient, button_payload("taken", "reminder", old.id))]))
    today.refresh_from_db()
    assert today.confirmation_status == Reminder.Confirmation.PENDING
    reply = PatientReply.objects.get()
    assert reply.reminder_id == old.id and reply.needs_attention
    answer = Message.objects.get(kind=Message.Kind.REPLY)
    assert "Pengingat itu sudah ditutup" in answer.body


def test_a_stale_taken_tap_reads_on_hari_ini_as_not_recorded_naming_the_old_dose(client, admin_client, patient):
    """Hari ini must never read an old reminder's "Sudah diminum" as today's dose taken."""
    Patient.objects.filter(id=patient.id).update(time_zone="Asia/Makassar")
    patient.refresh_from_db()
    old = sent_dose(patient, minutes_ago=24 * 60)
    sent_dose(patient, minutes_ago=1)
    post(client, delivery(messages=[tap(patient, button_payload("taken", "reminder", old.id), "Sudah diminum")]))
    reply = PatientReply.objects.get()
    with translation.override("id"):
        due = patient_time(old.due_at, patient)
    assert due.endswith("WITA")
    page = admin_client.get(reverse("admin:index"), headers={"Accept-Language": "id"}).content.decode()
    assert f"Menekan “sudah” pada pengingat lama (Obat, {due}): TIDAK dicatat sudah diminum" in page
    assert "Menulis pesan kepada kami" not in page
    shown = admin_client.get(reverse("admin:reminders_patientreply_change", args=[reply.pk]),
                             headers={"Accept-Language": "id"}).content.decode()
    listed = admin_client.get(reverse("admin:reminders_patientreply_changelist"),
                              headers={"Accept-Language": "id"}).content.decode()
    for html in (shown, listed):
        assert "pengingat lama yang sudah tidak menunggu jawaban: TIDAK dicatat sudah diminum" in html
        assert "no longer waits" not in html


def test_a_medication_answer_tapped_on_an_appointment_is_not_applied(client, patient):
    visit = sent_dose(patient, kind=ReminderSchedule.Kind.APPOINTMENT)
    post(client, delivery(messages=[tap(patient, f"taken:reminder:{visit.id}")]))
    visit.refresh_from_db()
    assert visit.confirmation_status == Reminder.Confirmation.PENDING and not visit.appointment_answer


def test_a_typed_emergency_through_the_cloud_api_reaches_a_person_at_once(client, patient):
    post(client, delivery(messages=[text(patient, "tolong ibu sesak napas")]))
    reply = PatientReply.objects.get()
    assert reply.intent == PatientReply.Intent.EMERGENCY and reply.urgent
    assert Message.objects.get(kind=Message.Kind.REPLY, patient=patient).priority == 1


def test_a_tap_naming_another_patients_dose_is_refused(client, patient, caplog):
    stranger = make_patient(name="Pak Budi", device=patient.device)
    theirs = sent_dose(stranger)
    mine = sent_dose(patient)
    response = post(client, delivery(messages=[tap(patient, button_payload("taken", "reminder", theirs.id))]))
    assert response.json()["events"] == ["ignored"]
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.confirmation_status == mine.confirmation_status == Reminder.Confirmation.PENDING
    assert not PatientReply.objects.exists() and not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    assert "not theirs: refused" in caplog.text


def test_a_caregivers_tap_answers_their_patients_dose(client, patient):
    rina = Caregiver.objects.create(patient=patient, name="Rina", relation="anak", phone="+6281377770009",
                                    consented_at=timezone.now())
    dose = sent_dose(patient)
    message = tap(patient, button_payload("taken", "reminder", dose.id))
    message["from"] = rina.phone.lstrip("+")
    post(client, delivery(messages=[message]))
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.CONFIRMED
    assert dose.confirmation_method == Reminder.ConfirmationMethod.CAREGIVER_REPLY


def test_a_consent_tap_verifies_the_patient_who_was_asked(client, patient):
    Patient.objects.filter(id=patient.id).update(verification_status=Patient.Verification.PENDING)
    send_verification(patient)
    post(client, delivery(messages=[reply_button(patient, button_payload("yes", "consent", patient.id), "Ya")]))
    patient.refresh_from_db()
    assert patient.verification_status == Patient.Verification.VERIFIED


def test_a_consent_tap_for_another_patient_is_refused(client, patient):
    other = make_patient(verification_status=Patient.Verification.PENDING, device=patient.device)
    post(client, delivery(messages=[tap(patient, button_payload("no", "consent", other.id), "Tidak")]))
    other.refresh_from_db()
    assert other.verification_status == Patient.Verification.PENDING


# Voice notes and media

def test_a_voice_note_to_a_cloud_api_number_is_not_promised_a_listener_but_a_call(client, admin_client, patient):
    """A Cloud API number is in no WhatsApp app and PRIMA does not fetch its media: nobody can listen."""
    voice = _message(patient, "audio", audio={"id": "1234567890", "mime_type": "audio/ogg; codecs=opus",
                                             "sha256": "abc", "voice": True})
    assert post(client, delivery(messages=[voice])).json()["events"] == ["processed"]
    reply = PatientReply.objects.get()
    assert reply.intent == PatientReply.Intent.MEDIA and reply.needs_attention
    answer = Message.objects.get(kind=Message.Kind.REPLY).body
    assert "mendengarkan" not in answer
    assert "tidak dapat memutar" in answer and "Relawan kami akan menelepon Anda" in answer
    page = admin_client.get(reverse("admin:index"), headers={"Accept-Language": "id"}).content.decode()
    assert "ke nomor Cloud API: tidak bisa didengarkan; telepon pasien" in page  # Hari ini's card
    assert "dengarkan atau buka di WhatsApp" not in page
    assert f'href="tel:{patient.phone}"' in page  # its call action stays


def test_a_voice_note_through_fonnte_still_goes_to_a_volunteer_who_listens(client, admin_client):
    sari = make_patient(name="Ibu Sari")  # the number set by FONNTE_TOKEN: in the volunteers' WhatsApp
    assert post_json(client, incoming(sari, "")).json() == {"status": "processed"}
    reply = PatientReply.objects.get()
    assert reply.intent == PatientReply.Intent.MEDIA and not reply.through_cloud_api
    assert "relawan kami akan mendengarkan" in Message.objects.get(kind=Message.Kind.REPLY).body
    page = admin_client.get(reverse("admin:index"), headers={"Accept-Language": "id"}).content.decode()
    assert "dengarkan atau buka di WhatsApp" in page and "Cloud API" not in page


def test_a_picture_with_a_caption_is_read_by_its_caption(client, patient):
    dose = sent_dose(patient)
    picture = _message(patient, "image", image={"id": "55", "mime_type": "image/jpeg", "caption": "sudah minum obat"})
    post(client, delivery(messages=[picture]))
    dose.refresh_from_db()
    assert dose.confirmation_status == Reminder.Confirmation.CONFIRMED


def test_a_reminder_whose_answer_timed_out_is_recognised_by_meta_s_status_and_not_sent_again(client, patient,
                                                                                            settings):
    """End to end: the send reaches Meta's stand-in but its answer is lost (a read timeout); the
    status Meta then delivers names our outbox id, so the reminder counts as sent and the next
    drain does not send it again."""
    note_inbound(patient.device, patient.phone, timezone.now())  # inside the window: text with buttons
    dose = make_reminder(make_schedule(patient), due_at=timezone.now())
    message = queue_message(patient, reminder=dose, kind=Message.Kind.REMINDER, body="Halo, waktunya minum obat.")
    with GraphStandIn(latency=0.5) as graph:
        settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
        settings.CLOUD_API_BASE_URL = graph.base_url
        settings.CLOUD_API_READ_TIMEOUT = 0.2
        assert drain_all()["retried"] == 1
        sent = graph.requests[0].body
        assert sent["biz_opaque_callback_data"] == f"outbox:{message.id}"
        wamid = "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEj00000001"  # what the stand-in answered, too late
        response = post(client, delivery(statuses=[status(wamid, "delivered", sent["to"], outbox_id=message.id)]))
        assert response.json()["events"] == ["processed"]
        Message.objects.filter(id=message.id).update(send_after=timezone.now() - timedelta(seconds=1))
        drain_all()
        assert len(graph.requests) == 1  # never sent again
    message.refresh_from_db()
    dose.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.provider_message_id == wamid
    assert dose.sent_at is not None


def test_every_result_the_cloud_api_endpoint_stores_is_told_in_indonesian(client, patient):
    """Driven through the endpoint: a tap applied, a stale tap, another patient's, a reaction, a
    system message, a number not ours, a delivery with nothing in it."""
    dose = sent_dose(patient)
    other = sent_dose(make_patient(name="Pak Budi", device=patient.device))
    post(client, delivery(messages=[tap(patient, button_payload("taken", "reminder", dose.id))]))
    post(client, delivery(messages=[tap(patient, button_payload("later", "reminder", dose.id), "Belum")]))
    post(client, delivery(messages=[tap(patient, button_payload("taken", "reminder", other.id))]))
    post(client, delivery(messages=[_message(patient, "reaction", reaction={"emoji": "👍", "message_id": "w"}),
                                    _message(patient, "system", system={"body": "changed"})]))
    post(client, delivery(messages=[text(patient, "sudah")], phone_number_id="not-ours"))
    post(client, {"object": "whatsapp_business_account", "entry": []})
    results = list(WebhookEvent.objects.values_list("result", flat=True))
    assert len(set(results)) == 7
    with translation.override("id"):
        assert [result for result in results if describe(result) == result] == []
