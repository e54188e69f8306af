from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from webhooks.development import DevelopmentError, cloud_api_url, configured_secret, secret_source, webhook_urls


class Command(BaseCommand):
    help = (
        "Print the WhatsApp Cloud API webhook URL to set in Meta's App Dashboard, and the three Fonnte "
        "webhook URLs (patients' replies, message statuses, the device's connection) to set in Fonnte's "
        "dashboard. The Fonnte secret part is printed as the shell expression "
        "that fills it in ($(cat .data/webhook_secret) for the one DEBUG generates, $FONNTE_WEBHOOK_SECRET "
        "otherwise), so the secret itself stays out of terminals and logs; --show-secret prints it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base", default=settings.SITE_URL,
                            help=f"Where the site answers (default SITE_URL, {settings.SITE_URL}).")
        parser.add_argument("--show-secret", action="store_true", help="Print the secret itself in the URLs.")

    def handle(self, *args, base: str, show_secret: bool, **options) -> None:
        self.stdout.write("WhatsApp Cloud API webhook (Meta's App Dashboard, WhatsApp > Configuration: Callback URL; "
                          "Verify token: the one entered on the Cloud API device; subscribe to the messages field):")
        self.stdout.write(f"  cloud_api: {cloud_api_url(base)}")
        try:
            secret = configured_secret() if show_secret else secret_source()
        except DevelopmentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("Fonnte webhooks (play the patient with: manage.py simulate_reply PHONE SUDAH):")
        for kind, url in webhook_urls(base, secret).items():
            self.stdout.write(f"  {kind + ':':<10}{url}")
