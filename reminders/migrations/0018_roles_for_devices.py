"""Coordinators add and change the WhatsApp devices (and move patients between them)."""
from django.db import migrations

from reminders.workspace.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("reminders", "0017_one_delivery_per_recipient")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
