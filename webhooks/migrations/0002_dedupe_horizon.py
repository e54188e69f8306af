"""Webhook dedupe keys made from a body hash may repeat after the redelivery horizon."""

from django.db import migrations, models


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
        migrations.AddConstraint(
            model_name='webhookevent',
            constraint=models.UniqueConstraint(condition=models.Q(('dedupe_key__contains', ':sha256:'), _negated=True), fields=('dedupe_key',), name='webhook_provider_id_once'),
        ),
    ]
