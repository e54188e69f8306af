"""Issue 19: the indexes retention reads the oldest rows by, and the tally of what it deleted
from the outbox. (Finding the dose a reply answers stays cheap however long a patient's history
through `reminder_answerable_idx`, migration 0010.) Indexes are built without locking the tables
against writes (CONCURRENTLY, so outside a transaction)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reminders", "0011_devices"),
    ]

    operations = [
        migrations.CreateModel(
            name="PrunedMessageTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sent", models.BigIntegerField(default=0)),
                ("failed", models.BigIntegerField(default=0)),
                ("cancelled", models.BigIntegerField(default=0)),
                ("attempts", models.BigIntegerField(default=0)),
            ],
        ),
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(fields=["created_at"], name="message_created_idx"),
        ),
        AddIndexConcurrently(
            model_name="patientreply",
            index=models.Index(fields=["received_at"], name="reply_received_idx"),
        ),
    ]
