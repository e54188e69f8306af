"""Sending through a WhatsApp Cloud API device (issue 30), against a local stand-in of Meta's
Graph API: text inside the customer-service window, the purpose's approved template outside it
with the dose's button payloads, held (never sent as free text) when no template is approved,
each class of Meta's errors, the limits, and a lost answer."""
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.backends import get_backend, locmem
from reminders.backends.cloud_api import _error_of, refusal_error
from reminders.models import Device, Message, MessageTemplate, Patient, ReminderSchedule, SendingPause
from reminders.outbox.cloud_api import (
    NO_TEMPLATE, TEMPLATE_REFUSED, note_inbound, requeue_as_template,
)
from reminders.outbox.devices import encrypt_token
from tests.factories import make_patient, make_reminder, make_schedule, queue_message
from tests.fonnte_standin import FonnteStandIn
from tests.graph_standin import GraphStandIn, meta_error
from tests.reminders.test_sending import drain_all, make_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]

PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture
def device() -> Device:
    return Device.objects.create(number="+6281100000001", gateway=Device.Gateway.CLOUD_API,
                                 cloud_phone_number_id=PHONE_NUMBER_ID, token_encrypted=encrypt_token("EAAG-token"))


@pytest.fixture
def graph(settings):
    """Meta's stand-in, and the real gateways configured (Fonnte's backend for Fonnte numbers)."""
    with GraphStandIn() as standin:
        settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
        settings.CLOUD_API_BASE_URL = standin.base_url
        yield standin


def patient_on(device: Device, **fields) -> Patient:
    return make_patient(device=device, **fields)


def medication_dose(patient: Patient):
    schedule = make_schedule(patient, kind=ReminderSchedule.Kind.MEDICATION)
    reminder = make_reminder(schedule)
    return reminder, queue_message(patient, reminder=reminder, kind=Message.Kind.REMINDER,
                                   body="Halo Ibu Sari, waktunya minum obat pukul 08:00.")


def approve(device: Device, purpose=MessageTemplate.Purpose.MEDICATION, **fields) -> MessageTemplate:
    fields.setdefault("name", "pengingat_obat")
    fields.setdefault("parameters", ["nama", "waktu"])
    fields.setdefault("buttons", ["TAKEN", "NOT_YET"])
    return MessageTemplate.objects.create(device=device, purpose=purpose, status=MessageTemplate.Status.APPROVED,
                                          body="Halo {{1}}, waktunya minum obat pukul {{2}}.", **fields)


def test_inside_the_window_a_reminder_goes_as_text_with_reply_buttons_naming_the_dose(graph, device):
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now() - timedelta(hours=2))
    reminder, message = medication_dose(patient)
    drain_all()
    [request] = graph.requests
    assert (request.phone_number_id, request.token) == (PHONE_NUMBER_ID, "EAAG-token")
    body = request.body
    assert (body["to"], body["type"], body["biz_opaque_callback_data"]) == (
        patient.phone, "interactive", f"outbox:{message.id}")
    assert body["interactive"]["body"]["text"] == message.body
    assert [b["reply"] for b in body["interactive"]["action"]["buttons"]] == [
        {"id": f"taken:reminder:{reminder.id}", "title": "Sudah diminum"},
        {"id": f"later:reminder:{reminder.id}", "title": "Belum"}]
    message.refresh_from_db()
    assert message.status == "SENT" and message.provider_message_id.startswith("wamid.")


def test_inside_the_window_our_own_answer_goes_as_plain_text(graph, device):
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())
    message = queue_message(patient, kind=Message.Kind.REPLY, body="Terima kasih, Ibu Sari.")
    drain_all()
    [request] = graph.requests
    assert request.body["type"] == "text"
    assert request.body["text"] == {"preview_url": False, "body": "Terima kasih, Ibu Sari."}
    assert request.body["biz_opaque_callback_data"] == f"outbox:{message.id}"


def test_outside_the_window_a_reminder_goes_as_its_approved_template_with_the_doses_payloads(graph, device):
    approve(device, purpose=MessageTemplate.Purpose.APPOINTMENT, name="pengingat_obat_lain")  # not this purpose
    template = approve(device)
    patient = patient_on(device, name="Ibu Sari")
    note_inbound(device, patient.phone, timezone.now() - timedelta(hours=25))  # closed a while ago
    reminder, message = medication_dose(patient)
    drain_all()
    [request] = graph.requests
    body = request.body
    assert body["type"] == "template" and body["biz_opaque_callback_data"] == f"outbox:{message.id}"
    assert body["template"]["name"] == template.name and body["template"]["language"] == {"code": "id"}
    waktu = f"{reminder.due_at.astimezone(patient.zone):%H:%M}"
    assert body["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "Ibu Sari"}, {"type": "text", "text": waktu}]},
        {"type": "button", "sub_type": "quick_reply", "index": "0",
         "parameters": [{"type": "payload", "payload": f"taken:reminder:{reminder.id}"}]},
        {"type": "button", "sub_type": "quick_reply", "index": "1",
         "parameters": [{"type": "payload", "payload": f"later:reminder:{reminder.id}"}]},
    ]
    message.refresh_from_db()
    assert message.status == "SENT"


def test_the_consent_question_carries_yes_and_no_for_that_patient(graph, device):
    approve(device, purpose=MessageTemplate.Purpose.VERIFICATION, name="persetujuan", parameters=["nama"],
            buttons=["YES", "NO"])
    patient = patient_on(device, verification_status=Patient.Verification.PENDING)
    queue_message(patient, kind=Message.Kind.VERIFICATION, body="Apakah Ibu setuju?")
    drain_all()
    [request] = graph.requests
    payloads = [c["parameters"][0]["payload"] for c in request.body["template"]["components"][1:]]
    assert payloads == [f"yes:consent:{patient.id}", f"no:consent:{patient.id}"]


def test_inside_the_window_the_consent_question_goes_with_ya_and_tidak(graph, device):
    patient = patient_on(device, verification_status=Patient.Verification.PENDING)
    note_inbound(device, patient.phone, timezone.now())
    queue_message(patient, kind=Message.Kind.VERIFICATION, body="Apakah Ibu setuju menerima pengingat?")
    drain_all()
    [request] = graph.requests
    assert [b["reply"] for b in request.body["interactive"]["action"]["buttons"]] == [
        {"id": f"yes:consent:{patient.id}", "title": "Ya"}, {"id": f"no:consent:{patient.id}", "title": "Tidak"}]


def test_an_appointment_template_carries_attend_late_and_cancel(graph, device):
    approve(device, purpose=MessageTemplate.Purpose.APPOINTMENT, name="kontrol", parameters=["pesan"],
            buttons=["ATTENDING", "LATE", "CANCEL"])
    patient = patient_on(device)
    reminder = make_reminder(make_schedule(patient, kind=ReminderSchedule.Kind.APPOINTMENT))
    queue_message(patient, reminder=reminder, body="Jangan lupa\n\nkontrol    besok.")
    drain_all()
    [request] = graph.requests
    body, *buttons = request.body["template"]["components"]
    assert body["parameters"] == [{"type": "text", "text": "Jangan lupa kontrol besok."}]  # Meta refuses line breaks
    assert [b["parameters"][0]["payload"] for b in buttons] == [
        f"attend:reminder:{reminder.id}", f"late:reminder:{reminder.id}", f"cancel:reminder:{reminder.id}"]


@pytest.mark.parametrize("status", [MessageTemplate.Status.PENDING, MessageTemplate.Status.REJECTED,
                                    MessageTemplate.Status.PAUSED, None])
def test_with_no_approved_template_a_reminder_waits_with_the_reason_and_nothing_is_sent(graph, device, status):
    if status:
        MessageTemplate.objects.create(device=device, purpose=MessageTemplate.Purpose.MEDICATION, status=status,
                                       name="pengingat_obat", body="Halo {{1}}")
    patient = patient_on(device)
    reminder, message = medication_dose(patient)
    stats = drain_all()
    assert graph.requests == []
    message.refresh_from_db()
    assert message.status == "QUEUED" and message.attempts == 0 and not message.held_by_pause
    assert message.last_error.startswith(NO_TEMPLATE) and "Medication reminder" in message.last_error
    assert message.send_after > timezone.now() + timedelta(minutes=10)
    assert stats["held"] == 1
    reminder.refresh_from_db()
    assert reminder.sent_at is None


def test_approving_the_template_or_the_patient_writing_sends_what_waited(graph, device):
    patient = patient_on(device)
    _reminder, message = medication_dose(patient)
    drain_all()
    note_inbound(device, patient.phone, timezone.now())  # the patient writes: the window opens
    message.refresh_from_db()
    assert message.send_after <= timezone.now()
    drain_all()
    assert [r.body["type"] for r in graph.requests] == ["interactive"]


def test_a_fonnte_device_is_untouched_by_templates_and_windows(settings, outbox):
    fonnte = Device.objects.create(number="+6281100000002", token_encrypted=encrypt_token("fonnte-token"))
    patient = make_patient(device=fonnte)
    _reminder, message = medication_dose(patient)
    drain_all()
    [sent] = outbox
    assert (sent.body, sent.content) == (message.body, None)


def test_a_stand_in_backend_catches_a_cloud_api_devices_sends_with_what_would_go(outbox, device):
    approve(device)
    patient = patient_on(device)
    reminder, _message = medication_dose(patient)
    drain_all()
    [sent] = outbox
    assert sent.device == device.number and sent.content["type"] == "template"
    assert sent.content["template"]["components"][1]["parameters"][0]["payload"] == f"taken:reminder:{reminder.id}"


# --- Meta's errors ----------------------------------------------------------------------------

def answering(graph, *answers):
    """Script the stand-in: the n-th request gets answers[n-1]; later ones succeed."""
    graph.responder = lambda number, _request: answers[number - 1] if number <= len(answers) else None


@pytest.mark.parametrize("code", [130429, 131056, 131000, 131016, 1, 2])
def test_a_transient_error_is_retried_with_backoff(graph, device, code):
    answering(graph, meta_error(code, status=429 if code in (130429, 131056) else 500))
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())
    message = queue_message(patient, kind=Message.Kind.REPLY)
    assert drain_all()["retried"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("QUEUED", 1) and str(code) in message.last_error
    make_due(message)
    drain_all()
    message.refresh_from_db()
    assert message.status == "SENT" and len(graph.requests) == 2


@pytest.mark.parametrize("code", [131026, 131051])
def test_an_undeliverable_message_fails_with_its_reason_and_closes_its_dose(graph, device, code):
    answering(graph, meta_error(code, "Message undeliverable"))
    approve(device)
    reminder, message = medication_dose(patient_on(device))
    assert drain_all()["failed"] == 1
    message.refresh_from_db()
    assert message.status == "FAILED" and f"error {code}" in message.end_reason
    reminder.refresh_from_db()
    assert reminder.confirmation_status == "MISSED"


@pytest.mark.parametrize("code", [190, 131031, 368])
def test_a_refused_token_or_a_locked_or_blocked_account_pauses_that_device_only(graph, device, code):
    other = Device.objects.create(number="+6281100000003", gateway=Device.Gateway.CLOUD_API,
                                  cloud_phone_number_id="2", token_encrypted=encrypt_token("other-token"))
    graph.responder = lambda _n, request: (
        meta_error(code, status=401 if code == 190 else 403) if request.phone_number_id == PHONE_NUMBER_ID else None)
    patient, elsewhere = patient_on(device), patient_on(other)
    note_inbound(device, patient.phone, timezone.now())
    note_inbound(other, elsewhere.phone, timezone.now())
    held = queue_message(patient, kind=Message.Kind.REPLY)
    queue_message(elsewhere, kind=Message.Kind.REPLY)
    stats = drain_all()
    assert (stats["paused"], stats["sent"]) == (1, 1)
    held.refresh_from_db()
    assert (held.status, held.attempts, held.held_by_pause) == ("QUEUED", 0, True)
    pause = SendingPause.objects.get()
    assert pause.scope == device.number and f"error {code}" in pause.reason


def test_a_phone_number_id_meta_does_not_know_pauses_the_device_and_fails_no_dose(graph, device):
    """Code 100 with subcode 33 (a mistyped phone-number id, or a token that may not use it) is
    the device's setting, wrong for every message: the device pauses; no message fails, no dose
    is closed as missed. Code 100 alone stays a bad parameter of that one message."""
    graph.responder = lambda _n, request: (400, {"error": {
        "message": "Unsupported post request. Object with ID '10654035224292' does not exist, cannot be loaded "
                   "due to missing permissions, or does not support this operation.",
        "type": "GraphMethodException", "code": 100, "error_subcode": 33}})
    approve(device)
    reminder, message = medication_dose(patient_on(device))
    stats = drain_all()
    assert (stats["paused"], stats["failed"]) == (1, 0)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.held_by_pause) == ("QUEUED", 0, True)
    reminder.refresh_from_db()
    assert reminder.confirmation_status == "PENDING"
    pause = SendingPause.objects.get()
    assert pause.scope == device.number and "error 100/33" in pause.reason and "phone number ID" in pause.reason
    assert refusal_error(100, "bad parameter", template=False).scope == "message"
    assert refusal_error(100, "bad parameter", template=False, subcode=33).scope == "account"


def test_free_text_refused_as_outside_the_window_goes_again_as_the_template_at_once(graph, device):
    answering(graph, meta_error(131047, "Re-engagement message"))
    approve(device)
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())  # we think it is open; Meta disagrees
    reminder, message = medication_dose(patient)
    stats = drain_all()
    assert stats["held"] == 1 and stats["sent"] == 1
    assert [r.body["type"] for r in graph.requests] == ["interactive", "template"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("SENT", 1)


def test_free_text_refused_as_outside_the_window_waits_when_no_template_is_approved(graph, device):
    answering(graph, meta_error(131047, "Re-engagement message"))
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())
    _reminder, message = medication_dose(patient)
    drain_all()
    assert len(graph.requests) == 1  # never free text again
    message.refresh_from_db()
    assert message.status == "QUEUED" and message.last_error.startswith(NO_TEMPLATE) and message.attempts == 0


def test_meta_saying_later_that_the_window_was_closed_sends_it_again_as_the_template(graph, device):
    approve(device)
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())
    _reminder, message = medication_dose(patient)
    drain_all()
    assert requeue_as_template(message.id, "131047 Re-engagement message")
    assert not requeue_as_template(message.id, "a redelivered status")  # once
    drain_all()
    assert [r.body["type"] for r in graph.requests] == ["interactive", "template"]
    message.refresh_from_db()
    assert message.status == "SENT"


def test_an_answer_outside_the_window_goes_as_the_notice_template_never_held_for_ever(graph, device):
    """A patient moved to a Cloud API number writes to the old Fonnte number (still ours, still
    heard): our answer (the emergency safety answer among them) comes from their Cloud API
    number, whose window they never opened. It goes as the NOTICE template, or waits for one
    with a purpose a coordinator can register, never for "Our answer to a reply"."""
    patient = patient_on(device)
    answer = queue_message(patient, kind=Message.Kind.REPLY,
                           body="PENTING, Ibu Sari: segera hubungi dokter.\nAmbulans: 118/119.")
    assert drain_all()["held"] == 1
    answer.refresh_from_db()
    assert answer.status == "QUEUED" and answer.last_error.startswith(f"{NO_TEMPLATE}: Notice")
    approve(device, MessageTemplate.Purpose.NOTICE, name="pesan_prima", parameters=["pesan"], buttons=[])
    make_due(answer)
    drain_all()
    [request] = graph.requests
    assert request.body["type"] == "template" and request.body["template"]["name"] == "pesan_prima"
    assert request.body["template"]["components"] == [{"type": "body", "parameters": [
        {"type": "text", "text": "PENTING, Ibu Sari: segera hubungi dokter. Ambulans: 118/119."}]}]
    answer.refresh_from_db()
    assert answer.status == "SENT"


def test_a_delivered_message_is_not_sent_again_by_a_late_window_failure(graph, device):
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())
    message = queue_message(patient, kind=Message.Kind.REPLY)
    drain_all()
    Message.objects.filter(id=message.id).update(status=Message.Status.DELIVERED)
    assert not requeue_as_template(message.id, "131047")


@pytest.mark.parametrize("code", [132000, 132001])
def test_a_template_meta_refuses_holds_the_message_with_the_reason(graph, device, code):
    answering(graph, meta_error(code, "Template name does not exist in the translation"))
    approve(device)
    _reminder, message = medication_dose(patient_on(device))
    assert drain_all()["held"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("QUEUED", 0)
    assert message.last_error.startswith(TEMPLATE_REFUSED) and str(code) in message.last_error
    assert not SendingPause.objects.exists()


def test_a_template_naming_a_value_prima_does_not_have_is_held_not_sent(graph, device):
    approve(device, parameters=["nama", "dosis"])
    _reminder, message = medication_dose(patient_on(device))
    drain_all()
    assert graph.requests == []
    message.refresh_from_db()
    assert message.last_error.startswith(TEMPLATE_REFUSED) and "dosis" in message.last_error


def test_a_lost_answer_is_retried_and_carries_the_same_outbox_id(graph, device, settings):
    settings.CLOUD_API_READ_TIMEOUT = 0.2
    graph.latency = 0.5
    patient = patient_on(device)
    note_inbound(device, patient.phone, timezone.now())
    message = queue_message(patient, kind=Message.Kind.REPLY)
    assert drain_all()["retried"] == 1
    message.refresh_from_db()
    assert message.status == "QUEUED" and "timeout" in message.last_error
    assert graph.requests[0].body["biz_opaque_callback_data"] == f"outbox:{message.id}"


# --- limits -----------------------------------------------------------------------------------

def test_the_pair_limit_lets_one_message_in_six_seconds_reach_one_person(graph, device, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cloud_api_pair": {"limit": 1, "window": 6.0}}
    patient, other = patient_on(device), patient_on(device)
    for person in (patient, other):
        note_inbound(device, person.phone, timezone.now())
    first, second = queue_message(patient, kind=Message.Kind.REPLY), queue_message(patient, kind=Message.Kind.REPLY)
    elsewhere = queue_message(other, kind=Message.Kind.REPLY)
    stats = drain_all()
    assert (stats["sent"], stats["deferred"]) == (2, 1)
    assert sorted(r.body["to"] for r in graph.requests) == sorted([patient.phone, other.phone])
    statuses = {m.id: m.status for m in Message.objects.filter(id__in=[first.id, second.id, elsewhere.id])}
    assert statuses[elsewhere.id] == "SENT" and sorted([statuses[first.id], statuses[second.id]]) == ["QUEUED", "SENT"]
    waiting = Message.objects.get(id__in=[first.id, second.id], status="QUEUED")
    assert waiting.attempts == 0 and waiting.send_after > timezone.now() + timedelta(seconds=3)


def test_the_numbers_throughput_is_a_limit_of_its_own(graph, device, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cloud_api_number": {"limit": 2, "window": 60.0}}
    people = [patient_on(device) for _ in range(3)]
    for person in people:
        note_inbound(device, person.phone, timezone.now())
        queue_message(person, kind=Message.Kind.REPLY)
    stats = drain_all()
    assert (stats["sent"], stats["deferred"]) == (2, 1)


def test_get_backend_stays_the_configured_one(graph, device):
    assert type(get_backend()).__name__ == "FonnteBackend"
    assert locmem.outbox == []


def test_with_the_cloud_api_named_as_the_backend_each_device_still_goes_through_its_own_gateway(
        graph, device, settings):
    settings.WHATSAPP_BACKEND = settings.WHATSAPP_BACKENDS["cloud_api"]
    fonnte = Device.objects.create(number="+6281100000002", token_encrypted=encrypt_token("fonnte-token"))
    on_cloud, on_fonnte = patient_on(device), make_patient(device=fonnte)
    note_inbound(device, on_cloud.phone, timezone.now())
    with FonnteStandIn() as fonnte_standin:
        settings.FONNTE_BASE_URL = fonnte_standin.base_url
        queue_message(on_cloud, kind=Message.Kind.REPLY, body="lewat Meta")
        queue_message(on_fonnte, kind=Message.Kind.REPLY, body="lewat Fonnte")
        assert drain_all()["sent"] == 2
        assert [r.body["text"]["body"] for r in graph.requests] == ["lewat Meta"]
        assert [entry.message for entry in fonnte_standin.log] == ["lewat Fonnte"]


def alert_to_staff(patient: Patient, kind: str, body: str) -> Message:
    return Message.objects.create(patient=patient, kind=kind, phone="+6281399999999", body=body,
                                  priority=1 if kind == Message.Kind.STAFF_ALERT else 0,
                                  send_after=timezone.now() - timedelta(seconds=1))


def test_an_alert_to_staff_that_no_template_can_carry_fails_at_once_to_be_passed_on(graph, device):
    alert = alert_to_staff(patient_on(device), Message.Kind.STAFF_ALERT, "DARURAT: Ibu Sari minta tolong")
    assert drain_all()["failed"] == 1
    assert graph.requests == []
    alert.refresh_from_db()
    assert alert.status == "FAILED" and alert.end_reason.startswith(NO_TEMPLATE)


def test_an_alert_to_staff_whose_template_meta_refuses_fails_instead_of_waiting(graph, device):
    answering(graph, meta_error(132001, "Template name does not exist in the translation"))
    approve(device, purpose=MessageTemplate.Purpose.STAFF_ALERT, name="pesan_prima", parameters=["pesan"], buttons=[])
    alert = alert_to_staff(patient_on(device), Message.Kind.ESCALATION, "Ibu Sari melewatkan dua dosis")
    assert drain_all()["failed"] == 1
    alert.refresh_from_db()
    assert alert.status == "FAILED" and "132001" in alert.end_reason


@pytest.mark.parametrize("code, scope, transient", [
    (190, "account", True), ("190", "account", True), (131047, "window", True), (132001, "template", True),
    (131026, "message", False), (130429, "message", True), (999999, "message", True),
])
def test_meta_codes_are_read_by_their_number_not_their_words(code, scope, transient):
    read, _message = _error_of(meta_error(code)[1] if isinstance(code, int) else
                               {"error": {"code": code, "message": "whatever the words"}})
    error = refusal_error(read, "whatever the words", template=False)
    assert (error.scope, error.transient) == (scope, transient)
    assert refusal_error(131047, "", template=True).scope == "message"  # never re-sent as a template for ever
