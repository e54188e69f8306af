"""Keep secrets out of log output, whatever logger wrote them (Django's request log
prints URLs, and the webhook URLs carry FONNTE_WEBHOOK_SECRET)."""
import logging

from django.conf import settings


def configured_secrets() -> list[str]:
    """The secrets in our settings that could turn up in a URL, a log line or a webhook body."""
    return [value for value in (settings.FONNTE_WEBHOOK_SECRET, settings.FONNTE_TOKEN) if value]


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = configured_secrets()
        if secrets:
            message = record.getMessage()
            for secret in secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True
