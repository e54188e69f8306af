"""The Celery app: optional scale-out for sending (docs/operations.md).

Configured from Django settings under the `CELERY_` namespace. Creating it connects to
nothing, so importing it without a broker (the default deployment, where
`send_reminders --loop` does the work) costs nothing and needs no Redis.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")

app = Celery("prima")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
