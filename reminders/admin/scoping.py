"""Who sees what, for every page: a volunteer sees and changes only the patients assigned to
them and what belongs to those patients; a coordinator (permission
`reminders.see_all_patients`) sees everyone. Enforced in querysets, object permissions and
form choices, not only in menus. And what every page about patients shares: their times on
their own clock, named (reminders/clocks.py), and one search by name or any part of a number."""
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import cache

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reminders.clocks import patient_time, patient_time_of_day, patient_zone, utc_offset_seconds, zone_name
from reminders.models import ZONE_NAMES, Caregiver, Patient, Reminder, ReminderSchedule
from reminders.phones import number_lookup
from reminders.workspace.outcomes import describe
from reminders.workspace.today import Action


def sees_all_patients(user) -> bool:
    return user.has_perm("reminders.see_all_patients")


def visible_patients(user) -> QuerySet:
    patients = Patient.objects.all()
    return patients if sees_all_patients(user) else patients.filter(volunteer=user)


def patient_of(obj: models.Model) -> Patient:
    """The patient a row of a patients' page is about (the row itself on the patients' list)."""
    return obj if isinstance(obj, Patient) else obj.patient


@cache
def on_patients_clock(model: type[models.Model], name: str) -> Callable:
    """A list column showing a date-time (or a time of day) field of `model` on its row's
    patient's clock, named (07.25 WITA), sorted by the field, classed as the field's own column."""
    def show(obj: models.Model) -> str | None:
        value = getattr(obj, name)
        if value is None:
            return None
        if isinstance(value, datetime):
            return patient_time(value, patient_of(obj))
        return patient_time_of_day(value, patient_of(obj))

    show.__name__ = name
    return admin.display(description=model._meta.get_field(name).verbose_name, ordering=name)(show)


CLOCK_FIELDS = (models.DateTimeField, models.TimeField)


def is_moment(model: type[models.Model], name) -> bool:
    try:
        return isinstance(name, str) and isinstance(model._meta.get_field(name), CLOCK_FIELDS)
    except FieldDoesNotExist:
        return False


def patients_numbered(typed: str) -> QuerySet | None:
    """The patients whose number, or one of whose caregivers' numbers, has `typed` in it as people
    type part of a number (`phones.number_lookup`); None when `typed` is not a number. One small
    table scanned (patients, caregivers), however long the list searched."""
    lookup = number_lookup(typed)
    if lookup is None:
        return None
    kind, digits = lookup
    caregivers = Caregiver.objects.filter(**{f"phone__{kind}": digits}).values("patient_id")
    return Patient.objects.filter(Q(**{f"phone__{kind}": digits}) | Q(pk__in=caregivers))


def patient_clock(zone: tzinfo) -> dict:
    """What patient_clock.js needs: the page's zone, and each zone's name and offset (a new
    patient's page follows the zone chosen in its form)."""
    return {"zone": str(zone), "zones": {name: {"name": zone_name(name), "offset": utc_offset_seconds(name)}
                                         for name in ZONE_NAMES}}


class VolunteerScopedAdmin(admin.ModelAdmin):
    """Narrows every list, page and choice to the user's own patients unless they see all.

    `patient_path` leads from the model to its Patient ("" for Patient itself).
    """

    patient_path = "patient__"
    # The columns a list row shows on a phone, as a card (prima/phone_cards.py); None: all of them.
    phone_columns: list[str] | None = None

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
        return sees_all_patients(user) or patient_of(obj).volunteer_id == user.pk

    def get_list_display(self, request: HttpRequest) -> list:
        """Every date-time or time-of-day column on its row's patient's clock, named (a list
        mixes zones)."""
        return [on_patients_clock(self.model, name) if is_moment(self.model, name) else name
                for name in super().get_list_display(request)]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """The list's own search (the patient's name, …), and, when what was typed is part of a
        number (`0812-1000`, `+62 812…`, `5555-1234`), the rows of the patients it is part of the
        number of. Within `queryset`, which holds only the user's own patients' rows."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        numbered = patients_numbered(search_term)
        if numbered is None:
            return found, may_have_duplicates
        return found | queryset.filter(**{f"{self.patient_path}pk__in": numbered.values("pk")}), may_have_duplicates

    def page_zone(self, request: HttpRequest, obj) -> tzinfo | None:
        """The clock of a row's page: its patient's; None for a new row, whose patient is not
        known yet (the server's clock, then)."""
        return patient_zone(patient_of(obj)) if obj is not None else None

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict | None = None) -> HttpResponse:
        """A row's page on its patient's clock: its times shown, the times typed into it read, and
        its "now" and "today" buttons (patient_clock.js, the admin's own offset) all on it."""
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        zone = self.page_zone(request, obj)
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url,
                                               {**(extra_context or {}), "patient_clock": patient_clock(zone)})
            # Rendered here: a template response renders after the view returns, off this clock.
            return response.render() if isinstance(response, SimpleTemplateResponse) else response

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) and (obj is None or self.is_mine(request.user, obj))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or self.is_mine(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or self.is_mine(request.user, obj))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """A volunteer can pick only their own patients (and their schedules and reminders),
        whatever id is typed or posted."""
        paths = {Patient: "", ReminderSchedule: "patient__", Reminder: "patient__"}
        path_to_patient = paths.get(db_field.related_model)
        if path_to_patient is not None and not sees_all_patients(request.user):
            kwargs["queryset"] = db_field.related_model.objects.filter(**{f"{path_to_patient}volunteer": request.user})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def page_actions(self, request: HttpRequest, obj) -> list[Action]:
        """One-tap buttons at the top of the row's own page (reminders/workspace/today.py's Action)."""
        return []

    def render_change_form(self, request: HttpRequest, context: dict, add: bool = False, change: bool = False,
                           form_url: str = "", obj=None) -> HttpResponse:
        context["page_actions"] = self.page_actions(request, obj) if obj is not None else []
        context["back_here"] = request.get_full_path()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_act"
        return [
            path("<path:object_id>/act/<str:action>/", self.admin_site.admin_view(require_POST(self.one_tap_view)),
                 name=name),
            *super().get_urls(),
        ]

    def one_tap_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """A list action on one row, from a button elsewhere (the today page, the row's own
        page): the very action, with its permissions, refusals and messages, as if the row had
        been ticked in the list. Then back to `next` (where the button was)."""
        rows = self.get_queryset(request).filter(pk=object_id)
        if not rows.exists():
            raise Http404(_("No such record among your patients."))
        chosen = self.get_actions(request).get(action)
        if chosen is None:
            raise PermissionDenied
        function, _name, _description = chosen
        return function(self, request, rows) or HttpResponseRedirect(self.back_to(request))

    def back_to(self, request: HttpRequest, otherwise: str = "") -> str:
        """`next` when it is a page of this site (the page whose button led here: Hari ini, the
        row's page), else `otherwise`, else this model's list."""
        wanted = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return wanted
        return otherwise or reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")


def action_form(model_admin: VolunteerScopedAdmin, request: HttpRequest, rows: list[tuple], form,
                action: str, title: str, explanation: str = "", submit_label: str = "") -> TemplateResponse:
    """The page between choosing an action that needs a form and applying it: the rows as
    (name, pk, what they have now), the form, and a way back to where the user came from."""
    context = {
        **model_admin.admin_site.each_context(request), "title": title, "opts": model_admin.opts, "rows": rows,
        "explanation": explanation, "form": form, "action": action, "submit_label": submit_label,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "cancel_url": model_admin.back_to(request),
    }
    return TemplateResponse(request, "admin/reminders/action_form.html", context)


def report_refusals(model_admin: admin.ModelAdmin, request: HttpRequest, refusals: list[str]) -> None:
    """Say on the spot what was not sent and why (a dose past the catch-up limit, …)."""
    for refusal in refusals:
        model_admin.message_user(request, _("Not sent: %(why)s") % {"why": describe(refusal)}, messages.WARNING)


def told(model: type[models.Model], field: str) -> Callable:
    """A column or read-only field showing a text PRIMA stored in English (an outcome, why a
    message ended) in the reader's language (reminders/workspace/outcomes.py)."""
    def show(model_admin: admin.ModelAdmin, obj: models.Model) -> str:
        return describe(getattr(obj, field)) or "—"

    return admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)(show)


def patient_link(patient: Patient) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:reminders_patient_change", args=[patient.pk]), patient)
