from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        checks.register(our_devices_are_known, checks.Tags.security, deploy=True)


def our_devices_are_known(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Webhooks accept any device only while no number of ours is known: neither
    FONNTE_DEVICES nor a device record (a database not reachable or not migrated yet counts
    as none, the warning then says to set the setting)."""
    from django.conf import settings
    from django.db import DatabaseError

    from reminders.models import Device

    try:
        registered = Device.objects.exists()
    except DatabaseError:
        registered = False
    if settings.FONNTE_WEBHOOK_SECRET and not settings.FONNTE_DEVICES and not registered:
        return [checks.Warning(
            "FONNTE_DEVICES is empty and no WhatsApp device is registered: webhooks naming any device are "
            "accepted.",
            hint="Set FONNTE_DEVICES to our WhatsApp number(s), or add the devices in the admin, so a leaked "
                 "webhook URL cannot pose as our device.",
            id="webhooks.W001",
        )]
    return []
