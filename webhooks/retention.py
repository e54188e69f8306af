"""What retention may delete of the inbox (prima/retention.py does the deleting): events
processed, ignored or rate limited more than RETENTION_WEBHOOK_EVENTS_DAYS ago. Events still to
(re)process, RECEIVED or FAILED, stay, however old: nothing Fonnte delivered is lost unread."""
from datetime import timedelta

from django.conf import settings

from prima.retention import Prunable
from webhooks.models import WebhookEvent

DONE = [WebhookEvent.State.PROCESSED, WebhookEvent.State.IGNORED, WebhookEvent.State.RATE_LIMITED]


def events() -> Prunable:
    states = ", ".join(f"'{state}'" for state in DONE)
    return Prunable(
        name="webhook_events",
        table=WebhookEvent._meta.db_table,
        age_column="received_at",
        keep=timedelta(days=settings.RETENTION_WEBHOOK_EVENTS_DAYS),
        condition=f"state IN ({states}) AND claim_token IS NULL",
    )
