"""Escalations (patients a rule says need a person) and the staff WhatsApp numbers they are
sent to. Handling one records what happened (reached, nobody answered, visited, resolved), a
note, who and when; "nobody answered" keeps it open (reminders/admin/handling.py)."""
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _

from reminders.admin.handling import RecordsHandling, handled_by_text
from reminders.admin.scoping import VolunteerScopedAdmin, patient_link
from reminders.models import Escalation, HandlingOutcome, StaffProfile
from reminders.workspace.handling import with_attempts
from reminders.workspace.outcomes import ROLES, describe
from reminders.workspace.today import (
    attempts_text, contact_actions, escalation_actions, escalation_told, with_telling,
)


class OpenFilter(admin.SimpleListFilter):
    title = _("handled")
    parameter_name = "handled"

    def lookups(self, request, model_admin):
        return [("no", _("Not handled yet")), ("yes", _("Handled"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.unhandled()
        if self.value() == "yes":
            return queryset.filter(handled_at__isnull=False)
        return queryset


@admin.register(Escalation)
class EscalationAdmin(RecordsHandling, VolunteerScopedAdmin):
    list_display = ["raised_at", "patient_name", "what", "volunteer", "told", "handled"]
    phone_columns = ["raised_at", "patient_name", "what", "told", "handled"]
    list_filter = [OpenFilter, "rule"]
    search_fields = ["patient__name"]
    list_select_related = ["patient", "volunteer", "handled_by"]
    fields = ["patient", "rule", "what", "local_date", "raised_at", "told", "volunteer", "volunteer_told_at",
              "passed_on_at", "coordinators_told_at", "alerts_to_staff", "handled_by", "handled_at", "handling",
              "handlings"]
    readonly_fields = fields
    show_full_result_count = False
    actions = ["mark_called", "mark_visited", "mark_resolved", "undo_handling"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """An escalation is what a rule saw: its page is to read; handling it is the change."""
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("patient"), ordering="patient__name")
    def patient_name(self, escalation: Escalation) -> str:
        return patient_link(escalation.patient)

    @admin.display(description=_("what happened"))
    def what(self, escalation: Escalation) -> str:
        return escalation.what

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_attempts(with_telling(super().get_queryset(request)), "escalation")

    @admin.display(description=_("staff told"))
    def told(self, escalation: Escalation) -> str:
        """Who was told by WhatsApp, written only once the message went out; who was not, and why."""
        problem = escalation_told(escalation)
        if problem:
            return problem
        return _("volunteer told") if escalation.volunteer_told_at else "—"

    @admin.display(description=_("WhatsApp to staff"))
    def alerts_to_staff(self, escalation: Escalation) -> str:
        """Each alert: to whom, as what, and what became of it."""
        lines = [
            (notification.recipient or notification.address, ROLES.get(notification.role, notification.role),
             notification.get_status_display(),
             localize(template_localtime(notification.sent_at)) if notification.sent_at
             else describe(notification.error))
            for notification in escalation.notifications.select_related("recipient").order_by("id")
        ]
        return format_html_join(mark_safe("<br>"), "{} ({}): {} {}", lines) or "—"

    @admin.display(description=_("handled"))
    def handled(self, escalation: Escalation) -> str:
        if escalation.handled_at is None:
            return attempts_text(escalation) or _("waiting")
        return f"{escalation.get_handling_display()}: {handled_by_text(escalation)}"

    def page_actions(self, request: HttpRequest, escalation: Escalation) -> list:
        handle = escalation_actions(escalation) if escalation.handled_at is None else []
        return [*contact_actions(escalation.patient, primary=True), *handle, *self.undo_actions(request, escalation)]

    @admin.action(description=_("Called the patient"), permissions=["change"])
    def mark_called(self, request: HttpRequest, queryset: QuerySet):
        return self.record_step(request, queryset, "mark_called", _("Called the patient"),
                                [HandlingOutcome.REACHED, HandlingOutcome.NOT_REACHED])

    @admin.action(description=_("Visited the patient"), permissions=["change"])
    def mark_visited(self, request: HttpRequest, queryset: QuerySet):
        return self.record_step(request, queryset, "mark_visited", _("Visited the patient"),
                                [HandlingOutcome.VISITED])

    @admin.action(description=_("Resolved"), permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet):
        return self.record_step(request, queryset, "mark_resolved", _("Resolved"), [HandlingOutcome.RESOLVED])


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """Coordinators keep each volunteer's and coordinator's own WhatsApp number here."""

    list_display = ["user", "phone"]
    search_fields = ["user__username", "phone"]
