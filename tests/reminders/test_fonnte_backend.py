"""The Fonnte client at the HTTP boundary, with the response shapes of fonnte-api.md."""
import logging

import pytest
import requests
import responses

from reminders.backends import Scope, WhatsAppError
from reminders.backends.base import DeviceQuota
from reminders.backends.fonnte import FonnteBackend, device_quotas

# A live /send answer, logged in February 2026 (fonnte-api.md), byte for byte.
LIVE_SEND_ANSWER = (
    '{"detail":"success! message in queue","id":[142223099],"process":"pending","quota":{"085885529352":'
    '{"details":"deduced from total quota","quota":967,"remaining":966,"used":1}},"requestid":369052479,'
    '"status":true,"target":["6285885529352"]}'
)

SEND_URL = "https://fonnte.test/send"
TOKEN = "secret-device-token"


@pytest.fixture
def backend(settings):
    settings.FONNTE_TOKEN = TOKEN
    settings.FONNTE_BASE_URL = "https://fonnte.test"
    return FonnteBackend()


@responses.activate
def test_it_sends_the_token_target_and_message_and_returns_the_provider_id(backend):
    responses.post(
        SEND_URL,
        json={"status": True, "detail": "success! message in queue", "id": ["80367170"], "process": "pending",
              "requestid": 2937124, "target": ["6281234567890"]},
    )
    sent = backend.send("+6281234567890", "Halo Ibu Sari")
    assert sent.provider_message_id == "80367170"
    request = responses.calls[0].request
    assert request.headers["Authorization"] == TOKEN
    assert "target=6281234567890" in request.body
    assert "countryCode=62" in request.body
    assert "message=Halo+Ibu+Sari" in request.body
    assert len(responses.calls) == 1


@responses.activate
def test_it_reads_the_live_answer_integer_id_and_the_quota_keyed_by_the_local_number(backend):
    responses.post(SEND_URL, body=LIVE_SEND_ANSWER, content_type="application/json")
    sent = backend.send("+6285885529352", "Halo")
    assert sent.provider_message_id == "142223099"
    assert sent.quotas == (DeviceQuota(device="+6285885529352", remaining=966),)
    assert sent.detail == "success! message in queue"


@pytest.mark.parametrize(
    "quota, expected",
    [
        (None, ()),
        ("967", ()),
        ({"085885529352": {"remaining": "12"}}, (DeviceQuota("+6285885529352", 12),)),
        ({"6285885529352": {"remaining": 0}}, (DeviceQuota("+6285885529352", 0),)),
        ({"085885529352": {"remaining": "lots"}, "081234567890": {"used": 1}, "x": 5}, ()),
        ({"085885529352": {"remaining": True}}, ()),
    ],
)
def test_it_keeps_only_quota_figures_it_can_read(quota, expected):
    assert device_quotas(quota) == expected


@pytest.mark.parametrize("ids, expected", [([142223099], "142223099"), (["80367170"], "80367170"), (7, "7"),
                                           ([], ""), ([True], ""), (None, "")])
@responses.activate
def test_it_accepts_integer_and_text_ids_and_stores_them_as_text(backend, ids, expected):
    responses.post(SEND_URL, json={"status": True, "id": ids})
    assert backend.send("+6281234567890", "x").provider_message_id == expected


@pytest.mark.parametrize(
    "reason, scope, transient",
    [
        # Refusals of the sender itself pause sending (reminders/outbox/pauses.py): no attempt is spent.
        ("token invalid", Scope.ACCOUNT, True),
        ("invalid token", Scope.ACCOUNT, True),
        ("devices must belong to an account", Scope.ACCOUNT, True),
        ("insufficient quota", Scope.ACCOUNT, True),
        ("device disconnected", Scope.DEVICE, True),
        ("Device offline", Scope.DEVICE, True),
        # This message's own problems.
        ("input invalid", Scope.MESSAGE, False),
        ("target invalid", Scope.MESSAGE, False),
        ("JSON format invalid", Scope.MESSAGE, False),
        ("something new we never saw", Scope.MESSAGE, True),
        ("url invalid", Scope.MESSAGE, True),
        ("url unreachable", Scope.MESSAGE, True),
        ("file format not supported", Scope.MESSAGE, True),
        ("file size must under 4MB", Scope.MESSAGE, True),
    ],
)
@responses.activate
def test_it_classifies_each_documented_refusal(backend, reason, scope, transient):
    responses.post(SEND_URL, json={"status": False, "reason": reason, "requestid": 7})
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.reason == reason
    assert (excinfo.value.scope, excinfo.value.transient) == (scope, transient)


@responses.activate
def test_an_http_401_is_a_refused_token(backend):
    responses.post(SEND_URL, status=401, json={"status": False})
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.scope == Scope.ACCOUNT


@responses.activate
def test_it_reads_the_reason_from_detail_when_reason_is_absent(backend):
    responses.post(SEND_URL, json={"status": False, "detail": "target invalid"})
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.reason == "target invalid" and not excinfo.value.transient


@responses.activate
def test_a_timeout_is_transient(backend):
    responses.post(SEND_URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.transient and "timeout" in excinfo.value.reason


@responses.activate
def test_a_connection_error_is_transient(backend):
    responses.post(SEND_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.transient


@pytest.mark.parametrize("status", [500, 502, 503])
@responses.activate
def test_a_server_error_is_transient(backend, status):
    responses.post(SEND_URL, status=status, body="<html>oops</html>")
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.transient and str(status) in excinfo.value.reason


@pytest.mark.parametrize("body", ["not json at all", "[1, 2]", ""])
@responses.activate
def test_an_unparseable_answer_is_transient(backend, body):
    responses.post(SEND_URL, body=body, status=200)
    with pytest.raises(WhatsAppError) as excinfo:
        backend.send("+6281234567890", "x")
    assert excinfo.value.transient


@responses.activate
def test_it_never_logs_the_token_or_the_full_phone(backend, caplog):
    caplog.set_level(logging.DEBUG)
    responses.post(SEND_URL, json={"status": False, "reason": "insufficient quota"})
    with pytest.raises(WhatsAppError):
        backend.send("+6281234567890", "x")
    responses.replace(responses.POST, SEND_URL, json={"status": True, "id": ["1"]})
    backend.send("+6281234567890", "x")
    assert caplog.records
    assert TOKEN not in caplog.text
    assert "81234567890" not in caplog.text
    assert "+62812" in caplog.text


@pytest.mark.django_db
def test_it_refuses_to_start_without_a_token(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FONNTE_TOKEN = ""
    with pytest.raises(ImproperlyConfigured, match="FONNTE_TOKEN"):
        FonnteBackend()


@pytest.mark.django_db
def test_without_fonnte_token_it_starts_when_devices_have_their_own(settings):
    from reminders.models import Device

    settings.FONNTE_TOKEN = ""
    Device.objects.create(number="+6281100000001", label="Utama")
    backend = FonnteBackend()
    with pytest.raises(WhatsAppError, match="no Fonnte token") as refused:
        backend.send("+6281234567890", "x")
    assert refused.value.scope == Scope.ACCOUNT
