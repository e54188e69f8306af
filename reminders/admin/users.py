"""A superuser's user and group pages, in the reader's language: Django stores permission names
in English ("Can add log entry") and PRIMA's groups by the names code looks up ("coordinator");
both are shown translated here, the stored names untouched."""
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reminders.workspace.roles import role_label

ACTIONS = {"add": _("Can add %(thing)s"), "change": _("Can change %(thing)s"), "delete": _("Can delete %(thing)s"),
           "view": _("Can view %(thing)s")}


def permission_label(permission: Permission) -> str:
    """"<app> | <what it allows>", as Django shows it, in the reader's language: a model's
    four stock permissions from its translated name, any other by its own (gettext) name."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in ACTIONS and model_name == model._meta.model_name:
        what = ACTIONS[action] % {"thing": model._meta.verbose_name}
    else:
        what = gettext(permission.name)
    label = permission.content_type.app_label
    app = next((config.verbose_name for config in apps.get_app_configs() if config.label == label), label)
    return f"{app} | {what}"


def translated_choices(field, db_field):
    """The groups and permissions fields of a user or group page, labelled in the reader's language."""
    if db_field.name in ("user_permissions", "permissions"):
        field.queryset = field.queryset.select_related("content_type")
        field.label_from_instance = permission_label
    elif db_field.name == "groups":
        field.label_from_instance = lambda group: role_label(group.name)
    return field


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(name, role_label(name)) for name in Group.objects.order_by("name").values_list("name", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class PrimaUserAdmin(UserAdmin):
    list_filter = ["is_staff", "is_superuser", "is_active", RoleFilter]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return translated_choices(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)


@admin.register(Group)
class PrimaGroupAdmin(GroupAdmin):
    list_display = ["label"]

    @admin.display(description=_("name"), ordering="name")
    def label(self, group: Group) -> str:
        return role_label(group.name)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return translated_choices(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)
