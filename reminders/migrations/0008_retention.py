"""Issue 19: the indexes retention reads the oldest rows by, the tally of what it deleted from
the outbox, and an index that keeps finding the dose a reply answers cheap however long a
patient's history. Indexes are built without locking the tables against writes (CONCURRENTLY,
so outside a transaction)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reminders", "0007_roles_for_pauses_and_notifications"),
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
            model_name="reminder",
            index=models.Index(fields=["patient", "reply_deadline"],
                               condition=models.Q(confirmation_status__in=["PENDING", "NOT_YET", "MISSED"]),
                               name="reminder_answerable_idx"),
        ),
        AddIndexConcurrently(
            model_name="patientreply",
            index=models.Index(fields=["received_at"], name="reply_received_idx"),
        ),
    ]
