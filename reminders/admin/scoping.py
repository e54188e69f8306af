"""Who sees what, for every page: a volunteer sees and changes only the patients assigned to
them and what belongs to those patients; a coordinator (permission
`reminders.see_all_patients`) sees everyone. Enforced in querysets, object permissions and
form choices, not only in menus."""
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reminders.models import Patient, Reminder, ReminderSchedule


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
