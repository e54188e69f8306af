"""Issue 20: the index the tick finds weekly check-ins due by (only patients who have one, so a
programme where few do pays nothing per tick); built without locking the patients against writes."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reminders", "0021_check_in_indexes")]

    operations = [
        AddIndexConcurrently(
            model_name="patient",
            index=models.Index(condition=models.Q(("check_in_day__isnull", False)),
                               fields=["check_in_day", "time_zone", "check_in_time"], name="patient_check_in_idx"),
        ),
    ]
