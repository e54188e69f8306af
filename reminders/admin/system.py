"""Coordinators' system pages in the reminders app: sending pauses and the Fonnte devices."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reminders.models import DeviceState, SendingPause
from reminders.pauses import lift_pause
from reminders.provider_events import reset_device_state


@admin.register(SendingPause)
class SendingPauseAdmin(admin.ModelAdmin):
    """Why sending is paused. Deleting the pause (a coordinator's "resume now") sends what it
    held back at once; if the cause remains, the next send pauses it again."""

    list_display = ["scope", "kind", "reason", "since", "probe_at"]
    readonly_fields = ["scope", "kind", "reason", "since", "probe_at", "token_fingerprint"]

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
