# Load the Celery app with Django, so tasks enqueued from the web process use its settings.
from prima.celery import app as celery_app

__all__ = ["celery_app"]
