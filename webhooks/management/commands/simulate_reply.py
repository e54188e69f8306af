from django.core.management.base import BaseCommand, CommandError

from reminders.phones import mask_phone
from webhooks.development import DevelopmentError, simulate_reply


class Command(BaseCommand):
    help = (
        "Play the patient without Fonnte: deliver TEXT from PHONE to the incoming webhook exactly as "
        "Fonnte would (the real URL and secret, through the same view), so the reply is stored in the "
        "inbox and processed like a real one: the reminder it answers changes and the acknowledgement is "
        "queued for the scheduler to send (printed by the console backend in development). The stored "
        "payload says it was simulated. Example: manage.py simulate_reply 0812-1000-0001 SUDAH"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("phone", help="The patient's number, in any spelling (0812…, 62812…, +62 812…).")
        parser.add_argument("text", help='What the patient writes, e.g. "SUDAH", "BELUM", "YA", "BERHENTI".')

    def handle(self, *args, phone: str, text: str, **options) -> None:
        try:
            reply = simulate_reply(phone, text)
        except DevelopmentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Reply from {reply.patient.name} ({mask_phone(reply.patient.phone)}) stored as webhook event "
            f"#{reply.event.id}: {reply.answer} ({reply.event.result or 'no result'})"
        )
