import pytest

from reminders.health import record_tick
from reminders.models import Message
from tests.factories import queue_message

pytestmark = pytest.mark.django_db


def test_it_is_off_without_a_token_or_allowed_addresses(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404


def test_it_refuses_a_wrong_token(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "s3cret", []
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403


def test_it_answers_an_allowed_address(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def test_it_exports_database_figures_for_the_right_token(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "s3cret", []
    record_tick()
    queue_message()
    queue_message(status=Message.Status.FAILED)
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert 'prima_messages{kind="REMINDER",status="QUEUED"} 1.0' in text
    assert 'prima_message_outcomes_total{outcome="failed"} 1.0' in text
    assert 'prima_queue_messages{state="due"} 1.0' in text
    assert "prima_scheduler_tick_age_seconds" in text and "prima_lock_grants_total" in text
    assert 'prima_ratelimit_allowed_recent{limit="whatsapp_send"}' in text
