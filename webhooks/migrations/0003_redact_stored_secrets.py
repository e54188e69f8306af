"""Scrub the secrets that events stored before redaction kept (the device webhook's `token`)."""
from django.db import migrations

from webhooks.redaction import redact

BATCH = 500


def redact_stored_events(apps, schema_editor) -> None:
    WebhookEvent = apps.get_model("webhooks", "WebhookEvent")
    changed = []
    for event in WebhookEvent.objects.only("id", "payload", "raw_body").iterator(chunk_size=BATCH):
        payload, raw_body = redact(event.payload, event.raw_body)
        if (payload, raw_body) != (event.payload, event.raw_body):
            event.payload, event.raw_body = payload, raw_body
            changed.append(event)
        if len(changed) >= BATCH:
            WebhookEvent.objects.bulk_update(changed, ["payload", "raw_body"])
            changed = []
    WebhookEvent.objects.bulk_update(changed, ["payload", "raw_body"])


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_dedupe_horizon")]

    # Nothing to put back: the secrets are gone on purpose.
    operations = [migrations.RunPython(redact_stored_events, migrations.RunPython.noop)]
