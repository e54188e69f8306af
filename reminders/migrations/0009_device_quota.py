"""Each device's remaining Fonnte quota; one row per device, keyed in E.164."""

from django.db import migrations, models

from reminders.phones import normalise_device


def normalise_devices(apps, schema_editor) -> None:
    """One row per device, keyed as the code now spells it: of several spellings of one number,
    the row with the newest state stays."""
    DeviceState = apps.get_model("reminders", "DeviceState")
    rows: dict[str, list] = {}
    for state in DeviceState.objects.order_by("id"):
        rows.setdefault(normalise_device(state.device), []).append(state)
    for device, states in rows.items():
        newest, *older = sorted(states, key=lambda state: state.changed_at, reverse=True)
        DeviceState.objects.filter(id__in=[state.id for state in older]).delete()
        if newest.device != device:
            DeviceState.objects.filter(id=newest.id).update(device=device)


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0008_patient_name_printable'),
    ]

    operations = [
        migrations.AddField(
            model_name='devicestate',
            name='quota_remaining',
            field=models.PositiveIntegerField(blank=True, help_text="Messages the device may still send, from Fonnte's last answer.", null=True),
        ),
        migrations.AddField(
            model_name='devicestate',
            name='quota_seen_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='changed_at',
            field=models.DateTimeField(blank=True, help_text='When Fonnte says the state changed.', null=True),
        ),
        migrations.AlterField(
            model_name='devicestate',
            name='device',
            field=models.CharField(help_text='E.164 when the number parses.', max_length=32, unique=True),
        ),
        migrations.RunPython(normalise_devices, migrations.RunPython.noop),
    ]
