"""A second gateway (issue 30): a device is a Fonnte number (every existing one) or a WhatsApp
Cloud API number, with its phone number id, app secret and verify token; each Cloud API device
keeps its approved templates, and the window each phone opened by writing to it. Wamids are
longer than Fonnte's ids."""

import django.db.models.deletion
import reminders.models.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0032_handling_and_pauses'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerServiceWindow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', reminders.models.fields.PhoneNumberField(max_length=20, verbose_name='phone')),
                ('last_inbound_at', models.DateTimeField(help_text="Meta's time of their last message.", verbose_name='last message from them at')),
            ],
            options={
                'verbose_name': 'customer-service window',
                'verbose_name_plural': 'customer-service windows',
            },
        ),
        migrations.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('MEDICATION', 'Medication reminder'), ('APPOINTMENT', 'Appointment reminder'), ('VERIFICATION', 'Consent question'), ('FOLLOW_UP', 'Follow-up'), ('NOTICE', 'Notice'), ('CHECK_IN', 'Weekly check-in'), ('OTHER', 'Other reminder'), ('STAFF_ALERT', 'Alert to staff')], max_length=16, verbose_name='purpose')),
                ('name', models.CharField(help_text="Exactly as in Meta's WhatsApp Manager: lowercase letters, digits and _.", max_length=512, verbose_name='name')),
                ('language', models.CharField(default='id', max_length=16, verbose_name='language')),
                ('category', models.CharField(choices=[('UTILITY', 'Utility'), ('MARKETING', 'Marketing'), ('AUTHENTICATION', 'Authentication')], default='UTILITY', max_length=16, verbose_name='category')),
                ('status', models.CharField(choices=[('APPROVED', 'Approved'), ('PENDING', 'Pending review'), ('REJECTED', 'Rejected'), ('PAUSED', 'Paused'), ('DISABLED', 'Disabled')], default='PENDING', max_length=16, verbose_name='status')),
                ('body', models.TextField(help_text='The approved text, with {{1}}, {{2}}… where the values go.', verbose_name='text')),
                ('parameters', models.JSONField(blank=True, default=list, help_text='What each {{n}} takes, in order, e.g. ["nama", "waktu", "obat"].', verbose_name='values')),
                ('buttons', models.JSONField(blank=True, default=list, help_text='The answer each quick-reply button gives, in order, e.g. ["TAKEN", "NOT_YET"].', verbose_name='buttons')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'message template',
                'verbose_name_plural': 'message templates',
                'ordering': ['device', 'purpose', 'name'],
            },
        ),
        migrations.AddField(
            model_name='device',
            name='app_secret_encrypted',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='device',
            name='cloud_phone_number_id',
            field=models.CharField(blank=True, default='', help_text="Cloud API only: the number's ID in Meta's WhatsApp Manager.", max_length=64, verbose_name='phone number ID'),
        ),
        migrations.AddField(
            model_name='device',
            name='gateway',
            field=models.CharField(choices=[('FONNTE', 'Fonnte'), ('CLOUD_API', 'WhatsApp Cloud API (Meta)')], db_default='FONNTE', default='FONNTE', max_length=16, verbose_name='gateway'),
        ),
        migrations.AddField(
            model_name='device',
            name='verify_token_encrypted',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AlterField(
            model_name='message',
            name='provider_message_id',
            field=models.CharField(blank=True, max_length=128, verbose_name='gateway message id'),
        ),
        migrations.AddConstraint(
            model_name='device',
            constraint=models.UniqueConstraint(condition=models.Q(('cloud_phone_number_id', ''), _negated=True), fields=('cloud_phone_number_id',), name='one_device_per_cloud_phone_number_id'),
        ),
        migrations.AddField(
            model_name='customerservicewindow',
            name='device',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reminders.device', verbose_name='device'),
        ),
        migrations.AddField(
            model_name='messagetemplate',
            name='device',
            field=models.ForeignKey(limit_choices_to={'gateway': 'CLOUD_API'}, on_delete=django.db.models.deletion.CASCADE, related_name='templates', to='reminders.device', verbose_name='device'),
        ),
        migrations.AddConstraint(
            model_name='customerservicewindow',
            constraint=models.UniqueConstraint(fields=('device', 'phone'), name='one_window_per_device_phone'),
        ),
        migrations.AddConstraint(
            model_name='messagetemplate',
            constraint=models.UniqueConstraint(fields=('device', 'name', 'language'), name='one_template_per_name_language'),
        ),
    ]
