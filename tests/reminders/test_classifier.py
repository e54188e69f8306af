"""At least sixty real-looking replies against what they must mean."""
import pytest

from reminders.classifier import (
    classify, normalise_text, opens_with_an_answer, says_more_than_an_answer, speaks_of_death, wellbeing,
)
from reminders.models import CheckIn, PatientReply

I = PatientReply.Intent

REPLIES = [
    # confirmation
    ("SUDAH", I.CONFIRM), ("sudah", I.CONFIRM), ("Sudah 🙏", I.CONFIRM), ("sudaaah", I.CONFIRM),
    ("  s u d a h", I.CONFIRM), ("sdh", I.CONFIRM), ("Sdh minum obat", I.CONFIRM), ("udah", I.CONFIRM),
    ("udh bu", I.CONFIRM), ("Sudah minum, terima kasih", I.CONFIRM), ("SELESAI", I.CONFIRM),
    ("selesai.", I.CONFIRM), ("sudah diminum pak", I.CONFIRM), ("Alhamdulillah sudah", I.CONFIRM),
    ("sudahlah", I.FREE_TEXT), ("SÚDÁH", I.CONFIRM), ("sudah!!!", I.CONFIRM), ("sudah\nterima kasih", I.CONFIRM),
    # not yet
    ("BELUM", I.NOT_YET), ("belum", I.NOT_YET), ("blm", I.NOT_YET), ("belom bu", I.NOT_YET),
    ("Belum minum", I.NOT_YET), ("belummm", I.NOT_YET), ("nanti saya minum", I.NOT_YET),
    ("sudah belum ya?", I.FREE_TEXT), ("belum, eh sudah", I.FREE_TEXT),
    # verification
    ("YA", I.VERIFY_YES), ("ya", I.VERIFY_YES), ("Iya", I.VERIFY_YES), ("iyaa", I.VERIFY_YES), ("Y", I.VERIFY_YES),
    ("yes", I.VERIFY_YES), ("setuju", I.VERIFY_YES), ("Boleh", I.VERIFY_YES), ("OK", I.VERIFY_YES),
    ("oke 👍", I.VERIFY_YES), ("ya saya setuju", I.VERIFY_YES), ("TIDAK", I.VERIFY_NO), ("tidak", I.VERIFY_NO),
    ("tdk", I.VERIFY_NO), ("no", I.VERIFY_NO), ("N", I.VERIFY_NO), ("tolak", I.VERIFY_NO), ("ga", I.VERIFY_NO),
    ("gak mau", I.VERIFY_NO), ("enggak", I.VERIFY_NO), ("nggak", I.VERIFY_NO), ("jangan", I.VERIFY_NO),
    ("ya tidak", I.FREE_TEXT), ("tidak ya", I.FREE_TEXT), ("ok tapi jangan", I.FREE_TEXT),
    ("yang benar saja", I.FREE_TEXT), ("okelah kalau begitu", I.FREE_TEXT), ("tidaklah", I.FREE_TEXT),
    # opt out and back in
    ("BERHENTI", I.OPT_OUT), ("berhenti saja", I.OPT_OUT), ("STOP", I.OPT_OUT), ("stop!", I.OPT_OUT),
    ("unsubscribe", I.OPT_OUT), ("tolong berhenti kirim", I.OPT_OUT), ("MULAI", I.OPT_IN), ("mulai lagi", I.OPT_IN),
    # appointments
    ("HADIR", I.ATTENDING), ("hadir bu", I.ATTENDING), ("saya datang", I.ATTENDING), ("TERLAMBAT", I.LATE),
    ("telat sedikit", I.LATE), ("BATAL", I.CANCEL), ("batal kontrol", I.CANCEL), ("tidak jadi", I.CANCEL),
    # emergencies
    ("DARURAT", I.EMERGENCY), ("tolong darurat!!", I.EMERGENCY), ("sesak napas", I.EMERGENCY),
    ("Ibu SESAK NAFAS", I.EMERGENCY), ("bapak pingsan", I.EMERGENCY), ("nyeri dada sejak pagi", I.EMERGENCY),
    ("kejang2", I.FREE_TEXT), ("kejang", I.EMERGENCY), ("muntah darah", I.EMERGENCY), ("gawat", I.EMERGENCY),
    ("sudah, tapi sesak napas", I.EMERGENCY), ("berhenti, pingsan", I.EMERGENCY),
    # everyday words that are not emergencies, and other free text
    ("tolong kirim jadwal", I.FREE_TEXT), ("Tolong", I.FREE_TEXT), ("dada saya baik", I.FREE_TEXT),
    ("obatnya habis", I.FREE_TEXT), ("🙏🙏", I.FREE_TEXT), ("", I.FREE_TEXT), ("terima kasih", I.FREE_TEXT),
    ("sesak", I.FREE_TEXT), ("napas", I.FREE_TEXT),
]


def test_there_are_at_least_sixty_cases():
    assert len(REPLIES) >= 60


@pytest.mark.parametrize("text, intent", REPLIES)
def test_each_reply_means_what_a_volunteer_would_read(text, intent):
    assert classify(text) == intent


def test_normalising_folds_case_accents_punctuation_and_stretched_letters():
    assert normalise_text("  SÚDÁÁÁH!!  minum,obat ") == "sudah minum obat"
    assert normalise_text("b e l u m ya") == "belum ya"
    assert normalise_text("y a") == "y a"


def test_the_emergency_list_comes_from_settings(settings):
    settings.EMERGENCY_PHRASES = ["api"]
    assert classify("rumah kena api") == I.EMERGENCY
    assert classify("darurat") == I.FREE_TEXT


@pytest.mark.parametrize(
    "text, intent",
    [
        ("batuk saya sudah berhenti", I.FREE_TEXT),
        ("jangan berhenti kirim", I.FREE_TEXT),
        ("tidak mau mulai lagi", I.FREE_TEXT),
        ("sudah mulai minum obatnya", I.FREE_TEXT),
        ("stop stop", I.OPT_OUT),
        ("berhenti mulai", I.FREE_TEXT),
        ("saya tidak mau berhenti", I.FREE_TEXT),
    ],
)
def test_consent_changes_only_on_a_short_reply_without_negation(text, intent):
    assert classify(text) == intent


FINE, PROBLEM = CheckIn.Answer.FINE, CheckIn.Answer.PROBLEM


@pytest.mark.parametrize("text, feeling", [
    ("Baik", FINE), ("baik2 saja", FINE), ("baek2 aja", FINE), ("Alhamdulillah sehat 🙏", FINE),
    ("sehat-sehat saja", FINE), ("sudah membaik", FINE), ("sudah sembuh", FINE), ("lumayan", FINE), ("OK", FINE),
    ("👍", FINE), ("baaaik", FINE), ("tidak sakit lagi", FINE), ("mendingan dari minggu lalu", FINE),
    ("tidak ada keluhan", FINE), ("gak ada keluhan bu", FINE), ("engga ada keluhan", FINE), ("ngga ada keluhan", FINE),
    ("nggak ada masalah", FINE), ("nyeri sudah hilang", FINE), ("sakitnya sudah berkurang", FINE),
    ("kurang sehat", PROBLEM), ("kurang baik", PROBLEM), ("belum membaik", PROBLEM), ("belum sembuh", PROBLEM),
    ("tidak enak badan", PROBLEM), ("nggak sehat", PROBLEM), ("ngga enak badan", PROBLEM), ("enggak baik", PROBLEM),
    ("belom sehat", PROBLEM), ("ndak sehat", PROBLEM), ("tidak terlalu baik", PROBLEM), ("ga begitu sehat", PROBLEM),
    ("nyeri terus", PROBLEM), ("masih sakit", PROBLEM), ("baik tapi kaki bengkak", PROBLEM),
    ("gak bisa tidur", PROBLEM), ("lemas, tidak nafsu makan", PROBLEM), ("keluhan saya batuk", PROBLEM),
    ("ada masalah", PROBLEM), ("sakitnya hilang timbul", PROBLEM), ("ibu sudah meninggal", PROBLEM),
    ("mboten sehat", PROBLEM), ("ora kuat", PROBLEM), ("teu kuat", PROBLEM), ("nggak bisa makan", PROBLEM),
    ("ngga nafsu makan", PROBLEM), ("ga tahan", PROBLEM), ("belum bisa jalan", PROBLEM), ("ga mau makan", PROBLEM),
    ("ibu sudah koma", PROBLEM), ("Bapak sudah berpulang", PROBLEM), ("Sudah dirujuk ke RS", PROBLEM),
    ("obat tidak mempan", PROBLEM), ("naik turun", PROBLEM), ("tidak ada tenaga", PROBLEM),
    ("Belum, mual", PROBLEM), ("Tidak. Sakit.", PROBLEM), ("Ga, sesak", PROBLEM), ("Tidak ada, sakit", PROBLEM),
    ("ga sakit, sehat", FINE),
    ("gpp", FINE), ("nggak papa", FINE), ("sudah baikan", FINE), ("tidak ada yang sakit", FINE),
    ("nggak kerasa sakit", FINE), ("tiada keluhan", FINE), ("sudah bisa makan", FINE), ("sae", FINE),
    ("terima kasih", None), ("sudah", None), ("ya", None), ("obatnya habis", None), ("", None),
    ("sehatlah", None), ("biasa saja", None), ("ya begitulah", None), ("sehat? tidak", None),
])
def test_a_check_in_answer_says_fine_not_well_or_neither(text, feeling):
    assert wellbeing(text).feeling == feeling


@pytest.mark.parametrize("text, says_more", [
    ("Alhamdulillah baik, terima kasih bu", False), ("baik, obat sudah diminum", False),
    ("baik, tapi obat habis", True), ("baik, tolong telepon saya", True), ("baik kok", False),
])
def test_a_fine_answer_that_says_more_is_for_a_volunteer_to_read(text, says_more):
    assert wellbeing(text) == (FINE, says_more)


def test_the_patients_name_says_nothing_more():
    assert wellbeing("BAIK Sari", frozenset({"sari"})) == (FINE, False)


@pytest.mark.parametrize("text, says_more", [
    ("sudah", False), ("Sudah minum, terima kasih", False), ("Alhamdulillah sudah", False),
    ("sudah diminum tadi pagi jam 7", False), ("sudah, alhamdulillah sehat", False),
    ("ibu sudah koma", True), ("sudah, tapi obatnya tinggal dua", True), ("belum, obatnya habis", True),
    ("Sudah minum obatnya", False), ("sudah makan obat", False), ("Sudah bu, terimakasih", False),
    ("sudah, makasih banyak", False), ("Terima kasih sudah mengingatkan", False),
])
def test_an_answer_to_a_reminder_that_says_more_is_for_a_person(text, says_more):
    assert says_more_than_an_answer(text) == says_more


@pytest.mark.parametrize("text, death", [
    ("ibu sudah meninggal", True), ("Bapak sudah berpulang", True), ("telah tiada tadi malam", True),
    ("saya takut meninggal", False), ("ibu hampir meninggal", False), ("mendoakan almarhum bapak", False),
])
def test_condolences_only_for_a_death_told(text, death):
    assert speaks_of_death(text) == death


@pytest.mark.parametrize("text, answer_first", [
    ("Sudah, sakit", True), ("sudah bu, tapi mual", True), ("ibu sudah koma", False), ("belum sembuh", False),
])
def test_an_answer_said_first_stays_an_answer_to_the_dose(text, answer_first):
    assert opens_with_an_answer(text) == answer_first


def test_a_negation_spelt_as_people_type_it_keeps_a_reply_from_opting_out():
    assert classify("nggak mau berhenti") == I.FREE_TEXT
    assert classify("ngga mau berhenti") == I.FREE_TEXT
