"""Issue 20: the index the check-in escalation finds lately arrived answers by (only replies
that answered a check-in); built without locking the replies against writes."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reminders", "0023_check_in_answers")]

    operations = [
        AddIndexConcurrently(
            model_name="patientreply",
            index=models.Index(condition=models.Q(("check_in__isnull", False)), fields=["arrived_at"],
                               name="reply_check_in_arrived_idx"),
        ),
    ]
