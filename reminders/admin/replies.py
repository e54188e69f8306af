"""The volunteers' inbox: patients' replies, what needs someone first, emergencies on top,
and who was told about each."""
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reminders.admin.handling import RecordsHandling, handled_by_text
from reminders.admin.scoping import VolunteerScopedAdmin, patient_link, told
from reminders.models import PatientReply, StaffNotification
from reminders.workspace.handling import RECORDED, with_attempts
from reminders.workspace.outcomes import ROLES
from reminders.workspace.today import attempts_text, contact_actions, one_tap


class InboxFilter(admin.SimpleListFilter):
    """The volunteers' inbox: opens on what still needs someone, emergencies first."""

    title = _("inbox")
    parameter_name = "inbox"

    def lookups(self, request, model_admin):
        return [("open", _("Needs attention")), ("handled", _("Handled")), ("all", _("All replies"))]

    def value(self):
        return super().value() or "open"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.needing_attention()
        if self.value() == "handled":
            return queryset.filter(handled_at__isnull=False)
        return queryset


class StaffNotificationInline(admin.TabularInline):
    """Who was told about this reply, by which channel, and whether it worked."""

    model = StaffNotification
    extra = 0
    can_delete = False
    fields = ["recipient", "role_shown", "channel", "address", "status", "error_shown", "created_at", "sent_at"]
    readonly_fields = fields

    @admin.display(description=StaffNotification._meta.get_field("role").verbose_name)
    def role_shown(self, notification: StaffNotification) -> str:
        return ROLES.get(notification.role, notification.role)

    error_shown = told(StaffNotification, "error")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatientReply)
class PatientReplyAdmin(RecordsHandling, VolunteerScopedAdmin):
    inlines = [StaffNotificationInline]
    list_display = ["received_at", "urgency", "patient_name", "written_by", "understood_as", "text", "outcome_text",
                    "handled"]
    phone_columns = ["received_at", "patient_name", "written_by", "understood_as", "text", "handled"]
    list_filter = [InboxFilter, "urgent", "intent"]
    search_fields = ["patient__name", "patient__phone", "text"]
    date_hierarchy = "received_at"
    list_select_related = ["patient", "caregiver", "handled_by", "check_in"]
    fields = ["patient", "written_by", "reminder", "text", "understood_as", "outcome_text", "received_at", "arrived_at",
              "acknowledged", "needs_attention", "urgent", "handled_by", "handled_at", "handlings"]
    readonly_fields = fields
    show_full_result_count = False
    actions = ["mark_handled", "undo_handling"]

    outcome_text = told(PatientReply, "outcome")

    @admin.display(description=_("understood as"), ordering="intent")
    def understood_as(self, reply: PatientReply) -> str:
        """An answer to the weekly check-in reads as one ("baik" is not a verification's yes)."""
        if reply.check_in_id:
            return _("Weekly check-in: %(answer)s") % {
                "answer": reply.check_in.get_answer_display() or _("waiting")}
        return reply.get_intent_display()

    def get_queryset(self, request):
        return with_attempts(super().get_queryset(request), "reply")

    def get_ordering(self, request):
        return ["-urgent", "received_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        """A reply is what the patient wrote and what PRIMA did with it: its page is to read
        (with the buttons to call and to mark it handled); "Mark as handled" is the change."""
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("urgent"), ordering="urgent")
    def urgency(self, reply: PatientReply) -> str:
        if reply.urgent:
            return format_html('<span class="urgent-badge">{}</span>', _("URGENT"))
        return ""

    @admin.display(description=_("patient"), ordering="patient__name")
    def patient_name(self, reply: PatientReply) -> str:
        return patient_link(reply.patient)

    @admin.display(description=_("written by"))
    def written_by(self, reply: PatientReply) -> str:
        """Who answered: the patient, or which caregiver for them."""
        if reply.caregiver is None:
            return _("the patient")
        return _("caregiver %(name)s") % {"name": reply.caregiver}

    @admin.display(description=_("handled"))
    def handled(self, reply: PatientReply) -> str:
        if reply.handled_at is None:
            return "—" if not reply.needs_attention else attempts_text(reply) or _("waiting")
        return handled_by_text(reply)

    def page_actions(self, request, reply: PatientReply) -> list:
        """Call the patient at once from an emergency's page, then say it was handled."""
        handle = [one_tap("patientreply", reply.pk, "mark_handled", _("Mark as handled"))] if (
            reply.handled_at is None) else []
        return [*contact_actions(reply.patient, primary=reply.urgent), *handle, *self.undo_actions(request, reply)]

    @admin.action(description=_("Mark as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        """An emergency asks what was done (and "nobody answered" keeps it open); a reply only
        to read is handled in one tap."""
        if queryset.filter(urgent=True).exists():
            return self.record_step(request, queryset, "mark_handled", _("Mark as handled"), RECORDED)
        handled = queryset.filter(handled_at__isnull=True).update(handled_by=request.user, handled_at=timezone.now())
        told = ngettext("%(count)d reply marked as handled by you.", "%(count)d replies marked as handled by you.",
                        handled)
        self.message_user(request, told % {"count": handled}, messages.SUCCESS)

