"""Issue 17: field and model labels in the reader's language; labels only, no SQL."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0004_received_idx'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='webhookevent',
            options={'ordering': ['-received_at'], 'verbose_name': 'webhook event', 'verbose_name_plural': 'webhook events'},
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='claim_token',
            field=models.UUIDField(blank=True, null=True, verbose_name='claim token'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='claimed_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='claimed until'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='content_type',
            field=models.CharField(blank=True, max_length=200, verbose_name='content type'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='dedupe_key',
            field=models.CharField(db_index=True, max_length=200, verbose_name='dedupe key'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='error',
            field=models.TextField(blank=True, verbose_name='error'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='kind',
            field=models.CharField(choices=[('INCOMING', 'Incoming message'), ('STATUS', 'Message status'), ('DEVICE', 'Device state')], max_length=16, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='payload',
            field=models.JSONField(blank=True, help_text='The parsed body; empty when unparseable.', null=True, verbose_name='payload'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='processed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='processed at'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='raw_body',
            field=models.TextField(blank=True, verbose_name='raw body'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='received_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='received at'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='result',
            field=models.CharField(blank=True, max_length=300, verbose_name='result'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='state',
            field=models.CharField(choices=[('RECEIVED', 'Received'), ('PROCESSED', 'Processed'), ('IGNORED', 'Ignored'), ('RATE_LIMITED', 'Rate limited'), ('FAILED', 'Failed')], default='RECEIVED', max_length=16, verbose_name='state'),
        ),
    ]
