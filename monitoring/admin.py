from django.contrib import admin
from django.utils.translation import gettext as _

from monitoring.status import system_status
from prima.admin_pages import ReadOnlyPageAdmin
from reminders.models import SchedulerHeartbeat


@admin.register(SchedulerHeartbeat)
class SystemHealthAdmin(ReadOnlyPageAdmin):
    """The heartbeat row's admin entry is the health page: one screen for the whole system."""

    page_template = "admin/monitoring/health.html"

    def page_context(self, request) -> dict:
        return {"title": _("System health"), "status": system_status()}
