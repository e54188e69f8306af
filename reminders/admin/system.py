"""Coordinators' system pages in the reminders app: sending pauses and the Fonnte devices."""
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


class DeviceForm(forms.ModelForm):
    """The token is write-only: typed in, kept encrypted, never shown back (not even masked)."""

    token = forms.CharField(
        label=_("Fonnte token"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The device's token from Fonnte's dashboard. It is never shown again; when editing a device, "
                    "leave empty to keep the current one."),
    )

    class Meta:
        model = Device
        fields = ["number", "label", "is_active"]

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not token and not self.instance.token_encrypted:
            raise forms.ValidationError(_("A new device needs its Fonnte token."))
        return token

    def save(self, commit: bool = True) -> Device:
        if self.cleaned_data["token"]:
            self.instance.token_encrypted = encrypt_token(self.cleaned_data["token"])
        return super().save(commit)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """The WhatsApp numbers PRIMA sends through. New patients go to the active one with the
    fewest patients; a device is retired by making it inactive (its patients stay until moved)."""

    form = DeviceForm
    list_display = ["number", "label", "is_active", "patient_count", "connection", "quota"]
    list_filter = ["is_active"]
    search_fields = ["number", "label"]
    fields = ["number", "label", "is_active", "token"]

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
