"""Can this process really send? Production never pretends.

A WhatsApp backend that prints or keeps messages in memory, or an email backend that prints,
keeps, drops or files them, reaches nobody while everything downstream records "sent". With
ALLOW_DEMO_BACKENDS off (its default follows DEBUG) such a stand-in is a `check --deploy`
error, the senders (`send_reminders`, the Celery worker and beat) refuse to start, and /healthz
answers 503; allowed for a demo, it is still named wherever "sending: ok" would be said. A
WhatsApp backend that cannot be built (Fonnte with no FONNTE_TOKEN and no device) is refused
the same way, demo or not: a sender that cannot send must not claim messages it will strand.
"""
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from prima.cli import first_line
from reminders.backends import get_backend

# Django's email backends that reach nobody, by module, and what each does instead.
STAND_IN_EMAIL = {
    "django.core.mail.backends.console": "prints each email to the console",
    "django.core.mail.backends.locmem": "keeps each email in memory",
    "django.core.mail.backends.dummy": "throws each email away",
    "django.core.mail.backends.filebased": "writes each email to a file",
}
DEMO_HINT = "set it for real, or ALLOW_DEMO_BACKENDS=1 for a demo"


@dataclass(frozen=True)
class BackendProblem:
    """Why one channel's messages reach nobody: one line, naming the setting to change."""

    channel: str  # "whatsapp" or "email"
    setting: str
    text: str
    stand_in: bool  # a backend that works but reaches nobody (console, memory), not a broken one

    @property
    def allowed(self) -> bool:
        """A stand-in is allowed by ALLOW_DEMO_BACKENDS (on by default with DEBUG); a broken
        backend never is."""
        return self.stand_in and settings.ALLOW_DEMO_BACKENDS

    @property
    def refusal(self) -> str:
        """What a sender refusing to start says."""
        return f"{self.text}; {DEMO_HINT}" if self.stand_in else self.text

    def __str__(self) -> str:
        return f"{self.text} (allowed by ALLOW_DEMO_BACKENDS)" if self.allowed else self.text


def _backend_name() -> str:
    """WHATSAPP_BACKEND as the operator wrote it: its short name when it has one."""
    path = settings.WHATSAPP_BACKEND
    return next((name for name, known in settings.WHATSAPP_BACKENDS.items() if known == path), path)


def whatsapp_problem() -> BackendProblem | None:
    """What keeps WhatsApp messages from reaching anyone here; None for a real gateway. Building
    the Fonnte backend asks the database whether devices exist: a DatabaseError is the caller's."""
    try:
        backend = get_backend()
    except ImproperlyConfigured as exc:
        setting = "FONNTE_TOKEN" if "FONNTE_TOKEN" in str(exc) else "WHATSAPP_BACKEND"
        return BackendProblem("whatsapp", setting, f"{first_line(exc)}: no WhatsApp message can be sent",
                              stand_in=False)
    if not backend.stand_in:
        return None
    why = "" if settings.FONNTE_TOKEN else " (FONNTE_TOKEN is empty)"
    return BackendProblem("whatsapp", "WHATSAPP_BACKEND",
                          f"WHATSAPP_BACKEND is {_backend_name()}{why}: it {backend.stand_in} instead of sending it",
                          stand_in=True)


def email_problem() -> BackendProblem | None:
    """What keeps emails (emergencies told to staff) from reaching anyone; None for SMTP."""
    module = settings.EMAIL_BACKEND.rpartition(".")[0]
    if module not in STAND_IN_EMAIL:
        return None
    return BackendProblem("email", "EMAIL_URL",
                          f"EMAIL_URL gives the {module.rpartition('.')[2]} email backend: it "
                          f"{STAND_IN_EMAIL[module]} instead of sending it, so no emergency email reaches staff",
                          stand_in=True)


def backend_problems() -> list[BackendProblem]:
    return [problem for problem in (whatsapp_problem(), email_problem()) if problem]


def check_can_send() -> None:
    """Raise ImproperlyConfigured, in one line, when this process must not start sending: no
    SECRET_KEY (device tokens are decrypted with it), a WhatsApp backend that cannot be built,
    or a stand-in backend not allowed. A DatabaseError (devices unknown) is the caller's."""
    settings.SECRET_KEY
    for problem in backend_problems():
        if not problem.allowed:
            raise ImproperlyConfigured(problem.refusal)
