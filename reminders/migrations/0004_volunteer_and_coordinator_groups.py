"""The `volunteer` and `coordinator` groups with their permissions (see reminders/workspace/roles.py)."""
from django.db import migrations

from reminders.workspace.roles import migrate_roles


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

    operations = [migrations.RunPython(migrate_roles, delete_groups)]
