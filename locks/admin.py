from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from locks.models import Lock


class LockStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("held", _("held")), ("expired", _("expired"))]

    def queryset(self, request, queryset):
        if self.value() == "held":
            return queryset.held()
        if self.value() == "expired":
            return queryset.expired()
        return queryset


@admin.register(Lock)
class LockAdmin(admin.ModelAdmin):
    """Read-only: leases are written by code; people may only force-release a stuck one."""

    list_display = ["key_shown", "holder", "fence", "acquired_at", "expires_at", "is_held"]
    list_filter = [LockStateFilter]
    search_fields = ["key"]
    actions = ["force_release"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_remaining()

    @admin.display(description=Lock._meta.get_field("key").verbose_name, ordering="key")
    def key_shown(self, lock: Lock) -> str:
        """The key as the project puts it in words for people (the function LOCK_KEY_WORDS
        names), the key itself in its title; as it is without one. Locks know keys, not what
        they guard."""
        path = getattr(settings, "LOCK_KEY_WORDS", "")
        return format_html('<span title="{}">{}</span>', lock.key, import_string(path)(lock.key) if path else lock.key)

    @admin.display(description=_("held"), boolean=True)
    def is_held(self, lock: Lock) -> bool:
        """Judged by the database clock, like every other decision about a lease."""
        return lock.remaining.total_seconds() > 0

    @admin.action(description=_("Force-release the selected locks"), permissions=["delete"])
    def force_release(self, request: HttpRequest, queryset: QuerySet) -> None:
        released = queryset.release_by_force()
        self.message_user(
            request,
            _("Released %(count)d lock(s). A holder that is still running will fail its next guarded write "
              "(LockLost).") % {"count": len(released)},
            messages.SUCCESS,
        )

    def get_actions(self, request: HttpRequest) -> dict:
        """Only our own action: the stock "delete selected" would bypass the fence check and the log."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request: HttpRequest, lock: Lock) -> None:
        Lock.objects.filter(pk=lock.pk).release_by_force()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Lock | None = None) -> bool:
        return False
