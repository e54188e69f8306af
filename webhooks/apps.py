from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        checks.register(our_devices_are_known, checks.Tags.security, deploy=True)
        checks.register(cloud_devices_can_be_heard, checks.Tags.security, deploy=True)


def our_devices_are_known(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Webhooks accept any device while a number of ours is unknown: FONNTE_TOKEN's when
    FONNTE_DEVICES does not name it, or every one when no device is registered either (a
    database not reachable or not migrated yet counts as none)."""
    from django.conf import settings
    from django.db import DatabaseError

    from reminders.models import Device

    try:
        registered = Device.objects.exists()
    except DatabaseError:
        registered = False
    # FONNTE_TOKEN's own number is known only from FONNTE_DEVICES: without it every device is ours.
    if settings.FONNTE_WEBHOOK_SECRET and not settings.FONNTE_DEVICES and (settings.FONNTE_TOKEN or not registered):
        return [checks.Warning(
            "FONNTE_DEVICES is empty and FONNTE_TOKEN (or no WhatsApp device) sends: webhooks naming any "
            "device are accepted.",
            hint="Set FONNTE_DEVICES to our WhatsApp number(s), or add the devices in the admin, so a leaked "
                 "webhook URL cannot pose as our device.",
            id="webhooks.W001",
        )]
    return []


def cloud_devices_can_be_heard(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A Cloud API device whose app secret cannot be read (never entered, or SECRET_KEY changed)
    has every delivery refused as unsigned (webhooks/cloud.py): its patients' replies are lost
    until Meta gives up; one without a verify token cannot pass Meta's handshake."""
    from django.db import DatabaseError

    from reminders.models import Device
    from reminders.outbox.devices import device_app_secret, device_verify_token

    try:
        devices = list(Device.objects.filter(gateway=Device.Gateway.CLOUD_API))
    except DatabaseError:
        return []
    deaf = [str(device) for device in devices if not device_app_secret(device) or not device_verify_token(device)]
    if not deaf:
        return []
    return [checks.Warning(
        f"Cloud API device(s) without a readable app secret or verify token: {', '.join(deaf)}; Meta's "
        "deliveries to them are refused (403) and its webhook handshake fails.",
        hint="Enter the Meta app secret and the verify token on each Cloud API device in the admin.",
        id="webhooks.W002",
    )]
