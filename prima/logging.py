"""Keep secrets out of log output, whatever logger wrote them (Django's request log
prints URLs, and the webhook URLs carry FONNTE_WEBHOOK_SECRET)."""
import logging

from django.conf import settings


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [value for value in (settings.FONNTE_WEBHOOK_SECRET, settings.FONNTE_TOKEN) if value]
        if secrets:
            message = record.getMessage()
            for secret in secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True
