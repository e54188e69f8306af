"""The system's own state: when the scheduler last finished a tick, for /healthz."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SchedulerHeartbeat(models.Model):
    """One row: when the scheduler last finished a tick, so /healthz can tell a stopped one."""

    last_tick_at = models.DateTimeField(_("last tick at"), null=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    last_failure = models.TextField(_("last failure"), blank=True, db_default="",
                                    help_text=_("Why the last failed tick failed."))

    class Meta:
        verbose_name = _("system health")
        verbose_name_plural = _("system health")

    def __str__(self) -> str:
        return f"last tick at {self.last_tick_at:%Y-%m-%d %H:%M:%S}" if self.last_tick_at else "no tick yet"
