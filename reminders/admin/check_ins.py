"""The weekly check-ins: what each patient answered to "how are you this week?". A check-in is
what PRIMA asked and heard: its page is to read; an unwell answer is an escalation, handled there."""
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reminders.admin.scoping import VolunteerScopedAdmin, patient_link
from reminders.models import CheckIn


class WaitingFilter(admin.SimpleListFilter):
    title = _("answer")
    parameter_name = "answer"

    def lookups(self, request, model_admin):
        return [("waiting", _("Waiting")), *CheckIn.Answer.choices]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(answer="")
        if self.value() in CheckIn.Answer.values:
            return queryset.filter(answer=self.value())
        return queryset


@admin.register(CheckIn)
class CheckInAdmin(VolunteerScopedAdmin):
    list_display = ["patient_name", "answer_shown", "what_they_wrote", "due_at", "answered_at"]  # narrow first
    phone_columns = ["patient_name", "answer_shown", "what_they_wrote", "due_at"]
    list_filter = [WaitingFilter]
    search_fields = ["patient__name", "patient__phone"]
    list_select_related = ["patient"]
    fields = ["patient_name", "week", "due_at", "answer_deadline", "answer_shown", "answered_at", "what_they_wrote"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("replies__caregiver")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("patient"), ordering="patient__name")
    def patient_name(self, check_in: CheckIn) -> str:
        return patient_link(check_in.patient)

    @admin.display(description=_("answer"), ordering="answer")
    def answer_shown(self, check_in: CheckIn) -> str:
        return check_in.get_answer_display() or _("Waiting")

    @admin.display(description=_("what they wrote"))
    def what_they_wrote(self, check_in: CheckIn) -> str:
        """The answering replies, oldest first, each with who wrote it when a caregiver did."""
        replies = sorted(check_in.replies.all(), key=lambda reply: reply.received_at)
        return " / ".join(f"{reply.text} ({reply.caregiver})" if reply.caregiver else reply.text for reply in replies)
