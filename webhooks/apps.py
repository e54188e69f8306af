from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        checks.register(our_devices_are_known, checks.Tags.security, deploy=True)


def our_devices_are_known(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    if settings.FONNTE_WEBHOOK_SECRET and not settings.FONNTE_DEVICES:
        return [checks.Warning(
            "FONNTE_DEVICES is empty: webhooks naming any device are accepted.",
            hint="Set FONNTE_DEVICES to our WhatsApp number(s), so a leaked webhook URL cannot pose as our device.",
            id="webhooks.W001",
        )]
    return []
