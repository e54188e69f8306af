"""Phone numbers: one spelling (E.164) for storage, a masked one for logs, the links a
volunteer taps to call or write to a patient, the mobile numbers WhatsApp lives on, and what
a search for part of a number looks for."""
import re

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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
    raise ValidationError(_("%(raw)s is not a valid phone number."), code="invalid_phone", params={"raw": raw})


# What phonenumbers calls a number WhatsApp can live on: a mobile, or (where the plan cannot
# tell, as in the United States) a number that may be one.
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def validate_mobile(phone: str) -> None:
    """A number PRIMA writes to (a patient's, a caregiver's, a staff member's) must be a mobile:
    a home or office line (`021-555-1234`) gets no WhatsApp, so every reminder to it would fail.
    Only what people type is judged so: an incoming message is taken from whatever number
    Fonnte says it came from."""
    if phone and phonenumbers.number_type(phonenumbers.parse(phone)) not in MOBILE_TYPES:
        raise ValidationError(
            _("%(number)s is a home or office (landline) number, not a mobile WhatsApp number. Enter the mobile "
              "number the person uses WhatsApp on."),
            code="not_mobile", params={"number": as_dialled(phone)})


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


# Text that is a number being typed: digits, and the + and separators people put between them.
_TYPED_NUMBER = re.compile(r"\+?[\d\s\-.()/]+")
# Fewer digits than this are not looked for in numbers: "12" would find nearly everyone.
FRAGMENT_DIGITS = 4


def number_lookup(typed: str, region: str | None = None) -> tuple[str, str] | None:
    """What a search for a phone number looks for in E.164 numbers, as a (lookup, value) pair,
    from part of a number as people type it: `0812-1000` and `+62 812` are the number's start
    (`startswith`, `+628121000`: a 0 before the area or mobile code stands for the home
    country's code), `62812…`, `5555-1234` and `0000-4321` any part of it (`contains`). None
    when the text is not a number (a name) or too short to mean one."""
    text = (typed or "").strip()
    if not _TYPED_NUMBER.fullmatch(text):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < FRAGMENT_DIGITS:
        return None
    if text.startswith("+"):
        return "startswith", "+" + digits
    if digits.startswith("0") and not digits.startswith("00"):
        home_code = phonenumbers.country_code_for_region(region or settings.PHONE_REGION)
        return "startswith", f"+{home_code}{digits[1:]}"
    return "contains", digits


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
