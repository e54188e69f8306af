"""Coordinators keep each Cloud API device's WhatsApp templates."""
from django.db import migrations

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("reminders", "0033_cloud_api_gateway")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
