"""Reminders (doses): the volunteers' follow-up list, manual confirmations, cancel and resend,
each through the dose rules (`needing_update`, `close`, `Message.refusal`; docs/doses.md)."""
from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reminders.admin.scoping import VolunteerScopedAdmin, report_refusals, told, visible_patients
from reminders.models import Message, Reminder
from reminders.workspace.outcomes import describe
from reminders.workspace.volunteer_actions import MANUAL_METHODS, cancel_reminders, confirm_by_volunteer, resend


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("none", _("Not queued yet")), *Message.Status.choices]

    def queryset(self, request, queryset):
        """EXISTS rather than the annotation: PostgreSQL turns it into a join."""
        deliveries = Message.objects.filter(reminder=OuterRef("pk"), kind=Message.Kind.REMINDER)
        if self.value() == "none":
            return queryset.exclude(Exists(deliveries))
        if self.value():
            return queryset.filter(Exists(deliveries.filter(status=self.value())))
        return queryset


class NeedsUpdateFilter(admin.SimpleListFilter):
    """Sent, and the patient has not confirmed: where a volunteer's visit or call helps."""

    title = _("follow-up")
    parameter_name = "needs_update"

    def lookups(self, request, model_admin):
        return [("yes", _("Needs update (sent, not confirmed)"))]

    def queryset(self, request, queryset):
        return queryset.needing_update() if self.value() == "yes" else queryset


class PatientFilter(admin.SimpleListFilter):
    """By patient, without listing thousands of them: links from the patient pages set it."""

    title = _("patient")
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        chosen = visible_patients(request.user).filter(pk=self.value()) if (self.value() or "").isdigit() else []
        return [(str(patient.pk), str(patient)) for patient in chosen]

    def queryset(self, request, queryset):
        return queryset.filter(patient_id=self.value()) if (self.value() or "").isdigit() else queryset


class ManualConfirmationForm(forms.Form):
    method = forms.ChoiceField(  # no default: a default would record how the news came without anybody saying so
        label=_("How did the news come?"), widget=forms.RadioSelect,
        choices=[(method, Reminder.ConfirmationMethod(method).label) for method in MANUAL_METHODS],
    )
    patient_condition = forms.CharField(label=_("The patient's condition"), widget=forms.Textarea(attrs={"rows": 3}),
                                        required=False)
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)


@admin.register(Reminder)
class ReminderAdmin(VolunteerScopedAdmin):
    list_display = ["patient", "schedule_kind", "due_at", "delivery_status", "confirmation_status",
                    "confirmation_method", "responded_at", "record_confirmation"]
    phone_columns = ["patient", "schedule_kind", "due_at", "confirmation_status", "delivery_status",
                     "record_confirmation"]
    list_filter = [NeedsUpdateFilter, DeliveryStatusFilter, "confirmation_status", "schedule__kind",
                   "confirmation_method", PatientFilter]
    search_fields = ["patient__name", "patient__phone"]
    date_hierarchy = "due_at"
    list_select_related = ["patient", "schedule"]
    show_full_result_count = False
    actions = ["cancel", "send_now"]
    fields = ["patient", "schedule", "local_date", "due_at", "sent_at", "confirmation_status", "confirmation_method",
              "confirmed_at", "confirmed_by", "responded_at", "reply_deadline", "closed_at", "close_reason_text",
              "appointment_answer", "patient_condition", "follow_up_needed", "created_at"]
    readonly_fields = fields

    close_reason_text = told(Reminder, "close_reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        delivery = Message.objects.filter(reminder=OuterRef("pk"), kind=Message.Kind.REMINDER).values("status")
        return super().get_queryset(request).annotate(delivery_status=Subquery(delivery[:1])).with_needs_update()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reminders come from schedules

    @admin.display(description=_("kind"), ordering="schedule__kind")
    def schedule_kind(self, reminder: Reminder) -> str:
        return reminder.schedule.get_kind_display()

    @admin.display(description=_("delivery"), ordering="delivery_status")
    def delivery_status(self, reminder: Reminder) -> str:
        if reminder.delivery_status:
            return Message.Status(reminder.delivery_status).label
        # Retention deletes old messages, never their doses: the dose still knows it went out.
        return Message.Status.SENT.label if reminder.sent_at else "—"

    @admin.display(description=_("manual confirmation"))
    def record_confirmation(self, reminder: Reminder) -> str:
        if not reminder.needs_update:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:reminders_reminder_confirm", args=[reminder.pk]),
                           _("Record"))

    @admin.action(description=_("Cancel (withdraw messages not sent yet)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        cancelled = cancel_reminders(queryset, request.user)
        self.message_user(request, _("%(count)d queued message(s) cancelled.") % {"count": cancelled})
        already_sent = queryset.open().filter(sent_at__isnull=False).count()
        if already_sent:
            self.message_user(request, _("%(count)d reminder(s) had already been sent: they still wait for the "
                                         "patient's answer. Record a confirmation if you know it.")
                              % {"count": already_sent}, messages.WARNING)

    @admin.action(description=_("Send now (queue a failed reminder again)"), permissions=["change"])
    def send_now(self, request, queryset) -> None:
        result = resend(Message.objects.filter(reminder__in=queryset, kind=Message.Kind.REMINDER))
        self.message_user(request, _("%(count)d failed reminder(s) queued again.") % {"count": result.queued})
        report_refusals(self, request, result.refused)

    def get_urls(self) -> list:
        return [
            path("<int:reminder_id>/confirm/", self.admin_site.admin_view(self.confirm_view),
                 name="reminders_reminder_confirm"),
            *super().get_urls(),
        ]

    def confirm_view(self, request: HttpRequest, reminder_id: int) -> HttpResponse:
        """A volunteer's manual confirmation; refused when the patient has answered already. Then
        back where the button was (`next`: Hari ini), else to the list of reminders needing an update."""
        reminder = get_object_or_404(self.get_queryset(request), pk=reminder_id)
        if not self.has_change_permission(request, reminder):
            raise Http404
        form = ManualConfirmationForm(request.POST or None)
        back = self.back_to(request, reverse("admin:reminders_reminder_changelist") + "?needs_update=yes")
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if confirm_by_volunteer(reminder, request.user, data["method"], data["patient_condition"],
                                    data["follow_up_needed"]):
                self.message_user(request, _("Confirmation recorded."), messages.SUCCESS)
            else:
                reminder.refresh_from_db()
                self.message_user(request, refusal_text(reminder), messages.ERROR)
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a confirmation"),
            "opts": self.model._meta,
            "original": reminder,
            "reminder": reminder,
            "form": form,
            "cancel_url": back,
        }
        return TemplateResponse(request, "admin/reminders/reminder/confirm.html", context)


def refusal_text(reminder: Reminder) -> str:
    if reminder.confirmation_method == Reminder.ConfirmationMethod.PATIENT_REPLY:
        return _("Not recorded: the patient has already answered this reminder themselves.")
    if reminder.confirmation_status == Reminder.Confirmation.CONFIRMED:
        return _("Not recorded: this reminder was already confirmed (%(method)s).") % {
            "method": reminder.get_confirmation_method_display()}
    if reminder.confirmation_status == Reminder.Confirmation.CANCELLED:
        return _("Not recorded: this reminder was cancelled (%(why)s).") % {"why": describe(reminder.close_reason)}
    return _("Not recorded: this reminder has not been sent yet.")

