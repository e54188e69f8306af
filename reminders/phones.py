"""Phone numbers: one spelling (E.164) for storage, a masked one for logs, and the links a
volunteer taps to call or write to a patient."""
import re

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return `raw` as E.164 (`+62812…`), so `0812…`, `62812…` and `+62 812-…` are one patient.

    Bare digits that start with the home country's code (`62812…`, as Fonnte writes every
    sender) are read as international first: read as a national number, a short mobile
    (`0812345678` is `+62812345678`) would become `+6262812345678`. Other bare digits
    that do not parse in the home region (a foreign sender, `4915…`) are tried as
    international too.
    """
    text = (raw or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    region = region or settings.PHONE_REGION
    candidates = [text]
    if digits and not text.startswith("+") and not digits.startswith("0"):
        international = "+" + digits
        home_code = str(phonenumbers.country_code_for_region(region))
        candidates = [international, text] if digits.startswith(home_code) else [text, international]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError("%(raw)s is not a valid phone number.", code="invalid_phone", params={"raw": raw})


class PhoneFormField(forms.CharField):
    """A number typed into a form, cleaned as it is stored: two spellings of one number on one
    page are one (an inline's rows are checked for duplicates on their cleaned values)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone(value) if value else value


def normalise_device(raw: str) -> str:
    """A Fonnte device's number as one key: E.164 when it is a phone number (Fonnte writes
    `6285…` in webhooks and `085…` in quotas), else the text as given."""
    try:
        return normalise_phone(raw)
    except ValidationError:
        return (raw or "").strip()


def as_dialled(phone: str) -> str:
    """An E.164 number the way a patient saves and dials it at home (`0811-2222-0001`)."""
    return phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.NATIONAL)


def mask_phone(phone: str) -> str:
    """`+6281234567890` → `+62812****890`: enough to tell numbers apart in logs, not to dial."""
    if len(phone) <= 9:
        return "*" * len(phone)
    return phone[:6] + "*" * (len(phone) - 9) + phone[-3:]


def call_url(phone: str) -> str:
    """`tel:` link: a phone dials it in one tap."""
    return f"tel:{phone}"


def whatsapp_url(phone: str) -> str:
    """WhatsApp's click-to-chat link, which takes the number as digits only (no +)."""
    return "https://wa.me/" + "".join(ch for ch in phone if ch.isdigit())


# A run of 8 to 15 digits, with or without its +: as long as a phone number, longer than our ids.
_PHONE_LIKE = re.compile(r"\+?\d{8,15}")


def mask_phones(text: str) -> str:
    """Every phone-like number in `text` masked as mask_phone does: for text that may quote
    numbers, such as rate-limit keys (`whatsapp_send:+6281234567890`)."""
    return _PHONE_LIKE.sub(lambda match: mask_phone(match.group(0)), text)
