"""The system's names in a coordinator's words: a rate-limit or lock key such as
`patient_response:2` reads "replies of Ibu Sari" (the pages keep the key itself in a title).
The health page's filter (templatetags/system_words.py) and, by RATE_LIMIT_KEY_WORDS, the
rate-limit usage page use it."""
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from reminders.models import Patient

# A key's name (before the first colon): what it counts or guards, of `subject` (after it).
KEYS = {
    "whatsapp_send": _("WhatsApp messages to %(subject)s"),
    "patient_response": _("replies of %(subject)s"),
    "reminder_processing": _("reminders handled (everyone)"),
    "fonnte_device": _("messages sent by the device %(subject)s"),
    "admin_send_now": _("“send now” tapped by %(subject)s"),
    "patient": _("a reply of %(subject)s being handled"),
    "send_reminders": _("the scheduler's run"),
}
# Subjects that are a row's id: shown by its name.
BY_ID = {"patient_response": Patient, "patient": Patient, "admin_send_now": get_user_model()}


def key_in_words(key: str) -> str:
    """`key` in words; as it is when its name is not known."""
    name, _colon, subject = key.partition(":")
    if name not in KEYS:
        return key
    model = BY_ID.get(name)
    if model is not None and subject.isdigit():
        subject = str(model.objects.filter(pk=subject).first() or f"#{subject}")
    return KEYS[name] % {"subject": subject}
