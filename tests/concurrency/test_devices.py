"""A pool of devices under real processes: each patient only ever hears from their own device,
a device that is down holds back only its own patients, and the limits stay exact with many
sends in flight. Every sender is a forked process with its own connection, sending through
the Fonnte stand-in, which records the token of every request."""
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ratelimit.models import RateLimitEvent
from reminders.outbox.devices import encrypt_token, move_patient
from reminders.models import Device, Message, SendingPause
from reminders.phones import as_dialled
from tests.factories import make_patient, queue_message
from tests.fonnte_standin import FonnteStandIn
from tests.processes import run_in_processes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rate_limits")]

SECRET = "device-test-secret"
TOKENS = {"+6281100000001": "token-satu", "+6281100000002": "token-dua"}


@pytest.fixture
def devices(settings):
    settings.FONNTE_TOKEN = ""
    settings.FONNTE_WEBHOOK_SECRET = SECRET
    settings.WHATSAPP_BACKEND = "reminders.backends.fonnte.FonnteBackend"
    return [Device.objects.create(number=number, label=f"HP {n}", token_encrypted=encrypt_token(token))
            for n, (number, token) in enumerate(TOKENS.items(), start=1)]


@pytest.fixture
def fonnte(settings):
    with FonnteStandIn(latency=0.02) as standin:
        settings.FONNTE_BASE_URL = standin.base_url
        yield standin


def send_once() -> str:
    """One `send_reminders` run; a run that could send nothing says why (and exits non-zero)."""
    try:
        call_command("send_reminders", "--max-seconds", "30")
    except CommandError as error:
        return str(error)
    return "ok"


def device_says(client, device: Device, status: str) -> None:
    payload = {"device": device.number.lstrip("+"), "status": status}
    response = client.post(f"/webhooks/fonnte/{SECRET}/device/", data=json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 200


def tokens_by_target(fonnte: FonnteStandIn) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for request in fonnte.log:
        found.setdefault("+" + request.target, set()).add(request.token)
    return found


def test_patients_are_spread_over_the_active_devices_and_always_hear_from_their_own(devices, fonnte):
    patients = [make_patient() for _ in range(6)]
    assert Counter(p.device_id for p in patients) == {devices[0].id: 3, devices[1].id: 3}
    for patient in patients:
        for n in range(5):
            queue_message(patient, body=f"Pesan {n} untuk {patient.id}")
    run_in_processes(send_once, [()] * 4)
    assert Message.objects.filter(status="SENT").count() == 30 and fonnte.total() == 30
    assert tokens_by_target(fonnte) == {p.phone: {TOKENS[p.device.number]} for p in patients}


def test_a_disconnected_device_holds_back_only_its_own_patients(client, devices, fonnte):
    down, up = devices
    patients = [make_patient() for _ in range(6)]
    messages = [queue_message(patient, body=f"Pengingat {patient.id}") for patient in patients]
    device_says(client, down, "disconnect")
    results = run_in_processes(send_once, [()] * 3)
    assert all(result == "ok" or "paused" in result for result in results)
    held = Message.objects.filter(id__in=[m.id for m in messages], patient__device=down)
    assert {(m.status, m.attempts, m.held_by_pause) for m in held} == {("QUEUED", 0, True)}
    assert {(m.status, m.device_id) for m in Message.objects.filter(patient__device=up)} == {("SENT", up.id)}
    assert {request.token for request in fonnte.log} == {TOKENS[up.number]}  # nothing tried through the one down
    assert list(SendingPause.objects.values_list("scope", flat=True)) == [down.number]

    device_says(client, down, "connect")  # back: its patients' messages are due at once
    run_in_processes(send_once, [()] * 3)
    assert {m.status for m in Message.objects.filter(id__in=[m.id for m in messages])} == {"SENT"}
    assert fonnte.total() == 6 and not SendingPause.objects.exists()
    assert tokens_by_target(fonnte) == {p.phone: {TOKENS[p.device.number]} for p in patients}


def test_a_moved_patient_is_told_by_the_old_number_once_and_then_hears_from_the_new(devices, fonnte):
    old, new = devices
    patient = make_patient(device=old)
    queue_message(patient, body="Sebelum pindah")
    run_in_processes(send_once, [()] * 2)
    waiting = queue_message(patient, body="Pengingat yang menunggu")
    assert move_patient(patient, new) and not move_patient(patient, new)
    run_in_processes(send_once, [()] * 2)
    queue_message(patient, body="Sesudah pindah")
    run_in_processes(send_once, [()] * 2)
    heard = [(request.token, request.message) for request in sorted(fonnte.log, key=lambda r: r.at)]
    notices = [message for token, message in heard if as_dialled(new.number) in message]
    assert notices and len(notices) == 1
    assert (TOKENS[old.number], notices[0]) in heard
    assert (TOKENS[new.number], waiting.body) in heard and (TOKENS[new.number], "Sesudah pindah") in heard
    assert (TOKENS[old.number], "Sebelum pindah") in heard and fonnte.total() == 4


def test_moved_away_and_back_before_the_notice_went_out_the_patient_is_told_nothing(devices, fonnte):
    old, new = devices
    patient = make_patient(device=old)
    move_patient(patient, new)
    move_patient(patient, old)
    notices = Message.objects.filter(patient=patient, kind="NOTICE")
    assert [(m.status, m.end_reason) for m in notices] == [("CANCELLED", "moved again before it was sent")]
    run_in_processes(send_once, [()] * 2)
    assert fonnte.total() == 0


def test_eight_processes_with_sends_in_flight_send_exactly_thirty_to_one_phone_in_a_window(devices, fonnte, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "whatsapp_send": {"limit": 30, "window": 60.0}}
    settings.SEND_CONCURRENCY = 8
    patient = make_patient()
    for n in range(100):
        queue_message(patient, body=f"Pesan {n}")

    def send_for_a_while() -> None:
        call_command("send_reminders", "--loop", "--max-seconds", "5", "--interval", "0.2")

    run_in_processes(send_for_a_while, [()] * 8)
    assert fonnte.total() == 30 and len(fonnte.requests) == 30  # thirty different messages, none twice
    assert Message.objects.filter(status="SENT").count() == 30
    assert RateLimitEvent.objects.filter(key=f"whatsapp_send:{patient.phone}").count() == 30
    assert Message.objects.filter(status="QUEUED").count() == 70
