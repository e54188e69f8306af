"""A coordinator's team: their volunteers, in a page of their own instead of Django's user
admin, which would give them power over every account. They add, edit, deactivate and give
passwords to volunteers only (`volunteers_only`: never a superuser or a coordinator, whose
rows are not even found); reminders/workspace/team.py does the work."""
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reminders.models import StaffNotification, StaffProfile, Volunteer, staff_name
from reminders.outbox.assignments import ASSIGNED, MOVED_AWAY, Telling
from reminders.phones import validate_mobile
from reminders.workspace import team
from reminders.workspace.outcomes import describe
from reminders.workspace.roles import volunteers_only


class VolunteerForm(forms.ModelForm):
    """Who the volunteer is and their staff WhatsApp number; never a permission or a group."""

    name = forms.CharField(label=_("Name"), max_length=150)
    phone = StaffProfile._meta.get_field("phone").formfield(
        label=_("Staff WhatsApp number"), required=False,
        help_text=_("PRIMA tells the volunteer here about new patients and patients who need someone."),
        validators=[validate_mobile])  # a form's own field: the model field's validators do not come with it

    class Meta:
        model = Volunteer
        fields = ["username", "email", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["name"] = self.instance.get_full_name()
            self.initial["phone"] = StaffProfile.objects.filter(user=self.instance).values_list(
                "phone", flat=True).first() or ""
        if "email" in self.fields:
            self.fields["email"].help_text = _("For a link to choose a password; may stay empty.")


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    form = VolunteerForm
    list_display = ["name", "staff_phone", "patient_count", "is_active"]
    list_display_links = ["name"]
    list_filter = ["is_active"]
    search_fields = ["first_name", "last_name", "username", "staff_profile__phone"]
    ordering = ["first_name", "last_name", "username"]
    actions = ["deactivate", "reactivate"]
    readonly_fields = ["password_link", "patients_link", "assignment_notices", "last_login"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return volunteers_only(super().get_queryset(request)).select_related("staff_profile").annotate(
            patient_count=Count("patients"))

    def get_fields(self, request: HttpRequest, obj=None) -> list:
        if obj is None:
            return ["name", "username", "email", "phone"]
        return ["name", "email", "phone", "is_active", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        return ["username", *self.readonly_fields] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # their name stays on what they did; deactivate instead

    def save_model(self, request: HttpRequest, obj: Volunteer, form, change: bool) -> None:
        obj.first_name, obj.last_name = form.cleaned_data["name"], ""
        if not change:
            team.enrol_volunteer(obj, form.cleaned_data["phone"])
            return
        super().save_model(request, obj, form, change)
        team.set_staff_phone(obj, form.cleaned_data["phone"])

    def response_add(self, request: HttpRequest, obj: Volunteer, post_url_continue=None) -> HttpResponse:
        """Next, a new volunteer needs a password."""
        self.message_user(request, _("%(name)s was added. Now give them a password.") % {"name": obj}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reminders_volunteer_password", args=[obj.pk]))

    @admin.display(description=_("name"), ordering="first_name")
    def name(self, volunteer: Volunteer) -> str:
        return staff_name(volunteer)

    @admin.display(description=_("WhatsApp"), ordering="staff_profile__phone")
    def staff_phone(self, volunteer: Volunteer) -> str:
        """Their staff number; "none" is a volunteer PRIMA cannot tell by WhatsApp."""
        profile = getattr(volunteer, "staff_profile", None)
        return profile.phone if profile and profile.phone else _("none")

    @admin.display(description=_("patients"), ordering="patient_count")
    def patient_count(self, volunteer: Volunteer) -> int:
        return volunteer.patient_count

    @admin.display(description=_("password"))
    def password_link(self, volunteer: Volunteer) -> str:
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:reminders_volunteer_password", args=[volunteer.pk]),
                           _("Reset the password"))

    @admin.display(description=_("patients"))
    def patients_link(self, volunteer: Volunteer) -> str:
        patients = reverse("admin:reminders_patient_changelist")
        return format_html('<a href="{}?volunteer={}">{}</a> · <a href="{}?volunteer=none">{}</a>', patients,
                           volunteer.pk, _("Their patients (%(count)d)") % {"count": volunteer.patient_count},
                           patients, _("Assign patients without a volunteer"))

    @admin.display(description=_("told of patients assigned"))
    def assignment_notices(self, volunteer: Volunteer) -> str:
        """The last WhatsApps about patients given to them or moved away, and what became of each."""
        notices = StaffNotification.objects.filter(recipient=volunteer, role__in=[ASSIGNED, MOVED_AWAY]).select_related(
            "patient").order_by("-id")[:5]
        return format_html_join(mark_safe("<br>"), "{}: {} {}", (
            (notice.patient, notice.get_status_display(),
             localize(template_localtime(notice.sent_at)) if notice.sent_at else describe(notice.error))
            for notice in notices)) or "—"

    @admin.action(description=_("Deactivate (can no longer log in)"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = queryset.filter(is_active=True)
        left = [(volunteer, volunteer.patient_count) for volunteer in changed if volunteer.patient_count]
        count = Volunteer.objects.filter(pk__in=changed.values("pk")).update(is_active=False)
        self.message_user(request, ngettext("%(count)d volunteer deactivated.", "%(count)d volunteers deactivated.",
                                            count) % {"count": count}, messages.SUCCESS)
        for volunteer, patients in left:
            self.message_user(request, format_html(
                '{} <a href="{}?volunteer={}">{}</a>',
                _("%(name)s still has %(count)d patient(s): alerts about them go to the coordinators until you "
                  "assign them to another volunteer.") % {"name": volunteer, "count": patients},
                reverse("admin:reminders_patient_changelist"), volunteer.pk, _("Assign them")), messages.WARNING)

    @admin.action(description=_("Reactivate"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = Volunteer.objects.filter(pk__in=queryset.filter(is_active=False).values("pk")).update(is_active=True)
        self.message_user(request, ngettext("%(count)d volunteer reactivated.", "%(count)d volunteers reactivated.",
                                            count) % {"count": count}, messages.SUCCESS)

    def get_urls(self) -> list:
        return [path("<int:object_id>/password/", self.admin_site.admin_view(self.password_view),
                     name="reminders_volunteer_password"),
                *super().get_urls()]

    def password_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Give a volunteer a password: a one-time link by email, or a temporary password shown
        once, here, for the coordinator to hand over."""
        volunteer = self.get_object(request, str(object_id))
        if volunteer is None:
            raise Http404
        if not self.has_change_permission(request, volunteer):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts, "volunteer": volunteer,
                   "title": _("Password of %(name)s") % {"name": volunteer}}
        how = request.POST.get("how") if request.method == "POST" else None
        if how == "temporary":
            context["password"] = team.set_temporary_password(volunteer)
            self.log_change(request, volunteer, [{"changed": {"fields": ["password"]}}])
        elif how == "link":
            return self._send_link(request, volunteer)
        return TemplateResponse(request, "admin/reminders/volunteer/password.html", context)

    def _send_link(self, request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
        here = reverse("admin:reminders_volunteer_password", args=[volunteer.pk])
        if not volunteer.email:
            self.message_user(request, _("%(name)s has no email address: give a temporary password instead, or add "
                                         "their address first.") % {"name": volunteer}, messages.ERROR)
            return HttpResponseRedirect(here)
        try:
            team.send_password_link(volunteer)
        except Exception as exc:  # the mail server refused: say so, never "sent"
            self.message_user(request, _("The email to %(address)s could not be sent (%(error)s). Try again later, "
                                         "or give a temporary password.") % {"address": volunteer.email,
                                                                             "error": exc.__class__.__name__},
                              messages.ERROR)
            return HttpResponseRedirect(here)
        self.log_change(request, volunteer, [{"changed": {"fields": ["password link"]}}])
        self.message_user(request, _("A link to choose a password was emailed to %(address)s. It works once.")
                          % {"address": volunteer.email}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reminders_volunteer_change", args=[volunteer.pk]))


def report_tellings(model_admin: admin.ModelAdmin, request: HttpRequest, tellings: list[Telling]) -> None:
    """Say what the volunteers concerned will be told, one line each: a WhatsApp queued (it is
    marked sent on the volunteer's page once it went), or nothing, and why, so the
    coordinator tells them in person."""
    grouped = defaultdict(list)
    for telling in tellings:
        grouped[(telling.volunteer, telling.role, telling.queued)].append(str(telling.patient))
    for (volunteer, role, queued), patients in grouped.items():
        names = ", ".join(patients)
        if not queued:
            model_admin.message_user(request, _(
                "%(name)s is not told of %(patients)s by WhatsApp: they have no staff WhatsApp number or cannot "
                "log in. Tell them yourself.") % {"name": staff_name(volunteer), "patients": names}, messages.WARNING)
        elif role == ASSIGNED:
            model_admin.message_user(request, _("%(name)s will be told by WhatsApp that %(patients)s is now theirs.")
                                     % {"name": staff_name(volunteer), "patients": names}, messages.INFO)
        else:
            model_admin.message_user(request, _("%(name)s will be told by WhatsApp that %(patients)s moved to "
                                                "someone else.") % {"name": staff_name(volunteer), "patients": names},
                                     messages.INFO)
