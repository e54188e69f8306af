import pytest
from django.core.exceptions import ValidationError

from reminders.phones import mask_phone, mask_phones, normalise_phone


@pytest.mark.parametrize(
    "raw",
    ["0812-3456-7890", "081234567890", "6281234567890", "+62 812-3456-7890", " +62 (812) 3456 7890 "],
)
def test_it_normalises_every_indonesian_spelling_to_one_e164(raw):
    assert normalise_phone(raw) == "+6281234567890"


def test_it_reads_bare_foreign_digits_as_international():
    assert normalise_phone("4915123456789") == "+4915123456789"


@pytest.mark.parametrize("raw", ["", "12345", "not a number", "0812", "+62 000 0000"])
def test_it_rejects_what_is_not_a_phone_number(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_it_masks_the_middle_of_a_number():
    assert mask_phone("+6281234567890") == "+62812*****890"
    assert "34567" not in mask_phone("+6281234567890")


def test_it_masks_every_phone_number_in_a_text_and_leaves_short_ids():
    assert mask_phones("whatsapp_send:+6281234567890") == "whatsapp_send:+62812*****890"
    assert mask_phones("to 6281234567890 and 081234567890") == "to 628123****890 and 081234***890"
    assert mask_phones("patient_response:42") == "patient_response:42"
