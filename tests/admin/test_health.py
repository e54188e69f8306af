from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ratelimit.services import check as check_rate_limit
from reminders.health import record_tick
from tests.factories import queue_message

pytestmark = pytest.mark.django_db


def test_it_answers_503_before_any_tick(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["last_tick_age_seconds"] is None


def test_it_answers_503_when_the_tick_is_stale_and_200_again_after_a_tick(client, settings):
    settings.HEALTHZ_MAX_TICK_AGE_SECONDS = 180
    record_tick(timezone.now() - timedelta(seconds=181))
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json()["status"] == "error"
    record_tick()
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert fresh.json()["database"] == "ok" and fresh.json()["last_tick_age_seconds"] < 5


def test_its_503s_while_the_shape_boots_are_a_warning_once_never_an_error(client, caplog, settings):
    """Every probe answers 503 until beat's first tick: one WARNING, then INFO when healthy."""
    from monitoring import views

    settings.WHATSAPP_BACKEND, settings.FONNTE_TOKEN = "reminders.backends.fonnte.FonnteBackend", "a-real-token"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # backends that reach people
    views._last_health.clear()
    with caplog.at_level("INFO"):
        assert [client.get("/healthz").status_code for _ in range(3)] == [503] * 3
        record_tick()
        assert client.get("/healthz").status_code == 200
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name in ("monitoring.views", "django.request")]
    assert lines == [("WARNING", "healthz: answering 503 (no recent scheduler tick)"), ("INFO", "healthz: healthy again")]


def test_it_prints_the_status(capsys):
    record_tick()
    queue_message()
    queue_message(send_after=timezone.now() + timedelta(hours=1))
    call_command("prima_status")
    out = capsys.readouterr().out
    assert "outbox: due=1 deferred=1 stale_leases=0" in out
    assert "(ok)" in out


def test_it_prints_rate_limit_keys_with_phone_numbers_masked(capsys):
    check_rate_limit("whatsapp_send", "+6281234567890")
    call_command("prima_status")
    out = capsys.readouterr().out
    assert "whatsapp_send:+62812*****890: 1 recent hit(s)" in out
    assert "81234567890" not in out


def test_it_shows_the_health_page(coordinator_client):
    queue_message()
    response = coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist"))
    assert response.context["status"].queue.due == 1
    assert "never ticked" in response.content.decode()


def test_the_health_page_and_today_say_messages_are_not_really_sent(coordinator_client, settings):
    settings.WHATSAPP_BACKEND, settings.ALLOW_DEMO_BACKENDS = "reminders.backends.console.ConsoleBackend", True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    record_tick()
    health = coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist"),
                                    headers={"Accept-Language": "id"}).content.decode()
    assert "Pesan WhatsApp tidak benar-benar dikirim: PRIMA berjalan dalam mode demo" in health
    assert "WHATSAPP_BACKEND is console" in health  # folded away, for the operator
    today = coordinator_client.get(reverse("admin:index"), headers={"Accept-Language": "id"}).content.decode()
    assert "pesan tidak benar-benar dikirim" in today and "health-problem" in today
