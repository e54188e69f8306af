"""Issue 20: one reminder message per dose and recipient (the patient, or each caregiver)
instead of one per dose. The new unique index is built first and the old one dropped after, so
the promise holds at every moment; both CONCURRENTLY (outside a transaction), so the outbox is
never locked against writes while they are built."""
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reminders", "0016_caregivers")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS one_delivery_per_recipient "
                    "ON reminders_message (reminder_id, caregiver_id) NULLS NOT DISTINCT "
                    "WHERE kind = 'REMINDER' AND reminder_id IS NOT NULL",
                    "DROP INDEX CONCURRENTLY IF EXISTS one_delivery_per_recipient",
                ),
                migrations.RunSQL(
                    "DROP INDEX CONCURRENTLY IF EXISTS one_delivery_per_reminder",
                    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS one_delivery_per_reminder "
                    "ON reminders_message (reminder_id) WHERE kind = 'REMINDER'",
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(model_name="message", name="one_delivery_per_reminder"),
                migrations.AddConstraint(
                    model_name="message",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("kind", "REMINDER"), ("reminder__isnull", False)),
                        fields=("reminder", "caregiver"), nulls_distinct=False, name="one_delivery_per_recipient"),
                ),
            ],
        ),
    ]
