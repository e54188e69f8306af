import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reminders.phones import mask_phone, mask_phones, normalise_phone, number_lookup, validate_mobile


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


@pytest.mark.parametrize("mobile", ["+6281234567890", "+62812345678", "+4915123456789", "+12015550123"])
def test_a_mobile_or_a_number_that_may_be_one_is_accepted(mobile):
    validate_mobile(mobile)  # Indonesian and German mobiles; a US number may be either


@pytest.mark.parametrize("landline", ["021-555-1234", "(0361) 222333", "+62 21 5551234"])
def test_a_landline_is_refused_in_indonesian_saying_what_it_is(landline):
    with pytest.raises(ValidationError) as refused:
        validate_mobile(normalise_phone(landline))
    assert refused.value.code == "not_mobile"
    with translation.override("id"):
        said = refused.value.messages[0]
    assert "nomor telepon rumah/kantor" in said and "bukan nomor WhatsApp ponsel" in said


def test_an_invalid_number_is_said_in_indonesian():
    with pytest.raises(ValidationError) as refused:
        normalise_phone("0812-34")
    with translation.override("id"):
        assert refused.value.messages == ["0812-34 bukan nomor telepon yang benar."]


@pytest.mark.parametrize("typed, lookup", [
    ("0812-1000", ("startswith", "+628121000")),
    ("08135555", ("startswith", "+628135555")),
    ("+62 812-1000", ("startswith", "+628121000")),
    ("(0812) 1000", ("startswith", "+628121000")),
    ("62812 1000", ("contains", "628121000")),
    ("5555-1234", ("contains", "55551234")),
    ("0000-4321", ("contains", "00004321")),  # no number starts 00 after its code: a middle part
    ("Ibu Sari", None),
    ("0812 Sari", None),
    ("081", None),  # too short to mean a number
    ("", None),
])
def test_part_of_a_number_as_people_type_it_is_looked_for_where_it_can_be(typed, lookup):
    assert number_lookup(typed) == lookup
