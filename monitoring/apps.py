from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Operators' view of every app at once (health page, /healthz, /metrics, prima_status).

    It reads the other apps and nothing depends on it, so `webhooks → reminders → locks,
    ratelimit` keeps pointing one way.
    """

    name = "monitoring"
    verbose_name = _("Monitoring")
