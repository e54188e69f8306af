from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from ratelimit.models import RateLimitEvent
from ratelimit.services import current_usage, longest_named_window


@admin.register(RateLimitEvent)
class RateLimitEventAdmin(admin.ModelAdmin):
    """Read-only: the usage per key right now, rather than the raw log (which only the limiter writes)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        search = request.GET.get("q", "").strip()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Rate-limit usage",
            "search": search,
            "usage": current_usage(search),
            "named_limits": sorted(settings.RATE_LIMITS.items()),
            "recent_seconds": longest_named_window(),
        }
        return TemplateResponse(request, "admin/ratelimit/usage.html", context)
