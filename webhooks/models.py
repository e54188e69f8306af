import json
from datetime import datetime

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prima.clock import CLOCK_SQL

# Keys made from a hash of the body, not from an id Fonnte gave (webhooks.parsing.dedupe_key).
CONTENT_HASH_MARK = ":sha256:"
# The result of an event that named a number that was never ours: ignored, and counted
# (the health page, /healthz, /metrics), so an operator notices a number of ours we forgot.
NOT_OURS = "not one of our devices (FONNTE_DEVICES)"
# The same for the Cloud API: a message or status naming a phone-number id no device of ours
# has, or one whose app secret did not sign the delivery (webhooks/cloud.py).
NOT_OURS_CLOUD = "not one of our Cloud API numbers (phone-number id unknown, or not signed by its app secret)"


class WebhookEventManager(models.Manager):
    def not_ours(self, since: datetime) -> models.QuerySet:
        """Events since `since` ignored because they named a number that was never ours."""
        return self.filter(state=WebhookEvent.State.IGNORED, result__in=[NOT_OURS, NOT_OURS_CLOUD],
                           received_at__gte=since)

    def insert_new(self, new_after: datetime | None = None, **fields) -> int | None:
        """Insert the event unless it repeats one already stored; the new id, or None.

        An id Fonnte gave (inboxid, id + stateid) is unique for ever. A key made from a hash
        of the body only covers Fonnte's redeliveries (every minute, 15 times): the same
        "SUDAH" from the same patient tomorrow is a new reply. So the check looks back
        WEBHOOK_REDELIVERY_HORIZON_MINUTES for those, and not before `new_after` (a reminder
        sent since makes a repeat a new answer), serialised per key by an advisory lock held
        to the end of the caller's transaction.
        """
        columns = ["kind", "dedupe_key", "payload", "raw_body", "content_type", "state", "result"]
        payload = fields["payload"]
        values = [fields[c] if c != "payload" else (None if payload is None else json.dumps(payload)) for c in columns]
        key = fields["dedupe_key"]
        horizon = settings.WEBHOOK_REDELIVERY_HORIZON_MINUTES * 60 if CONTENT_HASH_MARK in key else None
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('webhook:' || %s, 0))", [key])
            cursor.execute(
                f"""INSERT INTO {table} ({", ".join(columns)}, error, attempts, received_at)
                    SELECT %s, %s, %s::jsonb, %s, %s, %s, %s, '', 0, {CLOCK_SQL}
                    WHERE NOT EXISTS (
                        SELECT 1 FROM {table} WHERE dedupe_key = %s
                           AND (%s::float IS NULL OR received_at > greatest(
                                   {CLOCK_SQL} - make_interval(secs => %s::float), %s::timestamptz)))
                    RETURNING id""",
                [*values, key, horizon, horizon, new_after],
            )
            row = cursor.fetchone()
        return row[0] if row else None


class WebhookEvent(models.Model):
    """The inbox: every delivery from Fonnte, and every message and status Meta's Cloud API
    delivered (each its own event), stored before anything is done with it."""

    class Kind(models.TextChoices):
        INCOMING = "INCOMING", _("Incoming message")
        STATUS = "STATUS", _("Message status")
        DEVICE = "DEVICE", _("Device state")
        CLOUD_MESSAGE = "CLOUD_MESSAGE", _("Cloud API: incoming message")
        CLOUD_STATUS = "CLOUD_STATUS", _("Cloud API: message status")
        CLOUD_OTHER = "CLOUD_OTHER", _("Cloud API: other delivery")

    class State(models.TextChoices):
        RECEIVED = "RECEIVED", _("Received")
        PROCESSED = "PROCESSED", _("Processed")
        IGNORED = "IGNORED", _("Ignored")
        RATE_LIMITED = "RATE_LIMITED", _("Rate limited")
        FAILED = "FAILED", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, db_index=True)
    payload = models.JSONField(_("payload"), null=True, blank=True,
                               help_text=_("The parsed body; empty when unparseable."))
    raw_body = models.TextField(_("raw body"), blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECEIVED)
    result = models.CharField(_("result"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # A short lease, so that the request that stored the event and the sweeper never
    # process it at the same time.
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    objects = WebhookEventManager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            # Fonnte's own ids never repeat; content hashes may, a day later (insert_new).
            models.UniqueConstraint(fields=["dedupe_key"], condition=~Q(dedupe_key__contains=CONTENT_HASH_MARK),
                                    name="webhook_provider_id_once"),
        ]
        indexes = [
            # Serves the sweeper: events still to (re)process.
            models.Index(
                fields=["received_at"], condition=models.Q(state__in=["RECEIVED", "FAILED"]), name="webhook_pending_idx"
            ),
            # Serves retention: the oldest events first (webhooks/retention.py).
            models.Index(fields=["received_at"], name="webhook_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"


class RefusedDeliveryManager(models.Manager):
    def count(self, reason: str) -> None:
        """One more refusal for `reason` today: one row per day and reason, however many come."""
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} (day, reason, count, last_at)
                    VALUES (({CLOCK_SQL})::date, %s, 1, {CLOCK_SQL})
                    ON CONFLICT (day, reason) DO UPDATE SET count = {table}.count + 1, last_at = EXCLUDED.last_at""",
                [reason[:100]],
            )

    def since(self, moment: datetime) -> int:
        """How many deliveries were refused on the days since `moment`'s."""
        return self.filter(day__gte=moment.date()).aggregate(total=models.Sum("count"))["total"] or 0


class RefusedDelivery(models.Model):
    """Deliveries refused before anything was stored: a Cloud API POST whose signature is
    missing or wrong. Counted (the health page, /healthz, /metrics), never stored: a body nobody
    signed is not kept, and a flood of them adds to one row a day."""

    BAD_SIGNATURE = "Cloud API: missing or wrong X-Hub-Signature-256"

    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=100)
    count = models.PositiveIntegerField(_("count"), default=0)
    last_at = models.DateTimeField(_("last at"))

    objects = RefusedDeliveryManager()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("refused delivery")
        verbose_name_plural = _("refused deliveries")
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="one_refusal_count_per_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.reason} ×{self.count}"
