from django.core.management.base import BaseCommand

from reminders.models import Patient
from reminders.conversation.consent import send_verification


class Command(BaseCommand):
    help = (
        "Ask each PENDING patient who was never asked whether they agree to receive reminders "
        "(they reply YA or TIDAK). With --resend-expired, ask EXPIRED patients again too. "
        "The question expires after VERIFICATION_EXPIRY_HOURS."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--resend-expired", action="store_true", help="Also ask patients whose question expired.")

    def handle(self, *args, resend_expired: bool, **options) -> None:
        patients = Patient.objects.filter(
            verification_status=Patient.Verification.PENDING, verification_sent_at__isnull=True, is_active=True
        )
        if resend_expired:
            patients = patients | Patient.objects.filter(verification_status=Patient.Verification.EXPIRED, is_active=True)
        sent = sum(send_verification(patient) is not None for patient in patients)
        self.stdout.write(f"Verification questions queued: {sent}")
