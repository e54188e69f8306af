"""The two kinds of admin users and what each may do, as Django groups.

A volunteer works on the patients assigned to them; a coordinator sees everyone, assigns
patients and watches the system. The admin narrows a volunteer's querysets to their own
patients (reminders/admin/scoping.py); these permissions decide which pages they may open at all.
"""
from django.apps import apps as installed_apps
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

VOLUNTEER = "volunteer"
COORDINATOR = "coordinator"

# What a person reads for each group; the names above are what code looks up, never shown.
ROLE_LABELS = {VOLUNTEER: _("Volunteer"), COORDINATOR: _("Coordinator")}

# "app_label.codename" for each group.
ROLE_PERMISSIONS = {
    VOLUNTEER: [
        "reminders.view_patient", "reminders.add_patient", "reminders.change_patient",
        "reminders.view_reminderschedule", "reminders.add_reminderschedule",
        "reminders.change_reminderschedule", "reminders.delete_reminderschedule",
        "reminders.view_reminder", "reminders.change_reminder",
        "reminders.view_message", "reminders.change_message",
        "reminders.view_patientreply", "reminders.change_patientreply",
        "reminders.view_staffnotification",
        "reminders.view_escalation", "reminders.change_escalation",
        *(f"reminders.{action}_caregiver" for action in ["view", "add", "change", "delete"]),
        "reminders.view_checkin",
    ],
    COORDINATOR: [
        *(f"reminders.{action}_{model}"
          for model in ["patient", "reminderschedule", "reminder", "message", "patientreply"]
          for action in ["view", "add", "change", "delete"]),
        "reminders.see_all_patients",
        "reminders.view_device", "reminders.add_device", "reminders.change_device",
        "reminders.view_devicestate", "reminders.change_devicestate",
        *(f"reminders.{action}_messagetemplate" for action in ["view", "add", "change", "delete"]),
        "reminders.view_sendingpause", "reminders.delete_sendingpause",
        "reminders.view_staffnotification",
        "reminders.view_schedulerheartbeat",
        "reminders.view_escalation", "reminders.change_escalation",
        *(f"reminders.{action}_caregiver" for action in ["view", "add", "change", "delete"]),
        "reminders.view_checkin",
        "reminders.view_staffprofile", "reminders.add_staffprofile", "reminders.change_staffprofile",
        # Their team (reminders/admin/team.py): volunteers only, never a coordinator or a superuser.
        "reminders.view_volunteer", "reminders.add_volunteer", "reminders.change_volunteer",
        "locks.view_lock", "locks.delete_lock",
        "ratelimit.view_ratelimitevent",
        "webhooks.view_webhookevent", "webhooks.change_webhookevent",
    ],
}


def role_label(group_name: str) -> str:
    """A group's name as a person reads it; a group PRIMA did not make keeps its own."""
    return str(ROLE_LABELS.get(group_name, group_name))


def volunteers_only(users: QuerySet) -> QuerySet:
    """The volunteers among `users`: in the volunteer group, and neither a superuser nor anyone
    who sees every patient (a coordinator, by group or by a permission of their own). What a
    coordinator may manage, and whom a patient may be assigned to."""
    sees_all = Q(groups__permissions__codename="see_all_patients") | Q(user_permissions__codename="see_all_patients")
    over_them = get_user_model().objects.filter(Q(is_superuser=True) | sees_all).values("pk")
    return users.filter(groups__name=VOLUNTEER).exclude(pk__in=over_them)


def volunteer_choices() -> QuerySet:
    """The active volunteers, by name: whom a coordinator picks for a patient."""
    return volunteers_only(get_user_model().objects.filter(is_active=True)).order_by("first_name", "last_name",
                                                                                      "username")


def sync_roles(apps=installed_apps) -> None:
    """Create both groups and give each exactly its permissions; safe to run again.

    Takes `apps` so a data migration can pass its historical registry; permissions on models
    that registry does not have yet are left to the later migration that adds them.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    historical = apps is not installed_apps
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for permission in permissions:
            app_label, codename = permission.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is None and not historical:
                raise LookupError(f"no permission {permission} (ROLE_PERMISSIONS has a typo?)")
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)


def migrate_roles(apps, schema_editor) -> None:
    """A data migration's step: the groups as this code defines them, for the models so far."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); on a new
    # database they do not exist yet, so create them first.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)
