import io

import pytest
from django.core.management import call_command
from django.utils import translation

from reminders.backends import _backend_for, locmem


@pytest.fixture
def generous_rate_limits(settings):
    """Limits no test reaches unless it sets its own, so sending tests test sending."""
    settings.RATE_LIMITS = {
        name: {"limit": 1_000_000, "window": 60.0} for name in settings.RATE_LIMITS
    }


@pytest.fixture
def outbox(settings):
    """The in-memory WhatsApp backend, emptied for each test."""
    settings.WHATSAPP_BACKEND = "reminders.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def fresh_backend():
    """Each test builds its backend from its own settings: a Fonnte backend cached by an earlier
    test keeps that test's FONNTE_BASE_URL, a stand-in long gone (or, worse, a port another
    suite's stand-in now answers on), and forked workers inherit the cache."""
    _backend_for.cache_clear()
    yield
    _backend_for.cache_clear()


@pytest.fixture(autouse=True)
def language_of_no_request():
    """Each test starts in the settings' language: a request asking for Indonesian leaves it on
    the thread (LocaleMiddleware does not reset it), where a later test's code outside any request
    would speak it."""
    yield
    translation.deactivate()


@pytest.fixture
def prima_status():
    """`manage.py prima_status` as a function: its lines by heading ({"sending": "ok", …}; the
    indented detail lines left out), and its whole text as "text"."""
    def run() -> dict[str, str]:
        out = io.StringIO()
        call_command("prima_status", stdout=out)
        lines = [line for line in out.getvalue().splitlines() if ": " in line and not line.startswith(" ")]
        return {**dict(line.split(": ", 1) for line in lines), "text": out.getvalue()}
    return run
