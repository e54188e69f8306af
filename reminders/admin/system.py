"""Coordinators' system pages in the reminders app: sending pauses and the WhatsApp devices (Fonnte or
Cloud API numbers)."""
from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reminders.admin.scoping import told
from reminders.outbox.devices import encrypt_token
from reminders.models import Device, DeviceState, SendingPause
from reminders.outbox.pauses import lift_pause
from reminders.outbox.provider_events import reset_device_state


@admin.register(SendingPause)
class SendingPauseAdmin(admin.ModelAdmin):
    """Why sending is paused. Deleting the pause (a coordinator's "resume now") sends what it
    held back at once; if the cause remains, the next send pauses it again."""

    list_display = ["scope", "kind", "reason_shown", "since", "probe_at"]
    fields = ["scope", "kind", "reason_shown", "since", "probe_at", "token_fingerprint"]
    readonly_fields = fields

    reason_shown = told(SendingPause, "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_queryset(self, request, queryset) -> None:
        for pause in queryset:
            lift_pause(f"lifted by {request.user.get_username()}", scope=pause.scope)

    def delete_model(self, request, obj) -> None:
        lift_pause(f"lifted by {request.user.get_username()}", scope=obj.scope)


@admin.register(DeviceState)
class DeviceStateAdmin(admin.ModelAdmin):
    """The Fonnte device's connection as its webhook last told us; a coordinator can reset it."""

    list_display = ["device", "connected", "reason", "changed_at", "last_connect_at", "last_disconnect_at"]
    actions = ["reset_to_connected"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_reset_permission(self, request) -> bool:
        return request.user.has_perm("reminders.change_devicestate")

    @admin.action(description=_("Mark as connected and resume sending"), permissions=["reset"])
    def reset_to_connected(self, request, queryset) -> None:
        for state in queryset:
            reset_device_state(state, request.user.get_username())
        self.message_user(request, _("%(count)d device(s) marked as connected.") % {"count": queryset.count()})


def _secret_field(label: str, help_text: str) -> forms.CharField:
    """A write-only secret: typed in, kept encrypted, never shown back (not even masked)."""
    return forms.CharField(label=label, required=False, strip=True, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))


class DeviceForm(forms.ModelForm):
    """A device's gateway and its secrets. Every secret is write-only: typed in, kept encrypted,
    never shown back; left empty when editing, the current one stays. A form posted without a
    gateway keeps the device's (a new one: Fonnte)."""

    token = _secret_field(_("token (Fonnte) or access token (Cloud API)"), _(
        "The device's token from Fonnte's dashboard, or for the Cloud API the system user's access token from "
        "Meta's Business Manager. It is never shown again; when editing a device, leave empty to keep the current "
        "one."))
    app_secret = _secret_field(_("Meta app secret"), _(
        "Cloud API only: the app secret from Meta's app dashboard (App settings > Basic); it checks that webhooks "
        "come from Meta. Never shown again; leave empty to keep the current one."))
    verify_token = _secret_field(_("webhook verify token"), _(
        "Cloud API only: a phrase you choose and type into Meta's webhook settings as the verify token. Never shown "
        "again; leave empty to keep the current one."))
    # Encrypted field of each secret, and what a device of each gateway cannot do without.
    SECRETS = {"token": "token_encrypted", "app_secret": "app_secret_encrypted",
               "verify_token": "verify_token_encrypted"}
    NEEDED = {
        Device.Gateway.FONNTE: {"token": _("A new device needs its Fonnte token.")},
        Device.Gateway.CLOUD_API: {
            "token": _("A Cloud API device needs its access token."),
            "app_secret": _("A Cloud API device needs its Meta app secret."),
            "verify_token": _("A Cloud API device needs a webhook verify token."),
        },
    }

    class Meta:
        model = Device
        fields = ["number", "label", "gateway", "cloud_phone_number_id", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "gateway" in self.fields:
            self.fields["gateway"].required = False

    def clean_gateway(self) -> str:
        return self.cleaned_data.get("gateway") or self.instance.gateway or Device.Gateway.FONNTE

    def clean(self) -> dict:
        cleaned = super().clean()
        gateway = cleaned.get("gateway") or self.instance.gateway
        for name, problem in self.NEEDED.get(gateway, {}).items():
            if not cleaned.get(name) and not getattr(self.instance, self.SECRETS[name]):
                self.add_error(name, problem)
        phone_number_id = cleaned.get("cloud_phone_number_id", "")
        if gateway == Device.Gateway.CLOUD_API and not phone_number_id:
            self.add_error("cloud_phone_number_id", _("A Cloud API device needs its phone number ID from Meta."))
        if gateway == Device.Gateway.FONNTE and phone_number_id:
            self.add_error("cloud_phone_number_id", _("Only a Cloud API device has a phone number ID."))
        return cleaned

    def save(self, commit: bool = True) -> Device:
        for name, encrypted in self.SECRETS.items():
            if self.cleaned_data.get(name):
                setattr(self.instance, encrypted, encrypt_token(self.cleaned_data[name]))
        return super().save(commit)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """The WhatsApp numbers PRIMA sends through. New patients go to the active one with the
    fewest patients; a device is retired by making it inactive (its patients stay until moved)."""

    form = DeviceForm
    list_display = ["number", "label", "gateway", "is_active", "patient_count", "connection", "quota"]
    list_filter = ["gateway", "is_active"]
    search_fields = ["number", "label", "cloud_phone_number_id"]
    fields = ["number", "label", "gateway", "is_active", "token", "cloud_phone_number_id", "app_secret",
              "verify_token"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(patient_count=Count("patients"))

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        """A device's number is its identity (limits, pauses and webhooks go by it): a new
        number is a new device."""
        return ["number"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("patients"), ordering="patient_count")
    def patient_count(self, device: Device) -> int:
        return device.patient_count

    def _state(self, device: Device) -> DeviceState | None:
        return DeviceState.objects.filter(device=device.number).first()

    @admin.display(description=_("connection"))
    def connection(self, device: Device) -> str:
        state = self._state(device)
        if state is None or state.changed_at is None:
            return _("not reported yet")
        return _("connected") if state.connected else _("disconnected")

    @admin.display(description=_("quota left"))
    def quota(self, device: Device) -> str:
        state = self._state(device)
        return "—" if state is None or state.quota_remaining is None else str(state.quota_remaining)
