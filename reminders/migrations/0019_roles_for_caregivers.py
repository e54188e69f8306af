"""Volunteers and coordinators keep a patient's caregivers (pendamping) on the patient's page."""
from django.db import migrations

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("reminders", "0018_roles_for_devices")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
