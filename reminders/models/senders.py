"""The senders: the WhatsApp devices, each device's connection and quota, and sending pauses."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reminders.models.fields import PhoneNumberField


class DeviceQuerySet(models.QuerySet):
    def least_loaded(self) -> "Device | None":
        """Where a new patient goes: the active device with the fewest patients."""
        return self.filter(is_active=True).annotate(load=models.Count("patients")).order_by("load", "id").first()


class Device(models.Model):
    """A WhatsApp number linked to Fonnte, with its own token, rate limit, connection state
    (`DeviceState`, by its number), quota and sending pause. Each patient is pinned to one and
    always hears from it. The token is a secret: kept encrypted (reminders/outbox/devices.py, with a
    key derived from SECRET_KEY), never shown back, logged or written into a webhook event."""

    number = PhoneNumberField(_("number"), unique=True, help_text=_("The device's WhatsApp number."))
    label = models.CharField(_("label"), max_length=100, blank=True)
    token_encrypted = models.TextField(editable=False, blank=True)
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("New patients are given active devices only."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("WhatsApp device")
        verbose_name_plural = _("WhatsApp devices")

    def __str__(self) -> str:
        return f"{self.label} ({self.number})" if self.label else self.number


class DeviceState(models.Model):
    """A Fonnte device: its connection, from its webhook (sending waits while it is down), and
    its remaining quota, from each /send answer (Fonnte stops sending at zero)."""

    device = models.CharField(_("device"), max_length=32, unique=True, help_text=_("E.164 when the number parses."))
    connected = models.BooleanField(_("connected"), default=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Empty for a device known only from its quota: no connection change reported yet.
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True,
                                      help_text=_("When Fonnte says the state changed."))
    last_connect_at = models.DateTimeField(_("last connected at"), null=True, blank=True)
    last_disconnect_at = models.DateTimeField(_("last disconnected at"), null=True, blank=True)
    quota_remaining = models.PositiveIntegerField(_("quota left"), 
        null=True, blank=True, help_text=_("Messages the device may still send, from Fonnte's last answer.")
    )
    quota_seen_at = models.DateTimeField(_("quota reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device state")
        verbose_name_plural = _("device states")

    def __str__(self) -> str:
        return f"{self.device}: {'connected' if self.connected else 'disconnected'}"

    @property
    def quota_is_low(self) -> bool:
        """The one rule for "alert: the quota runs out" (Fonnte stops sending at zero)."""
        return self.quota_remaining is not None and self.quota_remaining < settings.FONNTE_QUOTA_ALERT_BELOW


class SendingPause(models.Model):
    """Sending stopped for a reason no retry of one message can fix: the device is
    disconnected, or Fonnte refused the account (token, quota). While a pause holds, due
    messages wait without spending attempts; at `probe_at` one send is tried, and its success
    lifts the pause. An account pause holds only for the token it was refused for, so fixing
    FONNTE_TOKEN resumes sending at once."""

    class Kind(models.TextChoices):
        DEVICE = "DEVICE", _("Device disconnected")
        ACCOUNT = "ACCOUNT", _("Account refused")

    scope = models.CharField(_("scope"), max_length=64, unique=True, help_text=_("What is paused: the Fonnte sender."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    since = models.DateTimeField(_("since"))
    probe_at = models.DateTimeField(_("next try at"), help_text=_("When one send is tried again."))
    token_fingerprint = models.CharField(_("token fingerprint"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("sending pause")
        verbose_name_plural = _("sending pauses")

    def __str__(self) -> str:
        return f"{self.scope}: {self.reason}"
