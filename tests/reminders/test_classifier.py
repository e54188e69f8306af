"""What messages mean against what was asked (reminders/conversation/classifier.py); the whole corpus runs
through the webhook in tests/webhooks/test_corpus.py."""
import pytest

from reminders.conversation.classifier import (
    Pending, classify, normalise_text, read, says_more_than_an_answer, speaks_of_death, wellbeing,
)
from reminders.models import CheckIn, PatientReply

I = PatientReply.Intent
NOTHING, MEDICINE, CONSENT = Pending(), Pending(medication=True), Pending(consent=True)
APPOINTMENT, BOTH = Pending(appointment=True), Pending(medication=True, appointment=True)

REPLIES = [
    # the medicine taken, as people type it
    ("SUDAH", MEDICINE, I.CONFIRM), ("Sudah 🙏", MEDICINE, I.CONFIRM), ("sudaaah", MEDICINE, I.CONFIRM),
    ("  s u d a h", MEDICINE, I.CONFIRM), ("sdh mnm obat", MEDICINE, I.CONFIRM), ("udh bu", MEDICINE, I.CONFIRM),
    ("Sudah minum, terima kasih", MEDICINE, I.CONFIRM), ("SELESAI", MEDICINE, I.CONFIRM),
    ("sudah diminum pak", MEDICINE, I.CONFIRM), ("Alhamdulillah sudah", MEDICINE, I.CONFIRM),
    ("sampun", MEDICINE, I.CONFIRM), ("uwis", MEDICINE, I.CONFIRM), ("atos", MEDICINE, I.CONFIRM),
    ("parantos", MEDICINE, I.CONFIRM), ("uda", MEDICINE, I.CONFIRM), ("👍", MEDICINE, I.CONFIRM),
    ("✅", MEDICINE, I.CONFIRM), ("sudah minum obat setelah makan", MEDICINE, I.CONFIRM),
    ("obat morfin sudah diminum jam 8", MEDICINE, I.CONFIRM), ("SÚDÁH", MEDICINE, I.CONFIRM),
    # "sudah" that says something else
    ("sudahlah", MEDICINE, I.FREE_TEXT), ("makasih sudah diingatkan", MEDICINE, I.THANKS),
    ("ibu sudah bisa makan", MEDICINE, I.FREE_TEXT), ("obatnya sudah habis", MEDICINE, I.FREE_TEXT),
    ("sudah dibaca", MEDICINE, I.FREE_TEXT), ("sudah makan", MEDICINE, I.FREE_TEXT),
    ("sudah pulang dari rs", MEDICINE, I.FREE_TEXT), ("sudah minum?", MEDICINE, I.FREE_TEXT),
    ("🙏", MEDICINE, I.THANKS), ("ok", MEDICINE, I.THANKS), ("👍", APPOINTMENT, I.THANKS), ("👍", NOTHING, I.THANKS),
    # not yet
    ("BELUM", MEDICINE, I.NOT_YET), ("blm", MEDICINE, I.NOT_YET), ("belom bu", MEDICINE, I.NOT_YET),
    ("belummm", MEDICINE, I.NOT_YET), ("nanti saya minum", MEDICINE, I.NOT_YET), ("nanti ya", MEDICINE, I.NOT_YET),
    ("dereng", MEDICINE, I.NOT_YET), ("durung", MEDICINE, I.NOT_YET), ("teu acan", MEDICINE, I.NOT_YET),
    ("blom", MEDICINE, I.NOT_YET), ("sudah belum ya?", MEDICINE, I.FREE_TEXT), ("belum, eh sudah", MEDICINE, I.FREE_TEXT),
    ("ga mau minum obat", MEDICINE, I.FREE_TEXT),
    # consent: only a clear answer to the question
    ("YA", CONSENT, I.VERIFY_YES), ("Iya", CONSENT, I.VERIFY_YES), ("Y", CONSENT, I.VERIFY_YES),
    ("setuju", CONSENT, I.VERIFY_YES), ("Boleh", CONSENT, I.VERIFY_YES), ("oke 👍", CONSENT, I.VERIFY_YES),
    ("ya saya setuju", CONSENT, I.VERIFY_YES), ("nggih", CONSENT, I.VERIFY_YES), ("muhun", CONSENT, I.VERIFY_YES),
    ("iya gpp", CONSENT, I.VERIFY_YES), ("TIDAK", CONSENT, I.VERIFY_NO), ("tdk", CONSENT, I.VERIFY_NO),
    ("gak mau", CONSENT, I.VERIFY_NO), ("mboten", CONSENT, I.VERIFY_NO), ("henteu", CONSENT, I.VERIFY_NO),
    ("ya tidak", CONSENT, I.FREE_TEXT), ("ini dari mana ya?", CONSENT, I.FREE_TEXT),
    ("boleh tanya dulu?", CONSENT, I.FREE_TEXT), ("tidak ngerti maksudnya", CONSENT, I.FREE_TEXT),
    ("ok tapi jangan", CONSENT, I.FREE_TEXT), ("yang benar saja", CONSENT, I.FREE_TEXT),
    ("tdk sadar", CONSENT, I.EMERGENCY), ("ya", NOTHING, I.THANKS), ("tidak", NOTHING, I.FREE_TEXT),
    # opting out and back in
    ("BERHENTI", NOTHING, I.OPT_OUT), ("berhenti saja", NOTHING, I.OPT_OUT), ("stop!", MEDICINE, I.OPT_OUT),
    ("unsubscribe", NOTHING, I.OPT_OUT), ("tolong berhenti kirim pesan", NOTHING, I.OPT_OUT),
    ("jangan kirim lagi", MEDICINE, I.OPT_OUT), ("mohon pengingatnya dihentikan", NOTHING, I.OPT_OUT),
    ("ga usah diingatkan lagi", NOTHING, I.OPT_OUT), ("MULAI", NOTHING, I.OPT_IN),
    ("mulai lagi", NOTHING, I.OPT_IN), ("tolong kirim pengingat lagi", NOTHING, I.OPT_IN),
    # appointments, by their own words only
    ("HADIR", APPOINTMENT, I.ATTENDING), ("saya datang", APPOINTMENT, I.ATTENDING), ("iya", APPOINTMENT, I.ATTENDING),
    ("otw", APPOINTMENT, I.ATTENDING), ("TERLAMBAT", APPOINTMENT, I.LATE), ("telat sedikit", APPOINTMENT, I.LATE),
    ("BATAL", APPOINTMENT, I.CANCEL), ("tidak bisa datang", APPOINTMENT, I.CANCEL), ("tidak jadi", APPOINTMENT, I.CANCEL),
    ("sudah minum obat", APPOINTMENT, I.CONFIRM), ("sudah", BOTH, I.CONFIRM),
    # danger, whatever else is pending
    ("DARURAT", NOTHING, I.EMERGENCY), ("sesak napas", NOTHING, I.EMERGENCY), ("bapak pingsan", CONSENT, I.EMERGENCY),
    ("nyeri dada sejak pagi", NOTHING, I.EMERGENCY), ("kejang2", NOTHING, I.EMERGENCY), ("kejang", NOTHING, I.EMERGENCY),
    ("tdk sadar", NOTHING, I.EMERGENCY), ("nggak bisa napas", MEDICINE, I.EMERGENCY),
    ("ibu tidak bernapas", NOTHING, I.EMERGENCY), ("ga sadar dari tadi", CONSENT, I.EMERGENCY),
    ("bapak jatuh tidak bisa bangun", NOTHING, I.EMERGENCY), ("ibu kejang2 dari tadi", MEDICINE, I.EMERGENCY),
    ("tolong saya sesak", NOTHING, I.EMERGENCY), ("susah napas", NOTHING, I.EMERGENCY),
    ("sesek napas", NOTHING, I.EMERGENCY), ("sesaknapas", NOTHING, I.EMERGENCY), ("napas berat", NOTHING, I.EMERGENCY),
    ("batuk darah", NOTHING, I.EMERGENCY), ("ibu koma", NOTHING, I.EMERGENCY), ("dada sakit sekali", NOTHING, I.EMERGENCY),
    ("pingsn", NOTHING, I.EMERGENCY), ("Tolong", NOTHING, I.EMERGENCY), ("sesak", NOTHING, I.EMERGENCY),
    ("sudah, tapi sesak napas", MEDICINE, I.EMERGENCY), ("berhenti, pingsan", NOTHING, I.EMERGENCY),
    ("sudah tidak sesak lagi", NOTHING, I.FREE_TEXT), ("cek tekanan darah besok", NOTHING, I.FREE_TEXT),
    ("tolong kirim jadwal", NOTHING, I.FREE_TEXT), ("dada saya baik", NOTHING, I.FREE_TEXT),
    ("napasnya sudah lega", NOTHING, I.FREE_TEXT), ("kontrol jatuh tempo kapan", NOTHING, I.FREE_TEXT),
    # a death, however it is told; never a dose taken
    ("bapak sudah meninggal tadi malam", MEDICINE, I.DEATH), ("bapak sudah tidak ada", MEDICINE, I.DEATH),
    ("Innalillahi wa inna ilaihi rojiun, ibu sudah berpulang", NOTHING, I.DEATH),
    ("ibu sudah pergi tadi subuh", MEDICINE, I.DEATH), ("obatnya sudah tidak ada", MEDICINE, I.FREE_TEXT),
    ("ibu sudah tidak ada keluhan", NOTHING, I.FREE_TEXT), ("ibu sudah pergi ke puskesmas", NOTHING, I.FREE_TEXT),
    ("ibu hampir meninggal", NOTHING, I.EMERGENCY),
    # everything else, and things that ask no answer
    ("obatnya habis", NOTHING, I.FREE_TEXT), ("🙏🙏", NOTHING, I.THANKS), ("", NOTHING, I.MEDIA),
    ("terima kasih", NOTHING, I.THANKS), ("makasih bu 🙏", MEDICINE, I.THANKS), ("napas", NOTHING, I.FREE_TEXT),
]


# What a try-out as families found: getting better is never a death, a suicidal word is danger,
# someone else's death is not the patient's, a dose doubted is not confirmed, asking for another
# time is not stopping.
FOUND_IN_A_TRY_OUT = [
    ("Alhamdulillah sudah mendingan bu", NOTHING, I.FREE_TEXT), ("kondisi bapak meningkat, makasih", NOTHING, I.FREE_TEXT),
    ("sesaknya sudah lega", NOTHING, I.FREE_TEXT), ("sudah minum obat, alhamdulillah mendingan", MEDICINE, I.CONFIRM),
    ("lebih baik saya meninggal saja", NOTHING, I.EMERGENCY), ("saya sudah siap dipanggil Tuhan", NOTHING, I.EMERGENCY),
    ("saya sudah tidak ingin hidup", NOTHING, I.EMERGENCY), ("saya mau nyusul suami saja", NOTHING, I.EMERGENCY),
    ("suami saya sudah meninggal 2 tahun lalu", MEDICINE, I.FREE_TEXT),
    ("tetangga saya meninggal tadi pagi, saya mau melayat dulu", NOTHING, I.FREE_TEXT),
    ("saya lagi di pemakaman saudara", NOTHING, I.FREE_TEXT),
    ("suami saya sudah meninggal tadi pagi", Pending(by_caregiver=True), I.DEATH),
    ("ibu ga bisa dibangunin", NOTHING, I.EMERGENCY), ("napas ibu sekarang berat", NOTHING, I.EMERGENCY),
    ("bapak muntah terus dari pagi", NOTHING, I.EMERGENCY), ("obatnya keminum dobel", NOTHING, I.EMERGENCY),
    ("teu tiasa ngambekan", NOTHING, I.EMERGENCY), ("pup nya item", NOTHING, I.EMERGENCY), ("🆘", NOTHING, I.EMERGENCY),
    ("badan bapak panas bgt", NOTHING, I.EMERGENCY), ("knp sih pesannya dobel2", NOTHING, I.FREE_TEXT),
    ("ibu sudah tidak bernyawa", NOTHING, I.DEATH), ("😭🙏", NOTHING, I.FREE_TEXT),
    ("sudah tapi ga diminum", MEDICINE, I.FREE_TEXT), ("sudah, tapi bapak ga mau", MEDICINE, I.FREE_TEXT),
    ("sudah tapi dimuntahkan", MEDICINE, I.FREE_TEXT), ("sudah, kemarin", MEDICINE, I.FREE_TEXT),
    ("sudah lah", MEDICINE, I.FREE_TEXT), ("yg kemarin udah, yg hari ini gimana?", MEDICINE, I.FREE_TEXT),
    ("jangan lupa kirim ya", NOTHING, I.FREE_TEXT), ("jangan kirim jam 6, kepagian", NOTHING, I.FREE_TEXT),
    ("jangan kirim pesan malam2", NOTHING, I.FREE_TEXT), ("udahan ya", NOTHING, I.FREE_TEXT),
    ("maaf telat, tadi pagi sudah minum obat", NOTHING, I.CONFIRM), ("ga telat kok, pasti dateng", APPOINTMENT,
                                                                    I.ATTENDING),
    ("bisa diundur ga", APPOINTMENT, I.FREE_TEXT), ("keluarkan saya dari program", NOTHING, I.OPT_OUT),
    ("belum, obatnya jatuh ke kolong nanti dicari dulu", MEDICINE, I.NOT_YET),
]


@pytest.mark.parametrize("text, pending, intent", FOUND_IN_A_TRY_OUT)
def test_what_a_try_out_found_is_read_as_a_volunteer_would(text, pending, intent):
    assert classify(text, pending) == intent


def test_there_are_at_least_a_hundred_cases():
    assert len(REPLIES) >= 100


@pytest.mark.parametrize("text, pending, intent", REPLIES)
def test_each_reply_means_what_a_volunteer_would_read(text, pending, intent):
    assert classify(text, pending) == intent


def test_an_emergency_that_says_the_medicine_was_taken_confirms_it_too():
    assert read("sdh minum obat tp masih sesak", MEDICINE) == (I.EMERGENCY, True)
    assert read("belum minum, sesak", MEDICINE) == (I.EMERGENCY, False)


def test_normalising_folds_case_accents_punctuation_spellings_and_glued_words():
    assert normalise_text("  SÚDÁÁÁH!!  minum,obat ") == "sudah minum obat"
    assert normalise_text("b e l u m ya") == "belum ya"
    assert normalise_text("udh mnm obatnya") == "sudah minum obat"
    assert normalise_text("kejang2") == "kejang kejang"
    assert normalise_text("gkbisa nafas") == "tidak bisa napas"


def test_more_danger_phrases_come_from_settings(settings):
    settings.EMERGENCY_PHRASES = ["api"]
    assert classify("rumah kena api") == I.EMERGENCY
    assert classify("darurat") == I.EMERGENCY


@pytest.mark.parametrize(
    "text, intent",
    [
        ("batuk saya sudah berhenti", I.FREE_TEXT),
        ("jangan berhenti kirim", I.FREE_TEXT),
        ("tidak mau mulai lagi", I.FREE_TEXT),
        ("sudah mulai minum obatnya", I.FREE_TEXT),
        ("stop stop", I.OPT_OUT),
        ("saya tidak mau berhenti", I.FREE_TEXT),
        ("ibu sudah berhenti", I.FREE_TEXT),
    ],
)
def test_consent_changes_only_when_the_messages_are_spoken_of_without_negation(text, intent):
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
    ("bapak sudah tidak ada", True), ("obatnya sudah tidak ada", False), ("Innalillahi, mama sudah pergi", True),
])
def test_condolences_only_for_a_death_told(text, death):
    assert speaks_of_death(text) == death


@pytest.mark.parametrize("text, intent", [
    ("Sudah, sakit", I.CONFIRM), ("sudah bu, tapi mual", I.CONFIRM), ("ibu sudah koma", I.EMERGENCY),
    ("belum sembuh", I.FREE_TEXT), ("belum, mual terus", I.NOT_YET), ("belum minum, obatnya habis", I.NOT_YET),
])
def test_an_answer_said_first_stays_an_answer_to_the_dose_and_news_is_not_one(text, intent):
    assert classify(text, MEDICINE) == intent


def test_a_negation_spelt_as_people_type_it_keeps_a_reply_from_opting_out():
    assert classify("nggak mau berhenti") == I.FREE_TEXT
    assert classify("ngga mau berhenti") == I.FREE_TEXT
