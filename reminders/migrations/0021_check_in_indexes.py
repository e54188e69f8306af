"""Issue 20: one question per weekly check-in, and the replies that answered one; built without
locking the outbox or the replies against writes (CONCURRENTLY, so outside a transaction)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reminders", "0020_weekly_check_ins")]

    operations = [
        AddIndexConcurrently(
            model_name="patientreply",
            index=models.Index(condition=models.Q(("check_in__isnull", False)), fields=["check_in"],
                               name="reply_check_in_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS one_message_per_check_in "
                "ON reminders_message (check_in_id) WHERE kind = 'CHECK_IN'",
                "DROP INDEX CONCURRENTLY IF EXISTS one_message_per_check_in",
            )],
            state_operations=[migrations.AddConstraint(
                model_name="message",
                constraint=models.UniqueConstraint(condition=models.Q(("kind", "CHECK_IN")), fields=("check_in",),
                                                   name="one_message_per_check_in"),
            )],
        ),
    ]
