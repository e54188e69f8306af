"""Retention (issue 19) reads the oldest events by this index; built CONCURRENTLY, so the inbox
keeps taking deliveries meanwhile."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("webhooks", "0003_redact_stored_secrets"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="webhookevent",
            index=models.Index(fields=["received_at"], name="webhook_received_idx"),
        ),
    ]
