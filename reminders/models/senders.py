"""The senders: the WhatsApp devices, each device's connection and quota, and sending pauses."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reminders.models.fields import PhoneNumberField


class DeviceQuerySet(models.QuerySet):
    def least_loaded(self) -> "Device | None":
        """Where a new patient goes: the active device with the fewest patients."""
        return self.filter(is_active=True).annotate(load=models.Count("patients")).order_by("load", "id").first()


class Device(models.Model):
    """A WhatsApp number, through one of two gateways: Fonnte (a linked WhatsApp Web device) or
    Meta's WhatsApp Cloud API (docs/gateways.md). Each has its own token, rate limit, connection
    state (`DeviceState`, by its number), quota and sending pause; each patient is pinned to one
    and always hears from it. The token (Fonnte's, or the Cloud API's system-user access token),
    the Meta app secret and our webhook verify token are secrets: kept encrypted
    (reminders/outbox/devices.py, with a key derived from SECRET_KEY), never shown back, logged
    or written into a webhook event."""

    class Gateway(models.TextChoices):
        FONNTE = "FONNTE", _("Fonnte")
        CLOUD_API = "CLOUD_API", _("WhatsApp Cloud API (Meta)")

    number = PhoneNumberField(_("number"), unique=True, help_text=_("The device's WhatsApp number."))
    label = models.CharField(_("label"), max_length=100, blank=True)
    gateway = models.CharField(_("gateway"), max_length=16, choices=Gateway.choices, default=Gateway.FONNTE,
                               db_default=Gateway.FONNTE)
    cloud_phone_number_id = models.CharField(
        _("phone number ID"), max_length=64, blank=True, default="",
        help_text=_("Cloud API only: the number's ID in Meta's WhatsApp Manager."))
    token_encrypted = models.TextField(editable=False, blank=True)
    app_secret_encrypted = models.TextField(editable=False, blank=True, default="")
    verify_token_encrypted = models.TextField(editable=False, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("New patients are given active devices only."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("WhatsApp device")
        verbose_name_plural = _("WhatsApp devices")
        constraints = [
            models.UniqueConstraint(fields=["cloud_phone_number_id"], condition=~Q(cloud_phone_number_id=""),
                                    name="one_device_per_cloud_phone_number_id"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.number})" if self.label else self.number

    @property
    def is_cloud_api(self) -> bool:
        return self.gateway == self.Gateway.CLOUD_API


class MessageTemplate(models.Model):
    """A template approved (or not) by Meta for one Cloud API device: outside a patient's 24-hour
    customer-service window only an APPROVED template of the message's purpose may go out
    (reminders/outbox/cloud_api.py). `parameters` names the PRIMA value each `{{n}}` takes, in
    order ("nama", "waktu", "obat", ...); `buttons` the answer each quick-reply button carries,
    in order ("TAKEN", "NOT_YET", ...), whose payload names the dose it answers."""

    class Purpose(models.TextChoices):
        MEDICATION = "MEDICATION", _("Medication reminder")
        APPOINTMENT = "APPOINTMENT", _("Appointment reminder")
        VERIFICATION = "VERIFICATION", _("Consent question")
        FOLLOW_UP = "FOLLOW_UP", _("Follow-up")
        NOTICE = "NOTICE", _("Notice")
        CHECK_IN = "CHECK_IN", _("Weekly check-in")
        OTHER = "OTHER", _("Other reminder")
        STAFF_ALERT = "STAFF_ALERT", _("Alert to staff")

    class Category(models.TextChoices):
        UTILITY = "UTILITY", _("Utility")
        MARKETING = "MARKETING", _("Marketing")
        AUTHENTICATION = "AUTHENTICATION", _("Authentication")

    class Status(models.TextChoices):
        APPROVED = "APPROVED", _("Approved")
        PENDING = "PENDING", _("Pending review")
        REJECTED = "REJECTED", _("Rejected")
        PAUSED = "PAUSED", _("Paused")
        DISABLED = "DISABLED", _("Disabled")

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="templates",
                               limit_choices_to={"gateway": Device.Gateway.CLOUD_API})
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    name = models.CharField(_("name"), max_length=512,
                            help_text=_("Exactly as in Meta's WhatsApp Manager: lowercase letters, digits and _."))
    language = models.CharField(_("language"), max_length=16, default="id")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.UTILITY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    body = models.TextField(_("text"), help_text=_("The approved text, with {{1}}, {{2}}… where the values go."))
    parameters = models.JSONField(_("values"), default=list, blank=True,
                                  help_text=_('What each {{n}} takes, in order, e.g. ["nama", "waktu", "obat"].'))
    buttons = models.JSONField(_("buttons"), default=list, blank=True,
                               help_text=_('The answer each quick-reply button gives, in order, e.g. '
                                           '["TAKEN", "NOT_YET"].'))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["device", "purpose", "name"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            # One Meta template ("pesan_prima": "{{1}}") may serve several purposes (notices,
            # follow-ups, alerts to staff): one row for each (docs/gateways.md).
            models.UniqueConstraint(fields=["device", "purpose", "name", "language"],
                                    name="one_template_per_purpose_name_language"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class CustomerServiceWindow(models.Model):
    """When a phone last wrote to a Cloud API device: Meta lets us send anything to it for 24
    hours after (its customer-service window), and only approved templates otherwise. Written by
    the webhook for every inbound message, read by the sender (reminders/outbox/cloud_api.py)."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="+")
    phone = PhoneNumberField(_("phone"))
    last_inbound_at = models.DateTimeField(_("last message from them at"),
                                           help_text=_("Meta's time of their last message."))

    class Meta:
        verbose_name = _("customer-service window")
        verbose_name_plural = _("customer-service windows")
        constraints = [models.UniqueConstraint(fields=["device", "phone"], name="one_window_per_device_phone")]

    def __str__(self) -> str:
        return f"{self.phone} → {self.device_id}: {self.last_inbound_at:%Y-%m-%d %H:%M}"


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
