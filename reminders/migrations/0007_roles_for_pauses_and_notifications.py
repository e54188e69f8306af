"""Coordinators see (and lift) sending pauses; both groups see who was told about a reply."""
from django.db import migrations

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("reminders", "0006_dose_identity")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
