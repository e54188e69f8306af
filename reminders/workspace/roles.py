"""The two kinds of admin users and what each may do, as Django groups.

A volunteer works on the patients assigned to them; a coordinator sees everyone, assigns
patients and watches the system. The admin narrows a volunteer's querysets to their own
patients (reminders/admin/scoping.py); these permissions decide which pages they may open at all.
"""
from django.apps import apps as installed_apps

VOLUNTEER = "volunteer"
COORDINATOR = "coordinator"

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
        "locks.view_lock", "locks.delete_lock",
        "ratelimit.view_ratelimitevent",
        "webhooks.view_webhookevent", "webhooks.change_webhookevent",
    ],
}


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
