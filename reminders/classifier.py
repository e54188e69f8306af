"""What a patient's reply means: one table, matched by whole words.

Patients write short, informal Indonesian on cheap phones, so matching forgives case,
accents, punctuation, emoji, spacing and stretched letters ("sudahhh"), but is strict
about meaning: words are matched whole ("sudahlah" is not "sudah"), and a reply that
holds contradicting words is not guessed at.
"""
import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings

from reminders.models import CheckIn, PatientReply, ReminderSchedule

Intent = PatientReply.Intent
Kind = ReminderSchedule.Kind

# Checked in this order; the first intent with a match wins, except where a reply holds
# two answers to the same question (see CONFLICTS).
KEYWORDS: list[tuple[str, list[str]]] = [
    (Intent.OPT_OUT, ["berhenti", "stop", "unsubscribe", "henti"]),
    (Intent.OPT_IN, ["mulai", "mulai lagi", "start"]),
    (Intent.NOT_YET, ["belum", "blm", "belom", "belum minum", "nanti"]),
    (Intent.CONFIRM, ["sudah", "sudah minum", "sdh", "udah", "udh", "sudh", "selesai", "done", "sudah diminum"]),
    (Intent.ATTENDING, ["hadir", "datang", "akan hadir"]),
    (Intent.LATE, ["terlambat", "telat"]),
    (Intent.CANCEL, ["batal", "dibatalkan", "tidak jadi", "gak jadi", "ga jadi"]),
    (Intent.VERIFY_NO, ["tidak", "tdk", "no", "n", "tolak", "ga", "gak", "enggak", "nggak", "jangan", "engga",
                        "ngga", "tak", "bukan", "menolak"]),
    (Intent.VERIFY_YES, ["ya", "iya", "y", "yes", "setuju", "boleh", "ok", "oke", "okay", "iyaa", "yaa", "bersedia"]),
]

# What a reply speaks about, when it says: "sudah minum obat" answers the medication, not the
# appointment waiting beside it. Appointment answers (HADIR, TERLAMBAT, BATAL) speak of
# appointments by themselves.
TOPICS: list[tuple[str, list[str]]] = [
    (Kind.MEDICATION, ["obat", "minum", "diminum", "pil", "tablet", "kapsul", "sirup", "puyer", "suntik",
                       "insulin", "salep"]),
    (Kind.APPOINTMENT, ["kontrol", "janji", "periksa", "dokter", "rumah sakit", "rs", "puskesmas", "klinik",
                        "poli", "jadwal"]),
]
APPOINTMENT_INTENTS = {Intent.ATTENDING, Intent.LATE, Intent.CANCEL}

# Opting out or back in changes consent, so it is read only from a short reply without a
# negation: "berhenti" stops reminders, "batuk saya sudah berhenti" (my cough stopped) and
# "jangan berhenti" (don't stop) do not.
CONSENT_MAX_WORDS = 3
NEGATIONS = {"tidak", "tdk", "ga", "gak", "enggak", "nggak", "engga", "ngga", "jangan", "bukan", "tak", "no", "belum"}

# Pairs that cancel each other out: a reply holding both is ambiguous, not either one.
CONFLICTS = [
    {Intent.CONFIRM, Intent.NOT_YET},
    {Intent.VERIFY_YES, Intent.VERIFY_NO},
    {Intent.ATTENDING, Intent.CANCEL},
    {Intent.ATTENDING, Intent.VERIFY_NO},
]


def normalise_text(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, stretched letters shortened,
    and letter-spaced words ("s u d a h", three letters or more) joined up."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text)
    words = re.sub(r"\b[a-z](?: [a-z]\b){2,}", lambda run: run.group().replace(" ", ""), words)
    return re.sub(r"([a-z])\1+", r"\1", words).strip()


def _phrase_tokens(phrases: Iterable[str]) -> list[tuple[str, ...]]:
    return [tuple(normalise_text(p).split()) for p in phrases]


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1))


def _matches(tokens: list[str], phrases: Iterable[str]) -> bool:
    return any(_contains(tokens, phrase) for phrase in _phrase_tokens(phrases) if phrase)


def is_emergency(text: str) -> bool:
    """Checked before anything else, from settings.EMERGENCY_PHRASES."""
    return _matches(normalise_text(text).split(), settings.EMERGENCY_PHRASES)


def classify(text: str) -> Intent:
    """The reply's intent, or FREE_TEXT when it says nothing we act on (or contradicts itself)."""
    if is_emergency(text):
        return Intent.EMERGENCY
    tokens = normalise_text(text).split()
    found = [intent for intent, phrases in KEYWORDS if _matches(tokens, phrases)]
    consent = [intent for intent in found if intent in (Intent.OPT_OUT, Intent.OPT_IN)]
    if consent:
        negated = bool({normalise_text(word) for word in NEGATIONS} & set(tokens))  # "nggak" reads as "ngak"
        if len(tokens) <= CONSENT_MAX_WORDS and not negated and len(consent) == 1:
            return consent[0]
        return Intent.FREE_TEXT  # talks about stopping or starting: a volunteer reads it
    if not found:
        return Intent.FREE_TEXT
    present = set(found)
    if any(pair <= present for pair in CONFLICTS):
        return Intent.FREE_TEXT
    return found[0]


def topic(text: str, intent: str) -> str | None:
    """The kind of reminder the reply speaks about, or None when it names none (or both)."""
    if intent in APPOINTMENT_INTENTS:
        return Kind.APPOINTMENT
    tokens = normalise_text(text).split()
    named = [kind for kind, phrases in TOPICS if _matches(tokens, phrases)]
    return named[0] if len(named) == 1 else None


# The weekly check-in's answer ("how are you this week?"). A word after a negation (with at
# most one softener between: "tidak terlalu baik") means its opposite: "kurang sehat" is not
# well, "tidak sakit" and "tidak ada keluhan" are fine. A complaint followed by a word of relief
# ("nyeri sudah hilang") is fine.
Feeling = CheckIn.Answer
WELLBEING: list[tuple[str, list[str]]] = [
    (Feeling.FINE, ["baik", "baik2", "baek", "baek2", "baik baik", "baikan", "sehat", "sehat2", "membaik", "lebih baik",
                    "mendingan", "enakan", "aman", "alhamdulillah", "alhmdlh", "puji tuhan", "ok", "oke", "okay",
                    "lumayan", "bagus", "segar", "seger", "fit", "enak", "kuat", "stabil", "normal", "sembuh",
                    "walafiat", "terkendali", "mempan", "ngefek", "tahan", "doyan", "mau makan", "nafsu makan",
                    "bisa makan", "bisa jalan", "bisa tidur", "ada tenaga",
                    "tidak apa apa", "ga apa apa", "gak apa apa", "tidak ada apa apa", "ga ada apa apa", "tidak apa2",
                    "ga apa2", "gak apa2", "tidak ada apa2", "ga ada apa2", "gpp", "gapapa", "ga papa", "gak papa",
                    "nggak papa", "ngga papa", "tidak papa",
                    # Javanese and Sundanese
                    "sae", "apik", "waras", "damang", "cageur", "bae"]),
    (Feeling.PROBLEM, ["sakit", "sakitnya", "nyeri", "nyerinya", "mual", "muntah", "sesak", "pusing", "lemas", "lemes",
                       "lemah", "demam", "panas", "batuk", "diare", "mencret", "sembelit", "susah", "sulit", "buruk",
                       "memburuk", "parah", "bengkak", "luka", "berdarah", "gelisah", "sedih", "takut", "cemas",
                       "capek", "cape", "lelah", "letih", "keluhan", "masalah", "ada keluhan", "ada masalah",
                       "kambuh", "drop", "ngedrop", "menurun", "turun", "jelek", "payah", "kurang", "tidak bisa",
                       "tdk bisa", "gak bisa", "ga bisa", "tidak tahan", "tidak nafsu", "gak nafsu", "hilang timbul",
                       "naik turun", "kadang tidak", "setengah", "koma", "kritis", "igd", "ugd", "dirawat", "opname",
                       "rujuk", "dirujuk", "menangis", "nangis", "stres", "stress", "depresi", "bingung", "mengigau",
                       "ngelantur", "ngantuk", "gatal", "kembung", "begah", "mimisan", "keringat dingin", "mules",
                       "migrain", "pegal", "linu", "kesemutan", "sariawan", "kurus", "bab hitam",
                       "lara", "loro", "gerah", "kirang",
                       "meninggal", "wafat", "berpulang", "sudah tiada", "telah tiada", "almarhum", "almarhumah",
                       "mendiang"]),
]
# Words that tell of a death: answered with condolences, never with "get well" or a number to call.
DEATH = ["sudah meninggal", "telah meninggal", "meninggal dunia", "meninggal tadi", "meninggal kemarin", "wafat",
         "berpulang", "sudah tiada", "telah tiada"]
WELLBEING_NEGATIONS = {"tidak", "tdk", "ga", "gak", "gk", "enggak", "nggak", "engga", "ngga", "ndak", "nda", "kurang",
                       "belum", "blm", "belom", "bukan", "tak", "tiada", "mboten", "ora", "teu", "henteu", "kirang"}
# Between a negation and the word it turns: "tidak terlalu baik", "tidak ada yang sakit" (two at most).
SOFTENERS = {"terlalu", "begitu", "gitu", "terus", "sangat", "cukup", "juga", "pernah", "semakin", "makin", "ada",
             "yang", "rasa", "merasa", "kerasa", "terasa", "lagi"}
RELIEF = {"berkurang", "hilang", "reda"}
RELIEF_BETWEEN = {"sudah", "udah", "sdh", "mulai", "agak", "sedikit", "sdikit"}
POSITIVE_EMOJI = set("👍👌😊🙂😀😁💪🙏❤")
# Words that say nothing beyond how the patient is: with only these around a fine answer, there
# is nothing else for a volunteer to read.
PLEASANTRIES = {
    "terima", "kasih", "makasih", "trims", "tq", "thanks", "thank", "you", "bu", "ibu", "pak", "bapak", "mbak", "mas",
    "kak", "dok", "dokter", "sus", "suster", "nak", "saya", "aku", "kami", "kita", "sudah", "udah", "sdh", "masih",
    "juga", "saja", "aja", "ya", "iya", "yaa", "amin", "aamiin", "semoga", "minggu", "ini", "hari", "kabar", "semua",
    "selalu", "sangat", "lebih", "dari", "lalu", "kemarin", "sekarang", "dan", "yang", "nya", "tuhan", "berkat",
    "doa", "insya", "allah", "insyaallah", "sekali", "cukup", "agak", "sedikit", "mulai", "tetap",
    "lagi", "badan", "tubuh", "kondisi", "keadaan", "kabarnya", "kok", "dong", "deh", "sih", "nih", "lho", "loh",
    "kan", "pun", "toh", "ah", "eh", "nah", "hehe", "wkwk", "tadi", "pagi", "siang", "sore", "malam", "jam", "pukul",
    "barusan", "baru", "siap", "sekitar", "sama", "alhamdulillah", "alhmdlh", "puji", "ok", "oke", "okay",
    "terimakasih", "trimakasih", "makasi", "trmksh", "tks", "thx", "banyak", "makan", "mengingatkan", "diingatkan",
    "ingatkan", "pengingat", "info", "sudah2", "obat2",
}


# As the reply's words are compared: normalised like them ("nggak" is "ngak", "aamiin" is "amin").
WELLBEING_NEGATIONS, SOFTENERS, RELIEF, RELIEF_BETWEEN, PLEASANTRIES = (
    {word for phrase in words for word in normalise_text(phrase).split()}
    for words in (WELLBEING_NEGATIONS, SOFTENERS, RELIEF, RELIEF_BETWEEN, PLEASANTRIES)
)


# Words a reply may hold around its answer without saying more: pleasantries, the answers to a
# reminder and what a reminder is about ("alhamdulillah baik, obat sudah diminum").
ANSWER_INTENTS = {Intent.CONFIRM, Intent.NOT_YET, Intent.ATTENDING, Intent.LATE, Intent.CANCEL}
EXPLAINED = PLEASANTRIES | {
    word for intent, phrases in KEYWORDS if intent in ANSWER_INTENTS for phrase in _phrase_tokens(phrases)
    for word in phrase
} | {word for _kind, phrases in TOPICS for phrase in _phrase_tokens(phrases) for word in phrase}


def says_more_than_an_answer(text: str, names: frozenset[str] = frozenset()) -> bool:
    """Whether a reply holds words beyond an answer to a reminder, a pleasantry, a good word or
    a name ("sudah, alhamdulillah sehat" does not; "ibu sudah koma", "sudah, obatnya tinggal
    dua" do): then a person reads it, whatever it answered."""
    return any(not _explained(token, names) and token not in FINE_WORDS for token in normalise_text(text).split())


def _explained(token: str, names: frozenset[str]) -> bool:
    """A word that says nothing beyond the answer: also with -nya ("obatnya"), a number, a name."""
    bare = token[:-3] if token.endswith("nya") and len(token) > 5 else token
    return bare in EXPLAINED or token in names or token.isdigit()


FINE_WORDS = {word for feeling, phrases in WELLBEING if feeling == Feeling.FINE
              for phrase in _phrase_tokens(phrases) if len(phrase) == 1 for word in phrase}


class Wellbeing(NamedTuple):
    """How a check-in answer says the patient is (FINE, PROBLEM, or None when it says neither),
    and whether it says more than that (a question, a request: a volunteer reads it)."""

    feeling: str | None
    says_more: bool


def _wellbeing_phrases() -> list[tuple[tuple[str, ...], str]]:
    """Every phrase with its feeling, longest first: "tidak apa apa" before "tidak"."""
    phrases = [(phrase, feeling) for feeling, words in WELLBEING for phrase in _phrase_tokens(words)]
    return sorted(phrases, key=lambda item: -len(item[0]))


def _clauses(text: str) -> tuple[list[str], list[int]]:
    """The reply's words, and which clause each is in: punctuation ends a clause ("Belum, mual":
    the BELUM does not turn the MUAL)."""
    tokens, clauses = [], []
    for index, clause in enumerate(re.split(r"[,.;:!?\n]+", text or "")):
        words = normalise_text(clause).split()
        tokens += words
        clauses += [index] * len(words)
    return tokens, clauses


def _negation_before(tokens: list[str], i: int, clauses: list[int]) -> int:
    """Where the negation that turns tokens[i] stands, in the same clause: right before it, or
    before one or two softeners ("tidak terlalu baik", "tidak ada yang sakit"); -1 when none does."""
    j = i - 1
    while j >= 0 and i - j <= 3 and clauses[j] == clauses[i]:
        if tokens[j] in WELLBEING_NEGATIONS:
            return j
        if tokens[j] not in SOFTENERS:
            return -1
        j -= 1
    return -1


def _relieved(tokens: list[str], i: int) -> int:
    """How many tokens after a complaint say it eased ("nyeri sudah hilang"), 0 when none do."""
    for j in range(i, min(i + 3, len(tokens))):
        if tokens[j] in RELIEF:
            return 0 if tokens[j + 1 : j + 2] == ["timbul"] else j - i + 1  # "hilang timbul": comes and goes
        if tokens[j] not in RELIEF_BETWEEN:
            return 0
    return 0


def opens_with_an_answer(text: str) -> bool:
    """The reply's first clause is only an answer to a reminder ("Sudah, sakit"): whatever it
    says after, it answers the dose."""
    first = normalise_text(re.split(r"[,.;:!?\n]+", text or "", maxsplit=1)[0]).split()
    return bool(first) and all(_explained(token, frozenset()) for token in first) and classify(
        " ".join(first)) in ANSWER_INTENTS


def speaks_of_death(text: str) -> bool:
    return _matches(normalise_text(text).split(), DEATH)


def wellbeing(text: str, names: frozenset[str] = frozenset()) -> Wellbeing:
    """How a reply to the weekly check-in says the patient is: PROBLEM when anything in it is
    not well (a reply that is fine and not is a person's to read), FINE when it is only well,
    None when it says neither (or holds a negation it does not explain: "sehat? tidak"). Words
    of `names` (the patient's, the caregiver's) say nothing more ("BAIK Sari")."""
    tokens, clauses = _clauses(text)
    phrases = _wellbeing_phrases()
    felt, used = set(), set()
    i = 0
    while i < len(tokens):
        match = next(((phrase, feeling) for phrase, feeling in phrases
                      if tuple(tokens[i : i + len(phrase)]) == phrase), None)
        if match is None:
            i += 1
            continue
        phrase, feeling = match
        span = range(i, i + len(phrase))
        if (negation := _negation_before(tokens, i, clauses)) >= 0:
            feeling = Feeling.PROBLEM if feeling == Feeling.FINE else Feeling.FINE
            used.update(range(negation, i))
        elif feeling == Feeling.PROBLEM and (eased := _relieved(tokens, span.stop)):
            feeling, span = Feeling.FINE, range(i, span.stop + eased)
        felt.add(feeling)
        used.update(span)
        i = span.stop
    unexplained = [token for index, token in enumerate(tokens) if index not in used]
    rest = [token for token in unexplained if not _explained(token, names)]
    if Feeling.PROBLEM in felt:
        return Wellbeing(Feeling.PROBLEM, bool(rest))
    if not tokens and POSITIVE_EMOJI & set(text or ""):
        return Wellbeing(Feeling.FINE, False)
    if not felt or WELLBEING_NEGATIONS & set(unexplained):
        return Wellbeing(None, bool(rest))
    return Wellbeing(Feeling.FINE, bool(rest))
