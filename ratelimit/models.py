"""The sliding log: one row per allowed hit, read and written only through services.py."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitEvent(models.Model):
    """One allowed hit on `key` at `created_at` (the database clock), weighing `cost` units.

    A hit of cost N is one row with cost=N rather than N rows: the table grows with the
    number of hits, not units, and the retry time is still exact (a running sum over the
    window finds the hit whose departure frees enough units; see services.py).
    """

    key = models.CharField(_("key"), max_length=200)
    created_at = models.DateTimeField(_("at"))
    cost = models.PositiveIntegerField(_("cost"), default=1)

    class Meta:
        verbose_name = _("rate-limit event")
        verbose_name_plural = _("rate-limit events")
        indexes = [
            # Serves every check: key = %s AND created_at > now - window, summing cost.
            # `cost` is carried in the index so the sum can be answered from it alone.
            # Pruning has no index of its own: it scans a table that pruning keeps small, and
            # every index is one more write on the hot path.
            models.Index(fields=["key", "created_at"], include=["cost"], name="ratelimit_key_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} at {self.created_at:%Y-%m-%d %H:%M:%S} (cost {self.cost})"
