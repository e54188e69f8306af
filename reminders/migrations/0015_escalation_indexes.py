"""Issue 20: the index the escalation step reads lately missed doses by, and one alert per
escalation and phone; both built without locking the tables against writes (CONCURRENTLY, so
outside a transaction)."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reminders", "0014_escalations")]

    operations = [
        AddIndexConcurrently(
            model_name="reminder",
            index=models.Index(condition=models.Q(("confirmation_status", "MISSED")), fields=["closed_at"],
                               name="reminder_missed_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS one_alert_per_escalation_phone "
                "ON reminders_message (escalation_id, phone) WHERE kind = 'ESCALATION'",
                "DROP INDEX CONCURRENTLY IF EXISTS one_alert_per_escalation_phone",
            )],
            state_operations=[migrations.AddConstraint(
                model_name="message",
                constraint=models.UniqueConstraint(condition=models.Q(("kind", "ESCALATION")),
                                                   fields=("escalation", "phone"),
                                                   name="one_alert_per_escalation_phone"),
            )],
        ),
    ]
