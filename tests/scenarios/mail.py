"""An email backend whose server refuses volunteers' addresses: a failed notification."""
import smtplib

from django.core.mail.backends.locmem import EmailBackend


class RefusesVolunteersBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = [address for address in message.to if "relawan" in address]
            if refused:
                raise smtplib.SMTPRecipientsRefused({address: (550, b"mailbox unavailable") for address in refused})
        return super().send_messages(messages)
