"""The lease table: one row per held (or expired, not yet cleaned) lock.

Every decision about a lease is judged by the database clock (`clock_timestamp()`), so the
clocks of the machines that run workers never matter. See docs/locks.md.
"""
import logging

from django.db import connection, models
from django.db.models import ExpressionWrapper, F, Func, Q
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class ClockTimestamp(Func):
    """The database's current time at evaluation (unlike now(), which is the transaction start)."""

    template = "clock_timestamp()"
    output_field = models.DateTimeField()


class LockQuerySet(models.QuerySet):
    def held(self) -> "LockQuerySet":
        return self.filter(expires_at__gt=ClockTimestamp())

    def expired(self) -> "LockQuerySet":
        return self.filter(expires_at__lte=ClockTimestamp())

    def with_remaining(self) -> "LockQuerySet":
        """Annotate `remaining`: time until expiry by the database clock (negative once expired)."""
        return self.annotate(
            remaining=ExpressionWrapper(F("expires_at") - ClockTimestamp(), output_field=models.DurationField())
        )

    def release_by_force(self) -> list["Lock"]:
        """Delete these leases whoever holds them; return those deleted. Their holders find out
        at their next guarded write (`assert_lock_held`)."""
        released = []
        with connection.cursor() as cursor:
            for lock in self:
                # Filtered on the fence too, so a lease taken over since the read is left alone.
                cursor.execute("DELETE FROM locks_lock WHERE key = %s AND fence = %s", [lock.key, lock.fence])
                if cursor.rowcount:
                    logger.warning("Force-released lock %s (holder %s, fence %s)", lock.key, lock.holder, lock.fence)
                    released.append(lock)
        return released


class Lock(models.Model):
    key = models.CharField(_("key"), primary_key=True, max_length=255)
    owner = models.UUIDField(_("owner"), help_text=_("Token of the current lease; only its holder knows it."))
    fence = models.BigIntegerField(_("fence"),
                                   help_text=_("Fencing token: greater for every later acquire of this key."))
    holder = models.CharField(_("holder"), max_length=255, blank=True,
                              help_text=_("Who acquired it (host:pid), for people."))
    acquired_at = models.DateTimeField(_("acquired at"))
    expires_at = models.DateTimeField(_("expires at"))

    objects = LockQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("lock")
        verbose_name_plural = _("locks")
        # No index on expires_at: the table holds only live (or not yet cleaned) leases, so it
        # stays small, and without one a renewal is a HOT update.
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("acquired_at")), name="lock_expires_after_acquired"),
        ]

    def __str__(self) -> str:
        return self.key
