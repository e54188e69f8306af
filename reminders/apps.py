from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Patients and reminders")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from reminders.workspace.team import remember_temporary_password

        checks.register(backends_reach_people, "prima", deploy=True)
        user_logged_in.connect(remember_temporary_password, dispatch_uid="prima_temporary_password")


def backends_reach_people(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Production never pretends: a WhatsApp or email backend that reaches nobody (it prints or
    keeps the messages, or cannot be built) is an error, unless ALLOW_DEMO_BACKENDS allows the
    stand-in for a demo; then a warning, while DEBUG is off."""
    from django.conf import settings
    from django.db import DatabaseError

    from prima.cli import first_line
    from reminders.outbox.readiness import BackendProblem, email_problem, whatsapp_problem

    try:
        whatsapp = whatsapp_problem()
    except DatabaseError as exc:  # only the Fonnte backend without FONNTE_TOKEN asks for devices
        whatsapp = BackendProblem("whatsapp", "FONNTE_TOKEN", "FONNTE_TOKEN is empty and the database cannot say "
                                  f"whether a WhatsApp device was added ({first_line(exc)})", stand_in=False)
    problems = [problem for problem in (whatsapp, email_problem()) if problem]
    messages = []
    for problem in problems:
        number = 1 if problem.channel == "whatsapp" else 2
        if not problem.allowed:
            messages.append(checks.Error(
                problem.refusal + ".",
                hint=f"Until {problem.setting} is fixed, send_reminders and the Celery worker and beat refuse to start "
                     "and /healthz answers 503.",
                id=f"reminders.E00{number}",
            ))
        elif not settings.DEBUG:
            messages.append(checks.Warning(f"{problem}: patients and staff get nothing.", id=f"reminders.W00{number}"))
    return messages
