"""Patients, their schedules and their compliance: enrolling, consent by hand, pausing,
"send today's reminders now" (reminders/workspace/volunteer_actions.py and doses/compliance.py do the work)."""
import csv
from collections import Counter
from datetime import timedelta, tzinfo
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reminders.conversation import check_ins

from reminders.doses import compliance
from reminders.admin.caregivers import CaregiverFormSet, CaregiverInline
from reminders.admin.schedules import (
    ReminderScheduleInline, ScheduleFormPage, ScheduleFormSet, tell_after_saving,
)
from reminders.admin.scoping import VolunteerScopedAdmin, action_form, report_refusals, sees_all_patients
from reminders.admin.team import report_tellings
from reminders.clocks import patient_time
from reminders.workspace.charts import daily_chart
from reminders.workspace.outcomes import describe_each
from reminders.conversation.consent import opt_back_in, send_verification, set_verification_by_hand
from reminders.outbox.devices import Move, move_patient
from reminders.models import WEEKDAYS, ZONE_NAMES, Device, Patient, PatientReply, Reminder, staff_name
from reminders.outbox.assignments import tell_assignment
from reminders.workspace import team
from reminders.workspace.roles import volunteer_choices, volunteers_only
from reminders.workspace.pauses import VOLUNTEER_REASONS, pause, resume
from reminders.workspace.today import contact_actions, one_tap, verification_actions
from reminders.workspace.volunteer_actions import next_due_at, send_todays_reminders_now

COMPLIANCE_DAYS = 30


# Whether a patient gets reminders as far as the patient and their volunteer chose: in words, for
# the list's column and its filter (first match wins). Verification is a column of its own.
REMINDERS_STATES = [
    ("opted_out", _("Opted out"), Q(opted_out_at__isnull=False)),
    ("paused", _("Paused"), Q(is_active=False)),
    ("active", _("Active"), Q()),
]
REMINDERS_STATE_LABELS = {value: label for value, label, _condition in REMINDERS_STATES}
REMINDERS_STATE = Case(*(When(condition, then=Value(value)) for value, _label, condition in REMINDERS_STATES[:-1]),
                       default=Value(REMINDERS_STATES[-1][0]), output_field=CharField())


class RemindersStateFilter(admin.SimpleListFilter):
    title = _("reminders")
    parameter_name = "reminders"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _condition in REMINDERS_STATES]

    def queryset(self, request, queryset):
        return queryset.filter(reminders_state=self.value()) if self.value() else queryset


class CheckInDayFilter(admin.SimpleListFilter):
    title = _("weekly check-in day")
    parameter_name = "check_in_day"

    def lookups(self, request, model_admin):
        return [("none", _("None: never asked")), *((str(day), label) for day, label in WEEKDAYS)]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(check_in_day__isnull=True)
        if self.value() in {str(day) for day, _label in WEEKDAYS}:
            return queryset.filter(check_in_day=int(self.value()))
        return queryset


class VolunteerFilter(admin.SimpleListFilter):
    """A coordinator's view of one volunteer's patients, or of those nobody looks after yet."""

    title = _("volunteer")
    parameter_name = "volunteer"

    def lookups(self, request, model_admin):
        volunteers = volunteers_only(get_user_model().objects.all()).order_by("first_name", "last_name", "username")
        return [("none", _("None yet")), *((str(volunteer.pk), staff_name(volunteer)) for volunteer in volunteers)]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(volunteer__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(volunteer_id=int(self.value()))
        return queryset


class VolunteerChoiceField(forms.ModelChoiceField):
    """Volunteers by name: never a username, a coordinator or a superuser."""

    def label_from_instance(self, user) -> str:
        return staff_name(user)


class AssignForm(forms.Form):
    volunteer = VolunteerChoiceField(label=_("Volunteer"), queryset=volunteer_choices(),
                                     help_text=_("Active volunteers. They are told by WhatsApp on their staff number."))


class VerificationNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           help_text=_("How the patient answered, e.g. on a home visit. Saved in the patient's notes."))


class PauseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Why are the reminders paused?"), widget=forms.RadioSelect,
                             choices=[(kind.value, kind.label) for kind in VOLUNTEER_REASONS])
    reason = forms.CharField(label=_("In a few words (optional)"), max_length=200, required=False,
                             help_text=_("E.g. which hospital, or what the doctor said."))
    until = forms.DateField(label=_("Last day without reminders (optional)"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                            help_text=_("Reminders start again by themselves the day after, in the patient's zone. "
                                        "Empty: until a volunteer resumes them."))

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until is not None and until < timezone.localdate():
            raise ValidationError(_("This day is past already: choose today or a later day, or leave it empty."))
        return until

    def clean(self):
        data = super().clean()
        if data.get("kind") == Patient.PauseKind.OTHER and not data.get("reason", "").strip():
            self.add_error("reason", _("Say in a few words why."))
        return data


class MoveDeviceForm(forms.Form):
    device = forms.ModelChoiceField(label=_("WhatsApp device"), queryset=Device.objects.filter(is_active=True),
                                    help_text=_("Only active devices are listed."))


class PatientForm(forms.ModelForm):
    """Tells a volunteer a number is taken without confirming that it belongs to some
    palliative patient elsewhere; a coordinator, who sees everyone, gets the plain reason.
    The weekly check-in's time may be left empty (it matters only with a day)."""

    sees_all = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "volunteer" in self.fields:  # a coordinator's choice; whoever has the patient now stays valid
            chosen = get_user_model().objects.filter(Q(pk__in=volunteer_choices().values("pk"))
                                                     | Q(pk=self.instance.volunteer_id))
            self.fields["volunteer"] = VolunteerChoiceField(
                label=self.fields["volunteer"].label, required=False, help_text=self.fields["volunteer"].help_text,
                queryset=chosen.order_by("first_name", "last_name", "username"))
        if "check_in_time" in self.fields:  # only read with a check-in day
            self.fields["check_in_time"].required = False
            self.fields["check_in_time"].widget.format = "%H:%M"
        if "check_in_day" in self.fields:
            self.fields["check_in_day"].choices = [("", _("None: never asked")), *WEEKDAYS]

    def clean_check_in_time(self):
        """Left empty (or a form posted without it): the time the patient has, 10:00 for a new one."""
        return self.cleaned_data.get("check_in_time") or self.instance.check_in_time

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
class PatientAdmin(ScheduleFormPage, VolunteerScopedAdmin):
    patient_path = ""
    form = PatientForm
    list_display = ["name", "phone", "verification_status", "reminders_state", "next_reminder", "last_reply",
                    "compliance_badge", "volunteer"]
    phone_columns = ["name", "verification_status", "reminders_state", "next_reminder", "compliance_badge", "volunteer"]
    list_filter = ["verification_status", RemindersStateFilter, CheckInDayFilter, "time_zone", VolunteerFilter,
                   "device"]
    COORDINATORS_ONLY = {VolunteerFilter, "device"}
    search_fields = ["name", "phone"]
    list_select_related = ["volunteer"]
    show_full_result_count = False
    inlines = [CaregiverInline, ReminderScheduleInline]
    # Consent changes only by the patient's answer or the actions (with a note, by hand); what
    # the system keeps for itself is shown folded away, read-only.
    CONSENT = ["verification_status", "opted_out_at", "opted_in_at"]
    SYSTEM = ["verification_sent_at", "verification_answered_at", "verification_expires_at", "verification_attempts",
              "opt_out_method", "opt_in_method", "reachable_since", "created_at"]
    CHECK_IN = ["check_in_day", "check_in_time"]
    readonly_fields = [*CONSENT, *SYSTEM, "next_check_in", "recent_check_ins", "reminders_paused"]
    actions = ["send_verification_question", "verify_by_hand", "decline_by_hand", "pause_reminders",
               "resume_reminders", "opt_back_in", "send_todays_reminders", "move_to_device", "assign_to_volunteer"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        last_reply = PatientReply.objects.filter(patient=OuterRef("pk")).order_by("-received_at").values("received_at")
        patients = super().get_queryset(request).annotate(last_reply_at=Subquery(last_reply[:1]),
                                                          reminders_state=REMINDERS_STATE)
        return compliance.with_recent_compliance(patients, timezone.now()).prefetch_related("schedules")

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.sees_all = sees_all_patients(request.user)
        return form

    def get_fieldsets(self, request: HttpRequest, obj=None) -> list:
        """A new patient: who they are and who looks after them; they start unverified, and are
        asked (or verified by hand, with a note) from the today page or their own page."""
        if obj is None:
            assigns = ["volunteer"] if sees_all_patients(request.user) else []
            return [(None, {"fields": ["name", "phone", "time_zone", *assigns, "notes"]}),
                    (_("Weekly check-in"), {"fields": self.CHECK_IN})]
        return [
            (None, {"fields": ["name", "phone", "time_zone", "volunteer", "reminders_paused", "notes"]}),
            (_("Consent"), {"fields": self.CONSENT}),
            (_("Weekly check-in"), {"fields": [*self.CHECK_IN, "next_check_in", "recent_check_ins"]}),
            *([(_("WhatsApp device"), {"fields": ["device"]})] if sees_all_patients(request.user) else []),
            (_("System details"), {"classes": ["collapse"], "fields": self.SYSTEM}),
        ]

    def get_list_filter(self, request: HttpRequest) -> list:
        if sees_all_patients(request.user):
            return self.list_filter
        return [name for name in self.list_filter if name not in self.COORDINATORS_ONLY]

    def get_list_display(self, request: HttpRequest) -> list:
        """A volunteer's patients are all theirs: no volunteer column, one more that fits."""
        names = super().get_list_display(request)
        return names if sees_all_patients(request.user) else [name for name in names if name != "volunteer"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        """Only a coordinator assigns patients to volunteers."""
        fields = [*super().get_readonly_fields(request, obj), "device"]  # moved by the action: the patient is told
        return fields if sees_all_patients(request.user) else [*fields, "volunteer"]

    def save_model(self, request: HttpRequest, obj: Patient, form, change: bool) -> None:
        """A patient a volunteer enrols is theirs; one a coordinator assigns, their volunteer is told of."""
        if not change and not sees_all_patients(request.user):
            obj.volunteer = request.user
        super().save_model(request, obj, form, change)
        if "volunteer" in form.changed_data:
            previous = get_user_model().objects.filter(pk=form.initial.get("volunteer")).first()
            report_tellings(self, request, tell_assignment(obj, previous, request.user))
        if {"check_in_day", "check_in_time"} & set(form.changed_data):
            self.message_user(request, _("Next weekly check-in question: %(when)s") % {"when": self.next_check_in(obj)},
                              messages.INFO)

    def _create_formsets(self, request: HttpRequest, obj, change: bool):
        """The schedule rows are judged by the caregiver rows posted with them (ScheduleFormSet):
        Django builds a page's formsets here, and nowhere else are both in hand."""
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        caregivers = next((formset for formset in formsets if isinstance(formset, CaregiverFormSet)), None)
        for formset in formsets:
            if isinstance(formset, ScheduleFormSet):
                formset.caregiver_rows = caregivers
        return formsets, inline_instances

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if isinstance(formset, ScheduleFormSet):
            for schedule_form in formset.forms:
                tell_after_saving(self, request, schedule_form)

    def page_zone(self, request: HttpRequest, obj: Patient | None) -> tzinfo:
        """The zone chosen in the form when one was posted (a change of zone saved with the
        caregivers' times typed on the new clock), else the patient's; a new patient's form
        starts on the zone it offers first (WIB), and patient_clock.js follows the choice."""
        posted = request.POST.get("time_zone")
        if posted in ZONE_NAMES:
            return ZoneInfo(posted)
        return super().page_zone(request, obj) or ZoneInfo(Patient._meta.get_field("time_zone").default)

    def page_actions(self, request, patient: Patient) -> list:
        """Contact, consent, and pausing or resuming, as the patient's state allows."""
        if patient.opted_out_at is not None:
            state = [one_tap("patient", patient.pk, "opt_back_in", _("Opt back in"))]
        elif not patient.is_active:
            state = [one_tap("patient", patient.pk, "resume_reminders", _("Resume reminders"))]
            if patient.pause_kind != Patient.PauseKind.DIED:
                state.append(one_tap("patient", patient.pk, "pause_reminders", _("Change the pause")))
        elif patient.can_receive_reminders:
            state = [one_tap("patient", patient.pk, "send_todays_reminders", _("Send today's reminders now")),
                     one_tap("patient", patient.pk, "pause_reminders", _("Pause reminders"))]
        else:
            state = []
        return [*contact_actions(patient), *verification_actions(patient), *state]

    @admin.display(description=_("reminders"), ordering="reminders_state")
    def reminders_state(self, patient: Patient) -> str:
        return REMINDERS_STATE_LABELS[patient.reminders_state]

    @admin.display(description=_("reminders"))
    def reminders_paused(self, patient: Patient) -> str:
        """Paused, why and until when; or that they are on (opting out and consent are shown apart)."""
        return patient.pause_text or _("Active")

    @admin.display(description=_("next reminder"))
    def next_reminder(self, patient: Patient) -> str | None:
        return patient_time(next_due_at(patient, timezone.now()), patient) or None

    @admin.display(description=_("last reply"), ordering="last_reply_at")
    def last_reply(self, patient: Patient) -> str | None:
        return patient_time(patient.last_reply_at, patient) or None

    @admin.display(description=_("next question"))
    def next_check_in(self, patient: Patient) -> str:
        """When PRIMA will ask next: this week's may have gone out already, or go out at once."""
        when = check_ins.next_check_in(patient, timezone.now())
        if patient.check_in_day is None:
            return _("never: no day is set")
        if when is None:
            return _("once the patient gets messages again (verified, active, not opted out)")
        if when <= timezone.now() + timedelta(minutes=1):
            return _("within a minute")
        return patient_time(when, patient, weekday=True)

    @admin.display(description=_("last check-ins"))
    def recent_check_ins(self, patient: Patient) -> str:
        """The last four answers, newest first, each linked to its check-in."""
        recent = patient.check_ins.order_by("-due_at")[:4]
        if not recent:
            return _("none yet")
        return format_html_join(", ", '<a href="{}">{}: {}</a>', (
            (reverse("admin:reminders_checkin_change", args=[check_in.pk]),
             formats.date_format(timezone.localtime(check_in.due_at, patient.zone)),
             check_in.get_answer_display() or _("waiting")) for check_in in recent))

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

    def _action_form(self, request, queryset, form: forms.Form, action: str, title: str, now, explanation: str = ""):
        """The page between choosing an action and applying it: the patients, what each has now
        (`now(patient)`), and the form the action needs."""
        rows = [(patient, patient.pk, now(patient)) for patient in queryset]
        return action_form(self, request, rows, form, action, title, explanation)

    def _verification_by_hand(self, request, queryset, verified: bool, action: str, title: str):
        """Two steps: a page asking for a note, then the change with who and when in the notes."""
        form = VerificationNoteForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = set_verification_by_hand(queryset, request.user, verified, form.cleaned_data["note"],
                                               timezone.now())
            self.message_user(request, _("%(title)s: %(count)d patient(s).") % {"title": title, "count": changed},
                              messages.SUCCESS)
            if unchanged := queryset.count() - changed:
                self.message_user(request, _("%(count)d patient(s) were so already: left as they were.")
                                  % {"count": unchanged}, messages.INFO)
            return None
        return self._action_form(request, queryset, form, action, title,
                                 lambda patient: patient.get_verification_status_display())

    @admin.action(description=_("Verify by hand (the patient agreed in person)"))
    def verify_by_hand(self, request, queryset):
        return self._verification_by_hand(request, queryset, True, "verify_by_hand", _("Verify by hand"))

    @admin.action(description=_("Decline by hand (the patient refused in person)"))
    def decline_by_hand(self, request, queryset):
        return self._verification_by_hand(request, queryset, False, "decline_by_hand", _("Decline by hand"))

    @admin.action(description=_("Pause reminders"))
    def pause_reminders(self, request, queryset):
        """Asks why and until when, then pauses (a pause on already gets the new reason and end)."""
        form = PauseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            paused = pause(queryset, data["kind"], data["reason"], data["until"])
            self.message_user(request, _("Reminders paused for %(count)d patient(s).") % {"count": paused},
                              messages.SUCCESS)
            return None
        return self._action_form(request, queryset, form, "pause_reminders", _("Pause reminders"),
                                 lambda patient: patient.pause_text or _("reminders on"),
                                 _("While paused, no reminder is sent, and none is sent late afterwards."))

    @admin.action(description=_("Resume reminders"))
    def resume_reminders(self, request, queryset) -> None:
        resumed = resume(queryset)
        self.message_user(request, _("Reminders resumed for %(count)d patient(s).") % {"count": resumed})

    @admin.action(description=_("Opt back in (the patient asked a volunteer)"))
    def opt_back_in(self, request, queryset) -> None:
        now = timezone.now()
        opted_out = list(queryset.filter(opted_out_at__isnull=False))
        for patient in opted_out:
            opt_back_in(patient, Patient.ConsentMethod.VOLUNTEER, now)
        self.message_user(request, _("%(count)d patient(s) opted back in.") % {"count": len(opted_out)})

    def has_move_device_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reminders.change_device")

    @admin.action(description=_("Move to another WhatsApp device (the old number tells the patient)"),
                  permissions=["move_device"])
    def move_to_device(self, request, queryset):
        form = MoveDeviceForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            device = form.cleaned_data["device"]
            moves = Counter(move_patient(patient, device) for patient in queryset)
            self.message_user(request, _("%(moved)d patient(s) moved to %(device)s: %(told)d will hear the new number "
                                         "from their old one; %(back)d were back on the number they know before "
                                         "being told, so they are told nothing; %(there)d were on it already.") % {
                "moved": moves[Move.TOLD] + moves[Move.HELD] + moves[Move.UNTOLD], "device": device,
                "told": moves[Move.TOLD] + moves[Move.HELD], "back": moves[Move.UNTOLD],
                "there": moves[Move.ALREADY_THERE]}, messages.SUCCESS)
            if moves[Move.HELD]:
                self.message_user(request, _("%(count)d of them cannot receive messages now (paused, opted out or not "
                                             "verified): their old number tells them, and their caregivers, the new "
                                             "one once they can again, before any reminder from it.") % {
                    "count": moves[Move.HELD]}, messages.WARNING)
            return None
        return self._action_form(
            request, queryset, form, "move_to_device", _("Move to another WhatsApp device"),
            lambda patient: patient.device or _("the number of FONNTE_TOKEN"),
            _("From now on every message to them goes through the new device, also those already waiting. "
              "Their old number sends them, and their caregivers, the new one first."))

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return sees_all_patients(request.user)

    @admin.action(description=_("Assign to a volunteer"), permissions=["assign"])
    def assign_to_volunteer(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            volunteer, selected = form.cleaned_data["volunteer"], queryset.count()  # before: a filter may drop them
            done = team.assign(queryset, volunteer, request.user)
            self.message_user(request, _("%(count)d patient(s) assigned to %(name)s; %(same)d were theirs already.") % {
                "count": done.moved, "name": staff_name(volunteer), "same": selected - done.moved},
                messages.SUCCESS)
            report_tellings(self, request, done.tellings)
            return None
        return self._action_form(request, queryset, form, "assign_to_volunteer", _("Assign to a volunteer"),
                                 lambda patient: staff_name(patient.volunteer) if patient.volunteer else _("no volunteer"))

    @admin.action(description=_("Send today's reminders now"))
    def send_todays_reminders(self, request, queryset) -> None:
        """Each patient is told apart: what was queued, and when nothing was, why (paused, not
        verified, nothing today, already sent, nobody can receive it, …)."""
        for patient in queryset:
            result = send_todays_reminders_now(patient, request.user)
            if not result.allowed:
                self.message_user(request, _("Too many “send now” requests; try again in %(minutes)d minute(s).")
                                  % {"minutes": result.retry_after // 60 + 1}, messages.ERROR)
                return
            if not result.queued:
                why = describe_each([*result.refused, *result.not_queued])
                self.message_user(request, _("%(patient)s: 0 reminders of today queued to go now, because %(why)s.")
                                  % {"patient": patient, "why": why}, messages.WARNING)
                continue
            self.message_user(request, _("%(patient)s: %(count)d reminder(s) of today queued to go now.")
                              % {"patient": patient, "count": result.queued}, messages.SUCCESS)
            report_refusals(self, request, result.refused)
            if result.not_queued:
                self.message_user(request, _("Not queued: %(why)s.") % {"why": describe_each(result.not_queued)},
                                  messages.INFO)

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
