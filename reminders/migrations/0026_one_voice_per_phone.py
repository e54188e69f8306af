"""One phone, one voice: caregiver rows that made a phone get a reminder twice are set inactive
(never deleted: their messages and replies stay), and the caregivers' constraint says so in words."""

from django.db import migrations, models

# E.164 when it parses, else as stored (the field writes E.164; SQL may have written anything).
from reminders.phones import normalise_device as one_key


def one_voice_per_phone(apps, schema_editor) -> None:
    """A caregiver row with its patient's own number, and of one patient's active rows with one
    number all but the oldest, are set inactive. The constraint keeps one spelling of a number
    once per patient; another spelling (written by SQL) is the same number all the same."""
    Caregiver = apps.get_model("reminders", "Caregiver")
    kept, merged = set(), []
    for caregiver in Caregiver.objects.filter(is_active=True).select_related("patient").order_by("created_at", "id"):
        phone = one_key(caregiver.phone)
        if phone == one_key(caregiver.patient.phone) or (caregiver.patient_id, phone) in kept:
            merged.append(caregiver.id)
        else:
            kept.add((caregiver.patient_id, phone))
    Caregiver.objects.filter(id__in=merged).update(is_active=False)


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0025_urgent_replies_and_staff_whatsapp'),
    ]

    operations = [
        migrations.RunPython(one_voice_per_phone, migrations.RunPython.noop),
        migrations.AlterConstraint(
            model_name='caregiver',
            name='one_caregiver_phone_per_patient',
            constraint=models.UniqueConstraint(fields=('patient', 'phone'), name='one_caregiver_phone_per_patient', violation_error_message="This number is already one of this patient's caregivers."),
        ),
    ]
