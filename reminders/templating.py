"""Message texts: a schedule's own template, and PRIMA's templates for its replies."""
from django.template.loader import render_to_string


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_template(template: str, **values: str) -> str:
    """Fill `{nama}`-style placeholders; an unknown one is left as written, never a crash."""
    try:
        return template.format_map(_KeepUnknown(values))
    except Exception:  # stray braces or "{obat.nama}" a volunteer typed: send the text as written
        return template


def whatsapp_text(template: str, name: str, **context) -> str:
    """A message body from reminders/templates/reminders/whatsapp/<template>.txt."""
    return render_to_string(f"reminders/whatsapp/{template}.txt", {"nama": name, **context}).strip()
