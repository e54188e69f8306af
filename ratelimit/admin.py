from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext as _

from prima.admin_pages import ReadOnlyPageAdmin
from ratelimit.models import RateLimitEvent
from ratelimit.services import current_usage, longest_named_window


@admin.register(RateLimitEvent)
class RateLimitEventAdmin(ReadOnlyPageAdmin):
    """Read-only: the usage per key right now, rather than the raw log (which only the limiter writes)."""

    page_template = "admin/ratelimit/usage.html"

    def page_context(self, request) -> dict:
        search = request.GET.get("q", "").strip()
        return {
            "title": _("Rate-limit usage"),
            "search": search,
            "usage": current_usage(search),
            "named_limits": sorted(settings.RATE_LIMITS.items()),
            "recent_seconds": longest_named_window(),
        }
