import json

from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class WebhookEventManager(models.Manager):
    def insert_new(self, **fields) -> int | None:
        """INSERT … ON CONFLICT (dedupe_key) DO NOTHING; the new id, or None for a duplicate."""
        columns = ["kind", "dedupe_key", "payload", "raw_body", "content_type", "state", "result"]
        payload = fields["payload"]
        values = [fields[c] if c != "payload" else (None if payload is None else json.dumps(payload)) for c in columns]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {self.model._meta.db_table}
                        ({", ".join(columns)}, error, attempts, received_at)
                    VALUES (%s, %s, %s::jsonb, %s, %s, %s, %s, '', 0, now())
                    ON CONFLICT (dedupe_key) DO NOTHING RETURNING id""",
                values,
            )
            row = cursor.fetchone()
        return row[0] if row else None


class WebhookEvent(models.Model):
    """The inbox: every delivery from Fonnte, stored before anything is done with it."""

    class Kind(models.TextChoices):
        INCOMING = "INCOMING", _("Incoming message")
        STATUS = "STATUS", _("Message status")
        DEVICE = "DEVICE", _("Device state")

    class State(models.TextChoices):
        RECEIVED = "RECEIVED", _("Received")
        PROCESSED = "PROCESSED", _("Processed")
        IGNORED = "IGNORED", _("Ignored")
        RATE_LIMITED = "RATE_LIMITED", _("Rate limited")
        FAILED = "FAILED", _("Failed")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(null=True, blank=True, help_text=_("The parsed body; empty when unparseable."))
    raw_body = models.TextField(blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED)
    result = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    # A short lease, so that the request that stored the event and the sweeper never
    # process it at the same time.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = WebhookEventManager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # Serves the sweeper: events still to (re)process.
            models.Index(
                fields=["received_at"], condition=models.Q(state__in=["RECEIVED", "FAILED"]), name="webhook_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"
