"""The `volunteer` and `coordinator` groups with their permissions (see reminders/roles.py)."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

from reminders.roles import sync_roles


def create_groups(apps, schema_editor) -> None:
    # Permissions are normally created after all migrations ran (post_migrate); on a new
    # database they do not exist yet, so create them first.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)


def delete_groups(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=["volunteer", "coordinator"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("locks", "0001_initial"),
        ("ratelimit", "0001_initial"),
        ("webhooks", "0001_initial"),
        ("reminders", "0003_admin_workflow"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
