"""Schedules, on the patient's page and on their own: a default message for each kind, the
placeholders explained beside it, and the message as each who gets it will read it (the patient,
a caregiver with their first message's introduction), rendered by the functions that render it
for sending (`doses.dose_body`, `templating.introduced`)."""
from collections.abc import Iterable
from datetime import date, datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from reminders.admin.scoping import VolunteerScopedAdmin
from reminders.doses.materialise import dose_body
from reminders.clocks import patient_time
from reminders.models import Caregiver, Patient, ReminderSchedule, catch_up_start, why_no_caregiver_receives
from reminders.templating import DEFAULT_TEMPLATES, PLACEHOLDERS, introduced, template_problems
from reminders.workspace.outcomes import describe_each

Recipients = ReminderSchedule.Recipients
# What a new appointment is reminded at, until the volunteer chooses: the day before and two hours before.
NEW_APPOINTMENT_OFFSETS = [1440, 120]
NO_CAREGIVER_CAN_RECEIVE = _("No caregiver can receive this schedule's reminders (%(why)s). Fill in when a caregiver "
                             "agreed, send them to the patient too, or switch the schedule off.")
ONLY_THE_PATIENT = _("%(schedule)s: only the patient will get these reminders; no caregiver can receive them "
                     "(%(why)s).")


def placeholders_help() -> str:
    return format_html_join(" · ", "<code>{{{}}}</code>: {}", PLACEHOLDERS.items())


class ScheduleForm(forms.ModelForm):
    """A new schedule starts with its kind's default message (schedule_form.js swaps it when
    the kind changes and the volunteer has not written their own). Whom it reminds is judged
    by the caregivers who would get it (`judge_recipients`): on the patient's page, the
    caregiver rows posted with it (ScheduleFormSet); on the schedule's own page, as saved."""

    # Why the caregivers will not get a schedule for "both", once saved: said to the volunteer.
    caregivers_will_not_get = ""

    class Meta:
        model = ReminderSchedule
        fields = "__all__"
        widgets = {"message_template": forms.Textarea(attrs={"rows": 4}),
                   "appointment_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        message = self.fields.get("message_template")
        if message is None:
            return
        message.help_text = placeholders_help()
        if self.instance.pk is None:
            kind = self.initial.get("kind") or self.fields["kind"].initial
            self.initial.setdefault("message_template", DEFAULT_TEMPLATES.get(kind, ""))
            self.initial.setdefault("reminder_offsets", NEW_APPOINTMENT_OFFSETS)

    def clean(self) -> dict:
        """An appointment entered for a day already past would remind nobody: said at once."""
        cleaned = super().clean()
        day = cleaned.get("appointment_date")
        if day and "appointment_date" in self.changed_data and day < timezone.localdate():
            self.add_error("appointment_date", _("This day has passed: no reminder would be sent."))
        return cleaned

    def judge_recipients(self, caregivers: Iterable[Caregiver]) -> None:
        """A schedule that would remind nobody can never work: one for the caregivers only,
        switched on, when none of `caregivers` can receive it (none entered, none agreed, all
        opted out or set inactive) is refused, saying why. One for both is kept, and the
        volunteer is told the caregivers will not get it."""
        self.caregivers_will_not_get = ""
        recipients = self.cleaned_data.get("recipients")
        if recipients not in (Recipients.CAREGIVERS, Recipients.BOTH) or not self.cleaned_data.get("is_active"):
            return
        reasons = why_no_caregiver_receives(caregivers)
        if not reasons:
            return
        why = describe_each(reasons)
        if recipients == Recipients.CAREGIVERS:
            self.add_error("recipients", NO_CAREGIVER_CAN_RECEIVE % {"why": why})
        else:
            self.caregivers_will_not_get = why


class OwnPageScheduleForm(ScheduleForm):
    """The schedule's own page: judged by the patient's caregivers as saved."""

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("patient") is not None:
            self.judge_recipients(cleaned["patient"].caregivers.all())
        return cleaned


class ScheduleFormSet(BaseInlineFormSet):
    """The schedule rows of the patient's page, judged by the caregiver rows posted with them
    (`caregiver_rows`, linked by the page), so a consent filled in, or a caregiver switched off,
    in the same save counts; without them (no caregiver section), by the caregivers as saved."""

    caregiver_rows: BaseInlineFormSet | None = None

    def caregivers(self) -> list[Caregiver]:
        rows = self.caregiver_rows
        if rows is None:
            return list(self.instance.caregivers.all()) if self.instance.pk else []
        rows.is_valid()  # cleans them, once
        return [form.instance for form in rows.forms
                if (form.instance.pk or form.has_changed()) and not form.cleaned_data.get("DELETE")]

    def clean(self) -> None:
        super().clean()
        caregivers = self.caregivers()
        for form in self.forms:
            kept = form.instance.pk or form.has_changed()
            if kept and "recipients" in form.cleaned_data and not form.cleaned_data.get("DELETE"):
                form.judge_recipients(caregivers)


def tell_caregivers_will_not_get(model_admin: admin.ModelAdmin, request: HttpRequest, form: ScheduleForm) -> None:
    """Once a schedule for both is saved: say its caregivers will not get it, and why."""
    if form.caregivers_will_not_get:
        model_admin.message_user(request, ONLY_THE_PATIENT % {"schedule": form.instance,
                                                              "why": form.caregivers_will_not_get}, messages.WARNING)


def reminders_already_past(schedule: ReminderSchedule, now: datetime) -> list[datetime]:
    """An appointment's reminders whose time had passed before the schedule could make them
    (the day before, for an appointment entered this morning): never sent, so said."""
    if schedule.pk is None or not schedule.is_active or schedule.appointment_date is None:
        return []
    earliest = max(catch_up_start(now), schedule.active_since or schedule.created_at)
    due = (schedule.dose_time(schedule.appointment_date, slot) for slot in schedule.reminder_offsets)
    return sorted(when for when in due if when is not None and when < earliest)


def tell_after_saving(model_admin: admin.ModelAdmin, request: HttpRequest, form: ScheduleForm) -> None:
    """Once a schedule is saved: what it will not do that a volunteer would expect it to."""
    tell_caregivers_will_not_get(model_admin, request, form)
    schedule = form.instance
    past = reminders_already_past(schedule, timezone.now())
    if not past:
        return
    when = ", ".join(patient_time(moment, schedule.patient) for moment in past)
    if len(past) == len(schedule.reminder_offsets):
        model_admin.message_user(request, _(
            "%(schedule)s: every reminder of this appointment (%(when)s) had already passed, so none is sent: "
            "tell the patient yourself.") % {"schedule": schedule, "when": when}, messages.WARNING)
    else:
        model_admin.message_user(request, _(
            "%(schedule)s: the reminder at %(when)s had already passed and is not sent; the later ones are.")
            % {"schedule": schedule, "when": when}, messages.WARNING)


def preview(schedule: ReminderSchedule, caregiver: str = "", day: date | None = None) -> str:
    """The text of the schedule's dose on `day` (its appointment's date, else today), exactly
    as it would be sent, under who will read it: the patient, a caregiver (`caregiver`, the
    first named on the page) with the introduction their first message begins with, or both."""
    local_date = day or schedule.appointment_date or timezone.localdate(timezone=schedule.patient.zone)
    body, patient = dose_body(schedule, local_date), schedule.patient.name
    readers = []
    if schedule.reminds_patient:
        readers.append(_("The patient, %(name)s, will read:") % {"name": patient} + f"\n{body}")
    if schedule.reminds_caregivers:
        readers.append(_("A caregiver will read, as the first message PRIMA sends them:")
                       + f"\n{introduced(body, caregiver or 'Bapak/Ibu', patient)}")
    return "\n\n".join(readers)


class SchedulePreview:
    """The read-only fields of a schedule form: "as the patient reads it", filled by the server
    for a saved schedule and kept up to date while typing by schedule_form.js, and the
    scheduler's verdict, empty until there is a row to judge."""

    class Media:
        js = ["reminders/schedule_form.js"]

    @admin.display(description=_("Who reads what"))
    def message_preview(self, schedule: ReminderSchedule) -> str:
        if schedule.pk is None:
            return ""
        caregiver = schedule.patient.caregivers.filter(is_active=True).order_by("id").first()
        return preview(schedule, caregiver.name if caregiver else "")

    @admin.display(description=ReminderSchedule._meta.get_field("scheduling_problem").verbose_name)
    def problem(self, schedule: ReminderSchedule) -> str:
        return schedule.scheduling_problem if schedule.pk else ""


class ScheduleFormPage:
    """A page with schedule forms on it: it hands schedule_form.js each kind's default message
    and where previews come from."""

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs):
        context["schedule_form"] = {"defaults": DEFAULT_TEMPLATES,
                                    "preview_url": reverse("admin:reminders_reminderschedule_preview")}
        return super().render_change_form(request, context, *args, **kwargs)


SCHEDULE_FIELDSETS = [
    (None, {"fields": [("kind", "time_of_day"), ("appointment_date", "reminder_offsets"), "message_template",
                       "message_preview", "weekdays", ("start_date", "end_date"), "recipients", "is_active"]}),
    (_("System details"), {"classes": ["collapse"], "fields": ["next_due_at", "problem"]}),
]


class ReminderScheduleInline(SchedulePreview, admin.StackedInline):
    model = ReminderSchedule
    form = ScheduleForm
    formset = ScheduleFormSet
    extra = 0
    fieldsets = SCHEDULE_FIELDSETS
    readonly_fields = ["message_preview", "next_due_at", "problem"]


class SchedulingProblemFilter(admin.SimpleListFilter):
    """Schedules the scheduler could not handle (a bad row): they get no doses until fixed."""

    title = _("scheduling problem")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("yes", _("Cannot be scheduled"))]

    def queryset(self, request, queryset):
        return queryset.exclude(scheduling_problem="") if self.value() == "yes" else queryset


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(ScheduleFormPage, SchedulePreview, VolunteerScopedAdmin):
    form = OwnPageScheduleForm
    list_display = ["patient", "kind", "time_of_day", "start_date", "end_date", "is_active", "next_due_at",
                    "scheduling_problem"]
    list_filter = ["kind", "is_active", SchedulingProblemFilter]
    search_fields = ["patient__name", "patient__phone", "message_template"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    fieldsets = [(None, {"fields": ["patient"]}), *SCHEDULE_FIELDSETS]
    readonly_fields = ["message_preview", "next_due_at", "problem"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: ReminderSchedule, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        tell_after_saving(self, request, form)

    def get_urls(self) -> list:
        return [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="reminders_reminderschedule_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        """The message a template makes for a name and a time, or what is wrong with it: for
        the form's live preview, by the sender's own rendering."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = request.GET.get("template", "")
        problems = [str(problem) for problem in template_problems(template)]
        try:
            at = forms.TimeField(required=False).clean(request.GET.get("time", ""))
        except ValidationError:
            at = None
        if at is None:
            problems.append(str(_("Fill in the time to see the message.")))
        if problems:
            return JsonResponse({"text": "", "problems": problems})
        try:
            day = forms.DateField(required=False).clean(request.GET.get("date", ""))
        except ValidationError:
            day = None
        schedule = ReminderSchedule(patient=Patient(name=request.GET.get("name", "").strip() or "{nama}"),
                                    message_template=template, time_of_day=at,
                                    recipients=request.GET.get("recipients") or Recipients.PATIENT)
        if request.GET.get("kind") == ReminderSchedule.Kind.APPOINTMENT:
            schedule.appointment_date = day
        return JsonResponse({"text": preview(schedule, request.GET.get("caregiver", "").strip()), "problems": []})


