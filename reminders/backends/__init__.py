"""WhatsApp backends, chosen by settings.WHATSAPP_BACKEND like Django's EMAIL_BACKEND."""
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from reminders.backends.base import BaseWhatsAppBackend, Scope, SentMessage, WhatsAppError

__all__ = ["BaseWhatsAppBackend", "Scope", "SentMessage", "WhatsAppError", "gateway_backend", "get_backend"]

CLOUD_API_BACKEND = "reminders.backends.cloud_api.CloudApiBackend"
FONNTE_BACKEND = "reminders.backends.fonnte.FonnteBackend"


@cache
def _backend_for(path: str) -> BaseWhatsAppBackend:
    try:
        backend_class = import_string(path)
    except ImportError:
        raise ImproperlyConfigured(
            f"WHATSAPP_BACKEND {path!r} cannot be imported; use fonnte, cloud_api, console, locmem or a dotted path"
        ) from None
    return backend_class()


def get_backend() -> BaseWhatsAppBackend:
    """The configured backend, one instance per process (it may hold an HTTP session)."""
    return _backend_for(settings.WHATSAPP_BACKEND)


def gateway_backend(configured: BaseWhatsAppBackend, sender) -> BaseWhatsAppBackend:
    """Who really sends as `sender`: its device's own gateway when the configured backend is a
    real one (Fonnte's or the Cloud API's, whichever WHATSAPP_BACKEND names), the configured
    backend otherwise. A stand-in (console, locmem) catches every device's sends, so development
    and tests never reach Meta by accident."""
    from reminders.backends.cloud_api import CloudApiBackend
    from reminders.models import Device

    if configured.stand_in:
        return configured
    if sender is not None and sender.gateway == Device.Gateway.CLOUD_API:
        return configured if isinstance(configured, CloudApiBackend) else _backend_for(CLOUD_API_BACKEND)
    return _backend_for(FONNTE_BACKEND) if isinstance(configured, CloudApiBackend) else configured


# What a backend instance reads when it is made: a change (tests, override_settings) makes a new one.
BACKEND_SETTINGS = {"WHATSAPP_BACKEND", "FONNTE_TOKEN", "FONNTE_BASE_URL", "FONNTE_CONNECT_TIMEOUT",
                    "FONNTE_READ_TIMEOUT", "CLOUD_API_BASE_URL", "CLOUD_API_VERSION", "CLOUD_API_CONNECT_TIMEOUT",
                    "CLOUD_API_READ_TIMEOUT"}


@receiver(setting_changed)
def _forget_backend(setting: str, **kwargs) -> None:
    if setting in BACKEND_SETTINGS:
        _backend_for.cache_clear()
