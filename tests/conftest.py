import pytest

from reminders.backends import locmem


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
