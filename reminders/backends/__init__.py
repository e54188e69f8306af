"""WhatsApp backends, chosen by settings.WHATSAPP_BACKEND like Django's EMAIL_BACKEND."""
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from reminders.backends.base import BaseWhatsAppBackend, Scope, SentMessage, WhatsAppError

__all__ = ["BaseWhatsAppBackend", "Scope", "SentMessage", "WhatsAppError", "get_backend"]


@cache
def _backend_for(path: str) -> BaseWhatsAppBackend:
    try:
        backend_class = import_string(path)
    except ImportError:
        raise ImproperlyConfigured(
            f"WHATSAPP_BACKEND {path!r} cannot be imported; use fonnte, console, locmem or a dotted path"
        ) from None
    return backend_class()


def get_backend() -> BaseWhatsAppBackend:
    """The configured backend, one instance per process (it may hold an HTTP session)."""
    return _backend_for(settings.WHATSAPP_BACKEND)


# What a backend instance reads when it is made: a change (tests, override_settings) makes a new one.
BACKEND_SETTINGS = {"WHATSAPP_BACKEND", "FONNTE_TOKEN", "FONNTE_BASE_URL", "FONNTE_CONNECT_TIMEOUT",
                    "FONNTE_READ_TIMEOUT"}


@receiver(setting_changed)
def _forget_backend(setting: str, **kwargs) -> None:
    if setting in BACKEND_SETTINGS:
        _backend_for.cache_clear()
