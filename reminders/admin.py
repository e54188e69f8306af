"""The volunteers' whole interface.

A volunteer sees and changes only the patients assigned to them and what belongs to those
patients; a coordinator (permission `reminders.see_all_patients`) sees everyone and assigns
patients. The rule is enforced in querysets, object permissions and form choices, not only
in menus. The work itself lives in reminders/volunteer_actions.py and compliance.py.
"""
import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reminders import compliance
from reminders.charts import daily_chart
from reminders.consent import opt_back_in, send_verification, set_verification_by_hand
from reminders.models import (
    DeviceState,
    Message,
    Patient,
    PatientReply,
    Reminder,
    ReminderSchedule,
    SendingPause,
    StaffNotification,
)
from reminders.pauses import lift_pause
from reminders.phones import mask_phone, normalise_phone
from reminders.provider_events import reset_device_state
from reminders.volunteer_actions import (
    MANUAL_METHODS,
    cancel_messages,
    cancel_reminders,
    confirm_by_volunteer,
    next_due_at,
    resend,
    send_todays_reminders_now,
)

COMPLIANCE_DAYS = 30


def sees_all_patients(user) -> bool:
    return user.has_perm("reminders.see_all_patients")


def visible_patients(user) -> QuerySet:
    patients = Patient.objects.all()
    return patients if sees_all_patients(user) else patients.filter(volunteer=user)


class VolunteerScopedAdmin(admin.ModelAdmin):
    """Narrows every list, page and choice to the user's own patients unless they see all.

    `patient_path` leads from the model to its Patient ("" for Patient itself).
    """

    patient_path = "patient__"

    def scoped(self, queryset: QuerySet, user) -> QuerySet:
        if sees_all_patients(user):
            return queryset
        return queryset.filter(**{f"{self.patient_path}volunteer": user})

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scoped(super().get_queryset(request), request.user)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        """Another volunteer's row is a 404, not the stock redirect that hints it exists."""
        found = super().get_object(request, object_id, from_field)
        if found is None and not sees_all_patients(request.user):
            raise Http404(_("No such record among your patients."))
        return found

    def is_mine(self, user, obj) -> bool:
        patient = obj if isinstance(obj, Patient) else obj.patient
        return sees_all_patients(user) or patient.volunteer_id == user.pk

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) and (obj is None or self.is_mine(request.user, obj))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or self.is_mine(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or self.is_mine(request.user, obj))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """A volunteer can pick only their own patients (and their schedules and reminders),
        whatever id is typed or posted."""
        path_to_patient = {Patient: "", ReminderSchedule: "patient__", Reminder: "patient__"}.get(db_field.related_model)
        if path_to_patient is not None and not sees_all_patients(request.user):
            kwargs["queryset"] = db_field.related_model.objects.filter(**{f"{path_to_patient}volunteer": request.user})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def report_refusals(model_admin: admin.ModelAdmin, request: HttpRequest, refusals: list[str]) -> None:
    """Say on the spot what was not sent and why (a dose past the catch-up limit, …)."""
    for refusal in refusals:
        model_admin.message_user(request, _("Not sent: %(why)s") % {"why": refusal}, messages.WARNING)


def patient_link(patient: Patient) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:reminders_patient_change", args=[patient.pk]), patient)


class ReminderScheduleInline(admin.TabularInline):
    model = ReminderSchedule
    extra = 0
    fields = ["kind", "time_of_day", "weekdays", "start_date", "end_date", "is_active", "message_template"]


class VerificationNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           help_text=_("How the patient answered, e.g. on a home visit. Saved in the patient's notes."))


class PatientForm(forms.ModelForm):
    """Tells a volunteer a number is taken without confirming that it belongs to some
    palliative patient elsewhere; a coordinator, who sees everyone, gets the plain reason."""

    sees_all = False

    def validate_unique(self) -> None:
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            if "phone" in error.error_dict and not self.sees_all:
                error.error_dict["phone"] = [ValidationError(
                    _("This number cannot be used here. If it is right, ask a coordinator."), code="unique"
                )]
            self._update_errors(error)


@admin.register(Patient)
class PatientAdmin(VolunteerScopedAdmin):
    patient_path = ""
    form = PatientForm
    list_display = ["name", "phone", "verification_status", "opted_out", "is_active", "next_reminder",
                    "last_reply", "compliance_badge", "volunteer"]
    list_filter = ["verification_status", "is_active", "time_zone", ("opted_out_at", admin.EmptyFieldListFilter),
                   "volunteer"]
    search_fields = ["name", "phone"]
    list_select_related = ["volunteer"]
    show_full_result_count = False
    inlines = [ReminderScheduleInline]
    readonly_fields = ["verification_sent_at", "verification_answered_at", "verification_expires_at",
                       "verification_attempts", "created_at"]
    actions = ["send_verification_question", "verify_by_hand", "decline_by_hand", "pause_reminders",
               "resume_reminders", "opt_back_in", "send_todays_reminders"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        last_reply = PatientReply.objects.filter(patient=OuterRef("pk")).order_by("-received_at").values("received_at")
        patients = super().get_queryset(request).annotate(last_reply_at=Subquery(last_reply[:1]))
        return compliance.with_recent_compliance(patients, timezone.now()).prefetch_related("schedules")

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.sees_all = sees_all_patients(request.user)
        return form

    def get_list_filter(self, request: HttpRequest) -> list:
        if sees_all_patients(request.user):
            return self.list_filter
        return [name for name in self.list_filter if name != "volunteer"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        """Only a coordinator assigns patients to volunteers."""
        fields = list(super().get_readonly_fields(request, obj))
        return fields if sees_all_patients(request.user) else [*fields, "volunteer"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "volunteer":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Patient, form, change: bool) -> None:
        """A patient a volunteer enrols is theirs."""
        if not change and not sees_all_patients(request.user):
            obj.volunteer = request.user
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        """Find a patient by phone in any spelling (0812…, 62812…, +62 812…)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalise_phone(search_term)
        except ValidationError:
            return found, may_have_duplicates
        return found | queryset.filter(phone=phone), may_have_duplicates

    @admin.display(description=_("opted out"), boolean=True, ordering="opted_out_at")
    def opted_out(self, patient: Patient) -> bool:
        return patient.opted_out_at is not None

    @admin.display(description=_("next reminder"))
    def next_reminder(self, patient: Patient) -> str:
        due = next_due_at(patient, timezone.now())
        return timezone.localtime(due).strftime("%d %b %H:%M") if due else "—"

    @admin.display(description=_("last reply"), ordering="last_reply_at")
    def last_reply(self, patient: Patient) -> str:
        return timezone.localtime(patient.last_reply_at).strftime("%d %b %H:%M") if patient.last_reply_at else "—"

    @admin.display(description=_("7-day compliance"))
    def compliance_badge(self, patient: Patient) -> str:
        rate = compliance.compliance_rate(patient.recent_confirmed, patient.recent_missed)
        if rate is None:
            return "—"
        return format_html(
            '<a class="compliance-badge compliance-{}" href="{}" title="{}">{} %</a>',
            compliance.compliance_level(rate),
            reverse("admin:reminders_patient_compliance", args=[patient.pk]),
            _("%(confirmed)s confirmed, %(missed)s missed") % {"confirmed": patient.recent_confirmed,
                                                              "missed": patient.recent_missed},
            round(rate * 100),
        )

    @admin.action(description=_("Send (or resend) the verification question"))
    def send_verification_question(self, request, queryset) -> None:
        sent = sum(send_verification(patient) is not None for patient in queryset)
        skipped = queryset.count() - sent
        self.message_user(
            request,
            _("Verification question queued for %(sent)d patient(s); %(skipped)d skipped (already verified or "
              "declined).") % {"sent": sent, "skipped": skipped},
            messages.SUCCESS,
        )

    def _verification_by_hand(self, request, queryset, verified: bool, title: str):
        """Two steps: a page asking for a note, then the change with who and when in the notes."""
        form = VerificationNoteForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = set_verification_by_hand(queryset, request.user, verified, form.cleaned_data["note"],
                                               timezone.now())
            self.message_user(request, _("%(title)s: %(count)d patient(s).") % {"title": title, "count": changed},
                              messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "patients": queryset,
            "form": form,
            "action": request.POST["action"],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reminders/patient/verification_by_hand.html", context)

    @admin.action(description=_("Verify by hand (the patient agreed in person)"))
    def verify_by_hand(self, request, queryset):
        return self._verification_by_hand(request, queryset, True, _("Verify by hand"))

    @admin.action(description=_("Decline by hand (the patient refused in person)"))
    def decline_by_hand(self, request, queryset):
        return self._verification_by_hand(request, queryset, False, _("Decline by hand"))

    @admin.action(description=_("Pause reminders"))
    def pause_reminders(self, request, queryset) -> None:
        paused = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(request, _("Reminders paused for %(count)d patient(s).") % {"count": paused})

    @admin.action(description=_("Resume reminders"))
    def resume_reminders(self, request, queryset) -> None:
        resumed = queryset.filter(is_active=False).update(is_active=True)
        self.message_user(request, _("Reminders resumed for %(count)d patient(s).") % {"count": resumed})

    @admin.action(description=_("Opt back in (the patient asked a volunteer)"))
    def opt_back_in(self, request, queryset) -> None:
        now = timezone.now()
        opted_out = list(queryset.filter(opted_out_at__isnull=False))
        for patient in opted_out:
            opt_back_in(patient, Patient.ConsentMethod.VOLUNTEER, now)
        self.message_user(request, _("%(count)d patient(s) opted back in.") % {"count": len(opted_out)})

    @admin.action(description=_("Send today's reminders now"))
    def send_todays_reminders(self, request, queryset) -> None:
        for patient in queryset:
            if not patient.can_receive_reminders:
                self.message_user(request, _("%(patient)s gets no reminders (not verified, paused or opted "
                                             "out).") % {"patient": patient}, messages.WARNING)
                continue
            result = send_todays_reminders_now(patient, request.user)
            if not result.allowed:
                self.message_user(request, _("Too many “send now” requests; try again in %(minutes)d minute(s).")
                                  % {"minutes": result.retry_after // 60 + 1}, messages.ERROR)
                return
            self.message_user(request, _("%(patient)s: %(count)d reminder(s) of today queued to go now.")
                              % {"patient": patient, "count": result.queued}, messages.SUCCESS)
            report_refusals(self, request, result.refused)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("compliance/", view(self.compliance_view), name="reminders_patient_overall_compliance"),
            path("<int:patient_id>/compliance/", view(self.compliance_view), name="reminders_patient_compliance"),
            *super().get_urls(),
        ]

    def compliance_view(self, request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
        """Per day for the last 30 days, for one patient or for everyone the user may see;
        `?format=csv` downloads the same table."""
        if not self.has_view_permission(request):
            raise Http404
        now = timezone.now()
        reminders = Reminder.objects.filter(patient__in=self.scoped(Patient.objects.all(), request.user))
        patient = None
        if patient_id is not None:
            patient = get_object_or_404(self.scoped(Patient.objects.all(), request.user), pk=patient_id)
            reminders = reminders.filter(patient=patient)
        days = compliance.daily_tallies(reminders, now, COMPLIANCE_DAYS)
        if request.GET.get("format") == "csv":
            return compliance_csv(days, patient)
        total = compliance.tally(compliance.in_last_days(reminders, now, COMPLIANCE_DAYS))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compliance of %(patient)s") % {"patient": patient} if patient else _("Compliance"),
            "opts": self.model._meta,
            "patient": patient,
            "days": days,
            "total": total,
            "chart": daily_chart(days),
            "day_count": COMPLIANCE_DAYS,
        }
        return TemplateResponse(request, "admin/reminders/compliance.html", context)


def compliance_csv(days: list[compliance.DayTally], patient: Patient | None) -> HttpResponse:
    name = f"compliance-patient-{patient.pk}.csv" if patient else "compliance.csv"
    response = HttpResponse(content_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
    writer = csv.writer(response)
    writer.writerow(["day", "sent", "confirmed", "missed", "compliance"])
    for day in days:
        writer.writerow([day.day.isoformat(), day.sent, day.confirmed, day.missed,
                         "" if day.rate is None else f"{day.rate:.2f}"])
    return response


class SchedulingProblemFilter(admin.SimpleListFilter):
    """Schedules the scheduler could not handle (a bad row): they get no doses until fixed."""

    title = _("scheduling problem")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("yes", _("Cannot be scheduled"))]

    def queryset(self, request, queryset):
        return queryset.exclude(scheduling_problem="") if self.value() == "yes" else queryset


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(VolunteerScopedAdmin):
    list_display = ["patient", "kind", "time_of_day", "start_date", "end_date", "is_active", "next_due_at",
                    "scheduling_problem"]
    list_filter = ["kind", "is_active", SchedulingProblemFilter]
    search_fields = ["patient__name", "patient__phone", "message_template"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["next_due_at", "scheduling_problem"]
    show_full_result_count = False


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
    method = forms.ChoiceField(
        label=_("How did you learn it?"),
        choices=[(method, Reminder.ConfirmationMethod(method).label) for method in MANUAL_METHODS],
    )
    patient_condition = forms.CharField(label=_("The patient's condition"), widget=forms.Textarea(attrs={"rows": 3}),
                                        required=False)
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)


@admin.register(Reminder)
class ReminderAdmin(VolunteerScopedAdmin):
    list_display = ["patient", "schedule_kind", "due_at", "delivery_status", "confirmation_status",
                    "confirmation_method", "responded_at", "record_confirmation"]
    list_filter = [NeedsUpdateFilter, DeliveryStatusFilter, "confirmation_status", "schedule__kind",
                   "confirmation_method", PatientFilter]
    search_fields = ["patient__name", "patient__phone"]
    date_hierarchy = "due_at"
    list_select_related = ["patient", "schedule"]
    show_full_result_count = False
    actions = ["cancel", "send_now"]
    fields = ["patient", "schedule", "local_date", "due_at", "sent_at", "confirmation_status", "confirmation_method",
              "confirmed_at", "confirmed_by", "responded_at", "reply_deadline", "closed_at", "close_reason",
              "appointment_answer", "patient_condition", "follow_up_needed", "created_at"]
    readonly_fields = fields

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
        """A volunteer's manual confirmation; refused when the patient has answered already."""
        reminder = get_object_or_404(self.get_queryset(request), pk=reminder_id)
        if not self.has_change_permission(request, reminder):
            raise Http404
        form = ManualConfirmationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if confirm_by_volunteer(reminder, request.user, data["method"], data["patient_condition"],
                                    data["follow_up_needed"]):
                self.message_user(request, _("Confirmation recorded."), messages.SUCCESS)
            else:
                reminder.refresh_from_db()
                self.message_user(request, refusal_text(reminder), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reminders_reminder_changelist") + "?needs_update=yes")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a confirmation"),
            "opts": self.model._meta,
            "original": reminder,
            "reminder": reminder,
            "form": form,
        }
        return TemplateResponse(request, "admin/reminders/reminder/confirm.html", context)


def refusal_text(reminder: Reminder) -> str:
    if reminder.confirmation_method == Reminder.ConfirmationMethod.PATIENT_REPLY:
        return _("Not recorded: the patient has already answered this reminder themselves.")
    if reminder.confirmation_status == Reminder.Confirmation.CONFIRMED:
        return _("Not recorded: this reminder was already confirmed (%(method)s).") % {
            "method": reminder.get_confirmation_method_display()}
    if reminder.confirmation_status == Reminder.Confirmation.CANCELLED:
        return _("Not recorded: this reminder was cancelled (%(why)s).") % {"why": reminder.close_reason}
    return _("Not recorded: this reminder has not been sent yet.")


@admin.register(Message)
class MessageAdmin(VolunteerScopedAdmin):
    list_display = ["patient", "kind", "status", "send_after", "attempts", "masked_phone", "sent_at", "last_error",
                    "end_reason", "provider_message_id"]
    list_filter = ["status", "kind"]
    search_fields = ["patient__name", "phone", "provider_message_id"]
    date_hierarchy = "send_after"
    list_select_related = ["patient"]
    show_full_result_count = False
    fields = ["patient", "reminder", "kind", "status", "masked_phone", "body", "send_after", "priority", "attempts",
              "max_attempts", "last_error", "end_reason", "provider_message_id", "sent_at", "delivered_at", "read_at",
              "created_at", "updated_at"]
    readonly_fields = fields
    actions = ["retry", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """Messages are written by PRIMA only: no one edits one (its number, text, status or
        priority); the actions below are the only way to act on them."""
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, message: Message) -> str:
        return mask_phone(message.phone)

    @admin.action(description=_("Retry (queue a failed message again)"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        result = resend(queryset)
        self.message_user(request, _("%(count)d failed message(s) queued again.") % {"count": result.queued})
        report_refusals(self, request, result.refused)

    @admin.action(description=_("Cancel (withdraw a message not sent yet)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        cancelled = cancel_messages(queryset, request.user)
        self.message_user(request, _("%(count)d queued message(s) cancelled.") % {"count": cancelled})


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
    fields = ["recipient", "role", "channel", "address", "status", "error", "created_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatientReply)
class PatientReplyAdmin(VolunteerScopedAdmin):
    inlines = [StaffNotificationInline]
    list_display = ["received_at", "urgency", "patient_name", "intent", "text", "outcome", "handled"]
    list_filter = [InboxFilter, "urgent", "intent"]
    search_fields = ["patient__name", "patient__phone", "text"]
    date_hierarchy = "received_at"
    list_select_related = ["patient", "handled_by"]
    raw_id_fields = ["patient", "reminder"]
    readonly_fields = ["patient", "reminder", "text", "intent", "outcome", "received_at", "acknowledged",
                       "needs_attention", "urgent", "handled_by", "handled_at"]
    show_full_result_count = False
    actions = ["mark_handled"]

    def get_ordering(self, request):
        return ["-urgent", "received_at"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("urgent"), ordering="urgent")
    def urgency(self, reply: PatientReply) -> str:
        if reply.urgent:
            return format_html('<span class="urgent-badge">{}</span>', _("URGENT"))
        return ""

    @admin.display(description=_("patient"), ordering="patient__name")
    def patient_name(self, reply: PatientReply) -> str:
        return patient_link(reply.patient)

    @admin.display(description=_("handled"))
    def handled(self, reply: PatientReply) -> str:
        if reply.handled_at is None:
            return "—" if not reply.needs_attention else _("waiting")
        return f"{reply.handled_by or '?'}, {timezone.localtime(reply.handled_at):%d %b %H:%M}"

    @admin.action(description=_("Mark as handled"), permissions=["change"])
    def mark_handled(self, request, queryset) -> None:
        handled = queryset.filter(handled_at__isnull=True).update(handled_by=request.user, handled_at=timezone.now())
        self.message_user(request, ngettext("%(count)d reply marked as handled by you.",
                                            "%(count)d replies marked as handled by you.", handled) % {"count": handled},
                          messages.SUCCESS)


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
