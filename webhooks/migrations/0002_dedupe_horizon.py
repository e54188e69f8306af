"""Webhook dedupe keys made from a body hash may repeat after the redelivery horizon.

Going back to one key per event: the later repeats of a key are renamed (`…:repeat:<id>`), so
the old unique index can be built again and no event is lost.
"""

from django.db import migrations, models

KEEP_KEYS_UNIQUE = """
UPDATE webhooks_webhookevent AS e SET dedupe_key = left(e.dedupe_key, 150) || ':repeat:' || e.id
  FROM (SELECT id, row_number() OVER (PARTITION BY dedupe_key ORDER BY id) AS n FROM webhooks_webhookevent) AS k
 WHERE k.id = e.id AND k.n > 1
"""


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhookevent',
            name='dedupe_key',
            field=models.CharField(db_index=True, max_length=200),
        ),
        # Undone before the field is unique again (operations are undone last first).
        migrations.RunSQL(migrations.RunSQL.noop, KEEP_KEYS_UNIQUE),
        migrations.AddConstraint(
            model_name='webhookevent',
            constraint=models.UniqueConstraint(condition=models.Q(('dedupe_key__contains', ':sha256:'), _negated=True), fields=('dedupe_key',), name='webhook_provider_id_once'),
        ),
    ]
