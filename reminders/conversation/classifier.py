"""What a message from a patient or their family means, read in layers against what PRIMA
asked them last (docs/conversation.md#reading-a-message).

1. Danger and death, in any context and whatever else the message says. Danger is read for
   recall: a false alarm costs a volunteer one call, a missed emergency is harm.
2. Commands about the messages themselves: stop sending, start again.
3. The answer to the question actually pending (consent, this dose, this appointment), read
   with that question's own words and for precision: a dose is confirmed only when the message
   clearly says it was taken and nothing in it says otherwise; consent only by a clear answer.
4. Thanks and acknowledgements, which ask for no answer. Whatever is left is for a volunteer.

The words are tables below, by meaning, that a coordinator can read and extend (docs say how).
The text is normalised first: case, accents, punctuation and emoji, stretched letters
("sesaaak"), reduplication written with 2 ("kejang2"), glued words ("sesaknapas"), "-nya",
and the spellings people type (SPELLINGS: "udh", "blm", "gk", "sampun", "dereng"…). A typo of
a danger word is still danger (rapidfuzz, one letter off).
"""
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from django.conf import settings
from rapidfuzz.distance import Levenshtein

from reminders.models import CheckIn, PatientReply, ReminderSchedule

Intent = PatientReply.Intent
Kind = ReminderSchedule.Kind

# ---------------------------------------------------------------------------------------------
# The spellings people type, by the word they mean. Every word of every table below is written
# in its standard form; a message's words are turned into it first.
SPELLINGS: dict[str, list[str]] = {
    "sudah": ["tos", "ud", "alah", "nunga", "already", "sudha", "sduah", "suadh", "udah", "udh", "sdh", "sdah", "sudh",
              "suda", "uda", "dah", "udeh", "sampun", "uwis", "wis", "wes", "atos", "parantos", "enggeus", "geus",
              "sudahan", "dh", "sampon"],
    "belum": ["alun", "blim", "blm", "blom", "belom", "blum", "blon", "lom", "lum", "dereng", "durung", "drg", "acan",
              "tacan", "urung"],
    "tidak": ["indak", "ndang", "embung", "moal", "engk", "gakk", "gkk", "ngk", "tdk", "gak", "ga", "gk", "nggak",
              "ngga", "nggk", "gx", "g", "enggak", "engga", "ndak", "nda", "kagak", "kaga", "tak", "mboten", "ora",
              "henteu", "teu", "hente", "gag", "kgk", "ngak", "tida", "tdak", "tifak", "ogak"],
    "tolong": ["tlog", "tlg", "tlng", "tulung", "tolongin", "tulungi", "tolonk"],
    "sakit": ["skit", "skt", "sakt", "sakitt", "lara", "loro"],
    "napas": ["angok", "ambegan", "ambegane", "ambekan", "ambekane", "nafas", "nfs", "npas", "nafs", "napass", "nafes",
              "napasna"],
    "bernapas": ["ngambekan", "ngambek", "marhosa", "bernafas", "brnapas", "brnafas", "ambekan"],
    "sesak": ["seseg", "engap", "sasak", "sesek", "ssk", "sesag", "sesk", "bengek", "mengi"],
    "minum": ["minumin", "huinum", "ngunjuk", "ngunjukaken", "minumkan", "ombe", "mnm", "minom", "mimik", "ngombe",
              "nginum", "mium", "minun", "inum"],
    "diminum": ["diinum", "dinum", "diminumin", "taken", "diunjuk", "diminumkan", "diombe", "diminom", "dimnm",
                "dileueut"],
    "obat": ["meds", "medicine", "medication", "pills", "ubek", "ubat", "obatnyo", "obate", "obatipun", "obatna", "obt",
             "obta", "obak", "tamba"],
    "bisa": ["iso", "saged", "tiasa", "biza", "bz", "bs", "bsa", "isa", "bisaa", "bsia"],
    "banget": ["bgd", "bget", "bngtt", "baget", "bangat", "banged", "bangt", "bnget", "beud", "beut", "bingit",
               "buanget", "bgtt", "bgt", "bngt", "bangets", "pisan", "pol", "nemen"],
    "sekali": ["skli", "syekali", "skali", "skl", "sekale", "sanget"],
    "makasih": ["maturnuwun", "mauliate", "matursuwun", "hatur", "mskasih", "telimakacih", "terimaksih", "makasi",
                "maksih", "mksh", "mks", "mkasih", "makaseh", "maacih", "mksih", "maksi", "trims", "trimakasih",
                "terimakasih", "trmksh", "tks", "thx", "thanks", "tq", "tengkyu", "nuhun", "suwun", "sankyu", "thank"],
    "terus": ["trus", "trs", "terusan"],
    "tapi": ["tp", "tpi", "tetapi", "namun", "cuma", "cuman", "tetep", "tapinya"],
    "saya": ["ambo", "awak", "sy", "sya", "aku", "aq", "ak", "gue", "gw", "kula", "abdi", "ane"],
    "yang": ["yng", "yg", "ingkang"],
    "lagi": ["lai", "lg", "lgi", "maneh", "deui"],
    "jangan": ["ulah", "jan", "jgan", "jngan", "jngn", "jnagn", "jgn", "jng", "ojo"],
    "kirim": ["krm", "kirm", "kirimin", "ngirim", "kirimi", "ngirimi"],
    "sekarang": ["skg", "sekrang", "skarang", "skrang", "sekrng", "skrg", "skrng", "skr", "sekarng", "saiki", "ayeuna"],
    "nanti": ["nt", "later", "beko", "nantik", "nnt", "ntar", "nti", "ntr", "entar", "mengko", "engke", "nnti", "ntik",
              "ngke", "mangke"],
    "sebentar": ["bentar", "bntr", "sbntr", "sebntr", "sekedap", "sakedap", "sedelo", "sedhela"],
    "ya": ["olo", "iya", "iy", "yoi", "nggih", "inggih", "enggih", "muhun", "iyo", "yo", "iye", "yes", "y", "yup",
           "yups", "iyah", "yaa", "ea", "heeh", "hooh"],
    "oke": ["okey", "oky", "okee", "oce", "okeh"],
    "mbak": ["mba", "mbk", "mb"],
    "jam": ["jm"],
    "perlu": ["kedah", "prlu"],
    "berat": ["abot", "brt"],
    "ingatkan": ["ingetin", "ngingetin", "ingatin", "ngingatin", "ngingatkan", "ingetkan", "mengingatkan"],
    "diingatkan": ["diingetin", "diingatin", "diingetkan", "dingetin"],
    "meninggalkan": ["ninggalin", "ninggalkan", "ninggali"],
    "sempat": ["sempet", "smpt", "smpet"],
    "hilang": ["ilang", "ilng", "hilng"],
    "keringat": ["keringet", "kringet", "kringat"],
    "tertelan": ["nelan", "keminum", "ketelan", "ketelen", "nelen", "menelan", "telan"],
    "banyak": ["bnyk", "byk"],
    "digerakkan": ["digerakin", "digerakan", "gerakin", "digerakkin"],
    "dikirim": ["dikirimin", "dikirimi", "dikirimkan"],
    "nomor": ["nomer", "nmr"],
    "dapat": ["dapet", "dpt", "dapt"],
    "dikabari": ["dikabarin", "dikabarkan", "kabarin"],
    "dibangunkan": ["dibangunin", "bangunin", "dibangunkn"],
    "berdarah": ["getihen"],
    "hitam": ["item", "ireng"],
    "bab": ["pup", "berak", "eek"],
    "bicara": ["ngomong", "omong", "ngobrol"],
    "keluar": ["keluarkan", "dikeluarkan", "kluar"],
    "boleh": ["blh", "bole", "bleh"],
    "setuju": ["stju", "stuju"],
    "pagi": ["pgi"],
    "malam": ["malem", "mlm"],
    "dengan": ["dgn", "dg", "dng", "dngan"],
    "mau": ["daek", "mo", "pengen", "pingin", "pengin", "ingin", "purun", "hoyong", "kersa", "arep"],
    "cepat": ["cpt", "cepet", "cpet", "gancang", "enggal", "cepetan", "buruan"],
    "datang": ["teko", "dugi", "dongkap", "dteng", "dtg", "dateng", "dtang", "rawuh", "sumping", "teka"],
    "hadir": ["hdr"],
    "terlambat": ["late", "telat", "tlt", "telad", "tlat", "kesiangan", "lambat"],
    "batal": ["btl", "cancel", "cansel"],
    "bapak": ["dad", "father", "grandpa", "bpk", "bapa", "pak", "bpak", "papa", "papah", "ayah", "abah", "abi", "pakde",
              "bapake", "bapakne"],
    "ibu": ["mom", "mum", "mother", "grandma", "ibuk", "bu", "mama", "mamah", "mamak", "emak", "mak", "bunda", "umi",
            "ummi", "ambu", "mbok", "bude", "ibune", "ibuke", "mah"],
    "jatuh": ["fell", "jatoh", "jth", "jato", "tibo", "labuh", "jatuhh", "terjatuh", "jatuhnya", "ragrag", "kepleset",
              "terpeleset", "kepeleset", "tergelincir", "ambruk", "rubuh", "roboh", "tumbang"],
    "pingsan": ["kapiuhan", "semaput", "kapidara", "pingsang", "pinsan", "pingsn", "klenger", "kelenger"],
    "kejang": ["seizure", "seizures", "kjg", "kejeng", "stip", "step", "sawan", "kejet", "kejer"],
    "darah": ["drh", "getih", "getihe", "darahnya"],
    "batuk": ["btk", "watuk", "batukbatuk"],
    "muntah": ["mntah", "muntah2", "utah", "mutah", "munted", "muntahin"],
    "meninggal": ["monding", "maningga", "mninggal", "meninggl", "meningal", "ninggal", "mninggl", "menigal",
                  "meninggalnya"],
    "tidur": ["tdur", "tdr", "bobo", "bobok", "turu"],
    "makan": ["mkn", "maem", "mam", "madang", "dahar", "neda"],
    "lupa": ["lali", "poho", "klupaan", "kelupaan", "lupaa"],
    "habis": ["abiz", "hbis", "abes", "abis", "hbs", "entek", "seep", "beak"],
    "tahu": ["mngerti", "ngrti", "mengerti", "tau", "taw", "ngerti", "ngertos", "ngarti", "paham", "mudeng"],
    "apa": ["ap", "opo", "naon"],
    "gimana": ["bgmn", "bgmana", "gmana", "gimn", "gmn", "gmna", "gimna", "bagaimana", "kepriye", "piye", "kumaha",
               "pripun"],
    "kenapa": ["knpa", "kenape", "knp", "knapa", "ngapa", "kenopo", "ngapain", "naha"],
    "kapan": ["kpan", "kpn", "kapn", "iraha"],
    "tadi": ["td", "tdi", "wau"],
    "barusan": ["brsn", "barusn", "brusan", "nembe"],
    "sama": ["sm", "ama", "kalih"],
    "pesan": ["messages", "message", "messaging", "psn", "pesannya", "sms", "chat", "whatsapp", "watsap", "wasap"],
    "pengingat": ["reminders", "pengingatnya", "reminder", "remainder", "pengingat2", "notif", "notifikasi",
                  "peringatan"],
    "sadar": ["nyadar", "sadr", "sdar", "eling", "sadarkan"],
    "bangun": ["bgun", "bngun", "bangon", "tangi", "hudang", "gugah"],
    "berhenti": ["stopped", "unreg", "berhentiin", "stopin", "stopkan", "brhenti", "berenti", "brenti", "henti", "stop",
                 "stopp", "setop", "berhentikan", "hentikan", "dihentikan", "diberhentikan", "unsubscribe", "unsub",
                 "mandek", "eureun"],
    "mulai": ["aktifin", "resume", "start", "mulai2", "aktifkan", "diaktifkan", "lanjutkan", "dilanjutkan", "lanjut"],
    "susah": ["maol", "ssh", "susa", "sulit", "angel", "hese"],
    "lemas": ["lemes", "lms", "lemah", "loyo", "lungse"],
    "selesai": ["beres", "done", "rampung", "slesai", "kelar", "tuntas"],
    "dokter": ["dok", "dokternya"],
    "rumah sakit": ["rs", "rsud", "rsup"],
}
# Several words typed as one (or one typed as several): replaced before anything else is read.
PHRASE_SPELLINGS: dict[str, str] = {
    "teu acan": "belum", "tidak acan": "belum", "matur nuwun": "makasih", "matur suwun": "makasih",
    "hatur nuhun": "makasih", "terima kasih": "makasih", "trima kasih": "makasih", "terima kasi": "makasih",
    "thank you": "makasih", "wa alaikum": "waalaikum", "wa": "pesan", "tak ombe": "saya minum", "not yet": "belum",
    "ndang dope": "belum", "ndang olo": "tidak mau", "passed away": "meninggal", "already took": "sudah minum",
    "already taken": "sudah diminum", "not breathing": "tidak bernapas", "cant breathe": "tidak bisa napas",
    "can t breathe": "tidak bisa napas", "cannot breathe": "tidak bisa napas", "is unconscious": "tidak sadar",
    "unconscious": "tidak sadar", "stop sending": "berhenti kirim", "stop messaging": "berhenti kirim pesan",
    "will be there": "datang", "resume the reminders": "mulai lagi", "be there": "datang", "a bit late": "terlambat",
    "chest pain": "nyeri dada", "kenapa tidak": "boleh", "ro do ahu": "saya datang", "habis sholat": "setelah sholat",
    "abis sholat": "setelah sholat", "abis mandi": "setelah mandi", "habis salat": "setelah sholat",
    "habis mandi": "setelah mandi", "habis sarapan": "setelah makan", "abis sarapan": "setelah makan",
    "setelah sarapan": "setelah makan", "sesudah sarapan": "setelah makan", "habis makan": "setelah makan",
    "abis makan": "setelah makan", "sehabis makan": "setelah makan", "sesudah makan": "setelah makan",
    "makan obat": "minum obat", "gabisa": "tidak bisa", "gbs": "tidak bisa", "gk bs": "tidak bisa",
    "gapapa": "tidak apa apa", "gpp": "tidak apa apa", "ga papa": "tidak apa apa", "gakpapa": "tidak apa apa",
    "gapap": "tidak apa apa", "gaada": "tidak ada", "gada": "tidak ada", "gda": "tidak ada", "gakuat": "tidak kuat",
    "gakwad": "tidak kuat", "gakusah": "tidak usah", "gausah": "tidak usah", "gausa": "tidak usah",
    "gamau": "tidak mau", "gmau": "tidak mau", "gatau": "tidak tahu", "gtau": "tidak tahu", "gtw": "tidak tahu",
    "yaudh": "ya sudah", "yaudah": "ya sudah", "yowes": "ya sudah", "yawis": "ya sudah", "otw": "dalam perjalanan",
    "on the way": "dalam perjalanan", "tidak sadarkan diri": "tidak sadar", "ngos ngosan": "sesak",
    "megap megap": "sesak", "tersengal sengal": "sesak", "insya allah": "insyaallah", "insha allah": "insyaallah",
    "inshaallah": "insyaallah", "insyallah": "insyaallah", "in sya allah": "insyaallah", "inna lillahi": "inalilahi",
    "ina lilahi": "inalilahi", "innalilahi": "inalilahi",
}

# ---------------------------------------------------------------------------------------------
# 1. Danger: any of these, in any context, takes the emergency path. A phrase right after a
# negation ("sudah tidak sesak lagi") is not danger, unless the phrase is a negation itself
# ("tidak sadar"). SAFE phrases are everyday words that only look like danger.
DANGER: dict[str, list[str]] = {
    "breathing": ["sesak", "tidak bisa napas", "tidak napas", "tidak bernapas", "tidak bisa bernapas", "susah napas",
                  "susah bernapas", "napas berat", "berat napas", "napas pendek", "napas putus", "napas berhenti",
                  "berhenti napas", "napas satu satu", "napas tinggal", "napas cepat", "napas bunyi", "tersengal",
                  "tercekik", "tersedak", "kehabisan napas", "sukar napas", "napas tersendat", "napas megap",
                  "tidak ada napas", "napas tidak ada", "napas lemah", "napas pelan", "napas sakit", "sakit napas",
                  "napas tidak teratur", "bibir biru", "ngorok terus", "membiru", "kebiruan", "biru biru", "ngap",
                  "ngap ngapan", "megap"],
    "consciousness": ["tidak sadar", "belum sadar", "kurang sadar", "hilang kesadaran", "kesadaran menurun",
                      "penurunan kesadaran", "pingsan", "koma", "tidak bangun", "tidak bisa bangun",
                      "belum bangun bangun", "tidak bisa dibangunkan", "susah dibangunkan", "tidak respon",
                      "tidak merespon", "tidak ada respon", "tidak bergerak", "tidak berdaya", "lemas sekali",
                      "lemas banget", "tidak nyambung", "mengigau terus", "mata terbalik", "mata mendelik",
                      "tidak bisa bicara", "tidak bisa ngomong", "pelo", "mulut mencong", "mencong", "lumpuh",
                      "mati rasa", "stroke", "tidak mau bangun", "tidak bisa diajak bicara", "kritis", "sekarat",
                      "tidak bisa gerak", "tidak bisa gerakin", "tidak bisa digerakkan", "tidak bisa menggerakkan",
                      "lumpuh sebelah", "separuh badan", "badan sebelah", "tidak sadar diri"],
    "seizure": ["kejang", "kaku kaku", "kaku semua", "badan kaku"],
    "bleeding": ["darah", "berdarah", "pendarahan", "perdarahan", "mimisan", "bab hitam", "pup hitam", "berak hitam"],
    "chest": ["nyeri dada", "sakit dada", "dada sakit", "dada nyeri", "dada sesak", "dada berat", "dada panas",
              "dada tertekan", "dada ditekan", "dada perih", "dada terasa sakit", "dada terasa berat",
              "serangan jantung", "jantung sakit", "sakit jantung kambuh", "jantung berdebar"],
    "fall": ["jatuh"],
    "pain": ["sakit sekali", "sakit banget", "sakit parah", "sakit hebat", "sangat sakit", "sakit sangat",
             "sakit luar biasa", "sakit tidak tertahankan", "tidak tahan sakit", "tidak kuat sakit", "kesakitan",
             "menjerit", "merintih", "meraung", "teriak teriak", "nyeri hebat", "tidak ketulungan", "nyeri luar biasa",
             "tidak mempan", "nyeri sekali", "nyeri banget", "nyeri parah", "tidak tahan nyeri",
             "nyeri tidak tertahankan", "sakit tidak tahan", "demam tinggi", "panas tinggi", "muntah terus",
             "muntah muntah"],
    "help": ["tolong", "darurat", "gawat", "emergency", "help", "ambulans", "ambulan", "ambulance", "igd", "ugd",
             "segera datang", "cepat datang", "cepat kesini", "tolong kesini", "bunuh diri", "mau mati", "mati saja",
             "ingin mati", "overdosis", "keracunan", "salah minum obat", "salah obat", "kebanyakan minum obat",
             "kebanyakan obat", "obat kebanyakan", "satu strip", "sudah tidak kuat", "mengakhiri", "akhiri hidup",
             "tidak ada gunanya", "putus asa", "biar selesai", "biar mati", "supaya mati", "biar cepat selesai",
             "nyusul suami", "menyusul suami", "nyusul istri", "nyusul almarhum", "nyusul almarhumah", "tidak nyaut",
             "tidak nyahut", "tidak menyahut", "melotot", "tidak bisa digerakkan", "gantung diri", "tidak mau hidup",
             "capek hidup", "lelah hidup", "bosan hidup", "buat apa hidup", "akan mati", "lebih baik meninggal",
             "mending meninggal", "mohon bantuan", "kebanyakan minum", "obat dobel", "minum dobel", "tertelan dobel",
             "dobel minum", "tertelan obat", "lebih baik mati", "lebih baik saya mati", "mending mati",
             "mending saya mati", "sos", "sebotol", "satu botol", "1 botol", "1 strip", "obat banyak",
             "keringat dingin", "tidak kuat lagi", "bahaya", "panik", "butuh bantuan", "minta bantuan"],
}
# Everyday words that only look like danger: a danger phrase inside one of these is not one.
SAFE = ["tekanan darah", "gula darah", "cek darah", "tes darah", "periksa darah", "darah tinggi", "darah rendah",
        "tambah darah", "ambil darah", "hasil darah", "transfusi darah", "golongan darah", "kurang darah",
        "penambah darah", "cuci darah", "obat jatuh", "pil jatuh", "hp jatuh", "jatuh tempo", "jatuh tanggal",
        "jatuh hari", "jatuh pada", "jatuh cinta", "obat jantung", "obat darah", "obat stroke", "obat sesak",
        "obat kejang"]
# "tolong" also means "please": followed by one of these it asks for something ordinary.
PLEASE_VERBS = ["kirim", "dikirim", "berhenti", "jangan", "ganti", "diganti", "ubah", "diubah", "info", "infokan",
                "kabari", "kabarkan", "jelaskan", "dijelaskan", "cek", "dicek", "ingatkan", "diingatkan", "sampaikan",
                "disampaikan", "catat", "dicatat", "jadwal", "jadwalkan", "dijadwalkan", "atur", "diatur", "pindah",
                "dipindah", "hapus", "dihapus", "tanya", "tanyakan", "balas", "dibalas", "konfirmasi", "simpan",
                "bacakan", "beli", "belikan", "antar", "ambilkan", "resepkan", "mulai", "daftar", "daftarkan",
                "dikabari", "telpon", "telepon", "hubungi", "ditelepon", "ditelpon", "dihubungi", "perpanjang",
                "tambah", "tambahkan", "ulang", "diulang", "terus", "sekalian", "siapkan", "disiapkan", "resep",
                "obat", "pengingat", "pesan", "nomor", "carikan", "minta", "buatkan", "mulai"]
# Breathing, chest and blood words with trouble near them (within NEAR_WORDS words, either side).
NEAR: list[tuple[list[str], list[str]]] = [
    (["panas", "demam"], ["banget", "sekali", "tinggi", "sangat", "39", "40", "41"]),
    (["sakit", "nyeri", "perih", "kesakitan"], ["hebat", "parah", "banget", "sekali", "sangat", "amat"]),
    (["bibir", "kuku", "muka", "wajah"], ["biru", "membiru", "kebiruan", "ungu"]),
    (["napas", "bernapas"], ["tidak", "susah", "berat", "pendek", "putus", "berhenti", "sesak", "cepat", "bunyi",
                             "ngik", "sakit", "megap", "satu", "kurang", "lemah", "jarang", "tersendat", "tersengal",
                             "tinggal", "hilang", "sengal", "sukar", "engap"]),
    (["dada"], ["sakit", "sesak", "berat", "panas", "tertekan", "ditekan", "perih", "tertindih", "nyeri", "ngilu"]),
]
NEAR_WORDS = 3
# Words a negation may stand before a danger word across: "tidak ada sesak", "tidak lagi kejang".
BETWEEN_NEGATION = {"ada", "lagi", "pernah", "terlalu", "begitu", "sampai", "yang", "terasa", "merasa", "kok"}
# A word of relief after a danger word, or anywhere beside breathing words: "sesaknya sudah
# hilang", "napasnya sudah lega" are no alarm.
# A death told as years past is news, not today's ("suami saya meninggal 2 tahun lalu"); a month
# ago may well be the patient, told late ("ibu sudah meninggal bulan lalu").
LONG_AGO = ["tahun lalu", "tahun yang lalu", "sudah lama", "tahun silam"]
# Whose death, said with "saya", is the writer's loss, not the patient's ("anak saya", "suami saya").
KIN = {"anak", "suami", "istri", "cucu", "adik", "kakak", "menantu", "keponakan"}
# Others than the patient: a death or a fall told of them is not the patient's ("tetangga meninggal").
OTHERS = {"tetangga", "teman", "kawan", "saudara", "sepupu", "keponakan", "kenalan", "temen", "tetanga", "bos",
          "keluarga", "melayat", "layat", "takziah"}
DANGER_RELIEF = ["reda", "berkurang", "sembuh", "lega", "enak", "lancar", "normal", "membaik", "baikan", "hilang",
                 "mendingan", "longgar", "plong"]

# ---------------------------------------------------------------------------------------------
# Death, told in the words families use. A death word after a hedge ("hampir meninggal",
# "takut mati") is danger, not a death; after a negation ("belum meninggal") it is neither.
DEATH = ["meninggal", "meninggal dunia", "wafat", "berpulang", "telah tiada", "sudah tiada", "inalilahi", "tutup usia",
         "dipanggil tuhan", "dipanggil allah", "dipanggil yang maha kuasa", "kembali ke pangkuan", "napas terakhir",
         "dimakamkan", "pemakaman", "jenazah", "dikubur", "dikebumikan", "sedo", "seda", "pejah", "maot", "pupus",
         "tilar donya", "kapundut", "kapundhut", "meninggalkan kita", "meninggalkan kami", "rip", "tidak tertolong",
         "rahmatullah", "husnul khotimah", "tidak bernyawa", "dipanggil yang kuasa", "istirahat dengan tenang",
         "beristirahat dengan tenang", "sisi allah", "sisi tuhan", "pangkuan allah", "pangkuan tuhan", "tenang di sana",
         "sudah almarhum", "sudah almarhumah", "pergi meninggalkan"]
# Said of a person (a family word or the patient's name before it) and ending the clause:
# "bapak sudah tidak ada", "ibu sudah pergi"; not "obatnya sudah tidak ada", "sudah tidak ada keluhan".
DEATH_OF_A_PERSON = ["sudah tidak ada", "telah tidak ada", "sudah pergi", "telah pergi", "sudah mati", "mati",
                     "sudah meninggalkan", "pergi selamanya"]
PERSONS = {"amang", "inang", "opung", "amak", "apak", "kakung", "putri", "uti", "engkong", "ibu", "bapak", "suami",
           "istri", "nenek", "kakek", "mbah", "oma", "opa", "eyang", "beliau", "pasien", "mertua", "kakak", "adik",
           "anak", "om", "tante", "uti", "akung", "uyut", "nini", "aki", "engkong", "ema", "dia", "orangnya"}
# Words after "pergi" or "tidak ada" that still end a death's clause: when it happened.
WHEN_WORDS = {"tadi", "malam", "pagi", "siang", "sore", "subuh", "kemarin", "semalam", "dini", "hari", "jam", "pukul",
              "barusan", "sekitar", "ini", "pada", "sekali", "lalu", "minggu", "dengan", "tenang", "ya", "bu", "ibu",
              "bapak", "kak", "dok", "sus", "semua", "kami", "kita", "saya", "selamanya", "untuk"}
# Things that stop or run out, not people: "hp ibu mati", "obatnya sudah tidak ada".
OBJECTS = {"hp", "hape", "handphone", "ponsel", "lampu", "listrik", "sinyal", "pulsa", "kuota", "obat", "stok",
           "baterai", "batre", "motor", "mobil", "tv", "air", "kulkas", "kipas", "pesan", "nomor", "jaringan",
           "internet", "wifi", "uang", "resep", "pil", "tablet"}
HEDGES = {"siap", "baik", "mending", "hampir", "nyaris", "mau", "akan", "takut", "seperti", "kayak", "kaya", "rasanya",
          "rasa", "ingin", "bisa", "khawatir", "kuatir", "jangan", "sebelum", "kalau", "jika", "seandainya", "hampir2"}

# ---------------------------------------------------------------------------------------------
# 2. Commands about the messages themselves. Stop is read for recall among messages that speak
# of the messages (a stop word with a message word, or a stop word with nothing but politeness
# around it); a stop word after a negation ("jangan berhenti") is not one.
STOP = ["berhenti", "hapus", "dihapus", "keluar", "blokir", "matikan", "nonaktifkan", "terganggu", "spam"]
DO_NOT = ["jangan", "tidak usah", "tidak perlu", "tidak mau", "tidak ingin", "tidak butuh", "tidak mau lagi",
          "tidak perlu lagi", "tidak usah lagi", "sudah tidak perlu", "sudah tidak mau", "tidak mau terima",
          "tidak mau menerima", "tidak mau dapat"]
MESSAGES = ["pesan", "kirim", "dikirim", "dikirimi", "mengirim", "terima", "menerima", "pengingat", "ingatkan",
            "diingatkan", "mengingatkan", "hubungi", "dihubungi", "menghubungi", "layanan", "langganan",
            "berlangganan", "nomor ini", "nomor saya", "daftar", "program", "prima", "japri"]
START = ["mulai lagi", "aktif lagi", "kirim lagi", "ingatkan lagi", "diingatkan lagi", "ikut lagi", "daftar lagi",
         "gabung lagi", "kirimi lagi", "mulai kembali", "aktifkan lagi", "kirim pengingat lagi", "kirim pesan lagi",
         "dapat pengingat lagi", "ikut pengingat lagi", "dapat pengingat", "mau menerima lagi", "mau terima lagi",
         "lanjut lagi", "dikirim lagi", "dikirimi lagi"]
NEGATIONS = {"tidak", "bukan", "jangan", "belum"}

# ---------------------------------------------------------------------------------------------
# 3. Answers to the question pending. A clause answers only when each of its words is an answer
# word, a word of what was asked, or a word that says nothing more (FILLER, names, numbers).
TAKEN = ["sudah masuk", "sudah", "selesai", "telah", "sudah diminum", "diminum", "sudah minum", "barusan minum",
         "baru minum", "tadi minum", "baru saja minum", "sudah disuntik", "sudah dipakai", "sudah dioles"]
# Said beside a "sudah", these deny or doubt that this dose was taken: nobody records it as taken.
NOT_TAKEN = ["tidak diminum", "tidak minum", "tidak mau", "menolak", "dimuntahkan", "dimuntahin", "muntahkan",
             "setengah", "separuh", "belum semua", "tidak habis", "kemarin", "dibuang", "obat jatuh", "obat hilang"]
NOT_YET = ["belum", "nanti", "sebentar", "sebentar lagi", "lupa", "belum sempat", "tunggu", "menunggu", "mau minum",
           "baru mau", "akan minum", "akan diminum", "nanti diminum", "setelah makan dulu", "makan dulu",
           "tidak sempat"]
MEDICATION = ["minum", "diminum", "obat", "obatnya", "pil", "tablet", "kapsul", "sirup", "puyer", "suntik", "disuntik",
              "insulin", "salep", "oles", "dioles", "tetes", "morfin", "pakai", "dipakai", "dosis", "semprot",
              "inhaler", "plester", "koyo", "ditelan", "ditelan semua"]
ATTENDING = ["hadir", "datang", "akan datang", "akan hadir", "insyaallah datang", "bisa datang", "bisa hadir",
             "dalam perjalanan", "berangkat", "sudah sampai", "sudah di rumah sakit", "sudah di puskesmas",
             "sudah di klinik", "sudah di poli", "meluncur", "siap datang", "insyaallah hadir"]
LATE = ["terlambat", "agak siang", "agak telat", "sedikit terlambat", "lebih siang", "agak lambat", "macet"]
CANCEL = ["batal", "dibatalkan", "tidak jadi", "tidak bisa datang", "tidak bisa hadir", "tidak datang", "tidak hadir",
          "belum bisa datang", "belum bisa hadir", "berhalangan", "absen", "diundur", "berhalangan hadir",
          "berhalangan datang", "mundur", "ganti jadwal", "ganti hari", "pindah jadwal", "jadwal ulang",
          "tidak bisa kontrol", "tidak kontrol", "tidak bisa ke", "tidak bisa"]
APPOINTMENT = ["kontrol", "janji", "periksa", "dokter", "rumah sakit", "puskesmas", "klinik", "poli", "jadwal",
               "besok", "rs"]
# A bare yes or no, read as the answer to whatever was asked (consent; an appointment).
YES = ["ya", "setuju", "bersedia", "boleh", "mau", "oke", "ok", "okay", "sip", "siap", "silakan", "silahkan",
       "tentu", "baik", "bisa", "insyaallah", "yes", "pasti", "sangat setuju", "dengan senang hati", "monggo",
       "mangga", "mau diingatkan", "mau ikut", "ikut", "tidak apa apa", "tidak masalah", "tidak keberatan"]
NO = ["tidak", "tolak", "menolak", "no", "n", "jangan", "tidak mau", "tidak usah", "tidak perlu", "tidak bersedia",
      "tidak setuju", "tidak ingin", "tidak terima", "emoh", "ogah", "wegah", "alim"]
# Words that say nothing beyond an answer: politeness, pronouns, family words, when.
FILLER = {
    "her", "his", "my", "the", "for", "and", "just", "it", "already", "today", "this", "morning", "tonight", "makasih",
    "alhamdulillah", "puji", "tuhan", "amin", "aamiin", "insyaallah", "semoga", "ok", "oke", "okay", "sip", "saya",
    "kami", "kita", "dia", "beliau", "ibu", "bapak", "mbak", "mas", "kak", "dok", "dokter", "sus", "suster", "min",
    "admin", "nak", "nek", "kek", "mbah", "oma", "opa", "suami", "istri", "adik", "dek", "nenek", "kakek", "kok",
    "dong", "deh", "sih", "nih", "lho", "loh", "kan", "pun", "toh", "ah", "eh", "nah", "yah", "aja", "saja",
    "juga", "ya", "yaa", "hehe", "wkwk", "tadi", "pagi", "siang", "sore", "malam", "jam", "pukul", "barusan", "baru",
    "ini", "itu", "hari", "sekarang", "semua", "semuanya", "lengkap", "sesuai", "aturan", "resep", "setelah", "sebelum",
    "makan", "sarapan", "dengan", "sama", "yang", "kali", "x", "butir", "biji", "sendok", "sdm", "ml", "tepat", "rutin",
    "teratur", "pas", "sekitar", "tablet", "selamat", "assalamualaikum", "salam", "waalaikumsalam", "walaikumsalam",
    "wa", "alaikum", "untuk", "buat", "ibuku", "bapakku", "sudah", "sayang", "banyak", "mah", "dari", "ke", "kepada",
    "e", "sholat", "salat", "subuh", "zuhur", "dzuhur", "ashar", "maghrib", "magrib", "isya", "mandi", "azan", "adzan",
    "teh", "atuh", "mawon", "kang", "teteh", "ceu", "mbok", "le", "nduk", "gan", "om", "tante",
}
# A meal is filler only around taking the medicine ("sudah minum setelah makan"), not alone
# ("sudah makan" tells of a meal, not a dose): see _taken.
MEALS = {"makan", "sarapan", "bubur", "nasi", "roti"}
QUESTIONS = {"apa", "apakah", "kapan", "berapa", "gimana", "mana", "siapa", "kenapa", "mengapa", "bolehkah",
             "bisakah", "kah", "tanya", "nanya", "maksudnya", "maksud", "darimana", "dimana", "atau"}

# ---------------------------------------------------------------------------------------------
# 4. Thanks and acknowledgements: no answer needed, nothing to do.
THANKS = {"makasih", "ok", "oke", "okay", "sip", "siap", "noted", "amin", "aamiin", "alhamdulillah", "ya", "sama",
          "waalaikumsalam", "walaikumsalam", "mantap", "mantab", "good", "nice", "iya", "wa", "alaikum", "puji",
          "tuhan", "berkah", "semoga", "sehat", "selalu", "infonya", "info", "diingatkan", "mengingatkan",
          "pengingatnya", "banyak", "dikabari", "bantu", "membantu"}
# Forms of address a thanks may carry: "terimakasih dok", "makasih mbak".
HONORIFICS = {"dokter", "suster", "mbak", "mas", "kak", "nak", "min", "admin", "pak", "bu", "ibu", "bapak", "dek",
              "teh", "kang", "ceu", "bang", "om", "tante", "sus", "bidan", "ners", "relawan", "tim", "prima"}
# Emoji: 👍 ✅ right after a medication reminder confirm it (when nothing else contradicts);
# 🙏 and the others only acknowledge. Elsewhere all of them are thanks.
THUMBS = set("👍✅✔☑")
# Emoji that ask for help by themselves.
DANGER_EMOJI = set("🆘🚑")
ACK_EMOJI = set("🙏❤♥😊🙂😀😁💪🤝👏🌹🥰😇🙇👌")


# ---------------------------------------------------------------------------------------------
# Normalising.
def _fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, stretched letters shortened,
    letter-spaced words ("s u d a h", three letters or more) joined up, "kejang2" doubled."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_text = re.sub(r"\b([a-z]{2,})2([a-z]*)\b", r"\1 \1\2", ascii_text)
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text)
    words = re.sub(r"\b[a-z](?: [a-z]\b){2,}", lambda run: run.group().replace(" ", ""), words)
    return re.sub(r"([a-z])\1+", r"\1", words).strip()


@cache
def _spelling_map() -> dict[str, str]:
    return {_fold(variant): _fold(standard) for standard, variants in SPELLINGS.items() for variant in variants
            if _fold(variant) != _fold(standard)}


@cache
def _phrase_spellings() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(rf"\b{re.escape(_fold(typed))}\b"), _fold(standard))
            for typed, standard in sorted(PHRASE_SPELLINGS.items(), key=lambda item: -len(item[0]))]


def _standard_set(words: Iterable[str]) -> frozenset[str]:
    """A table's words as a message's are compared: folded, in their standard spelling."""
    return frozenset(_spelling_map().get(_fold(word), _fold(word)) for word in words)


(FILLER, THANKS, PERSONS, WHEN_WORDS, HEDGES, QUESTIONS, NEGATIONS, BETWEEN_NEGATION, OBJECTS, MEALS, PLEASE_VERBS,
 HONORIFICS, OTHERS, KIN) = (_standard_set(words) for words in (FILLER, THANKS, PERSONS, WHEN_WORDS, HEDGES, QUESTIONS,
                                                           NEGATIONS, BETWEEN_NEGATION, OBJECTS, MEALS, PLEASE_VERBS,
                                                           HONORIFICS, OTHERS, KIN))


def _table_words() -> Iterable[str]:
    phrases = [*PHRASE_SPELLINGS.values(), *SPELLINGS, *SAFE, *PLEASE_VERBS, *DEATH, *DEATH_OF_A_PERSON, *STOP,
               *DO_NOT, *MESSAGES, *START, *TAKEN, *NOT_YET, *MEDICATION, *ATTENDING, *LATE, *CANCEL,
               *APPOINTMENT, *YES, *NO, *DANGER_RELIEF]
    phrases += [phrase for phrases_ in DANGER.values() for phrase in phrases_]
    phrases += [word for anchors, partners in NEAR for word in anchors + partners]
    for phrase in phrases:
        yield from phrase.split()
    yield from (*FILLER, *THANKS, *PERSONS, *WHEN_WORDS, *HEDGES, *QUESTIONS, *NEGATIONS, *BETWEEN_NEGATION)


@cache
def _vocabulary() -> frozenset[str]:
    """Every word the tables know, as typed or standard: words we do not split or correct."""
    return frozenset(_table_words()) | frozenset(_spelling_map())


def _standard(token: str) -> str:
    """One typed word in its standard form: its spelling, "-nya" dropped from a known word."""
    token = _spelling_map().get(token, token)
    if token.endswith("nya") and len(token) > 5:
        for bare in (token[:-3], token[:-2]):  # "obatnya"; "bantuanya", folded from "bantuannya"
            stem = _spelling_map().get(bare, bare)
            if stem in _vocabulary():
                return stem
    return token


# Endings that belong to the word before them: "sudahlah" (never mind) is not "sudah".
PARTICLES = {"lah", "kah", "pun", "nya", "kan", "tah", "toh", "dong", "deh", "sih", "nih", "kok", "mah", "loh", "lho"}


def _split_glued(token: str) -> str:
    """A word typed without its spaces ("sesaknapas", "gkbisa") as known words, or as it is."""
    known = _vocabulary()
    if token in known or len(token) < 5 or token.isdigit():
        return token
    for cut in range(2, len(token) - 2):
        head, tail = token[:cut], token[cut:]
        if len(head) < 3 and _standard(head) != "tidak" or tail in PARTICLES:  # "gkbisa"; not "sudahlah"
            continue
        if head in known and (tail in known or (tail := _split_glued(tail)) != token[cut:]):
            return f"{_standard(head)} {' '.join(_standard(part) for part in tail.split())}"
    return token


def normalise_text(text: str) -> str:
    """The message's words in their standard form, separated by single spaces."""
    folded = _fold(text)
    for pattern, standard in _phrase_spellings():
        folded = pattern.sub(standard, folded)
    words = " ".join(_standard(_split_glued(token)) for token in folded.split() if token != "nya")  # "pup nya item"
    return " ".join(words.split())


# ---------------------------------------------------------------------------------------------
# Matching phrases of standard words.
def _phrase_tokens(phrases: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return _standard_phrase_tokens(tuple(phrases))


@cache
def _standard_phrase_tokens(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(normalise_text(p).split()) for p in phrases)


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1))


def _matches(tokens: list[str], phrases: Iterable[str]) -> bool:
    return any(_contains(tokens, phrase) for phrase in _phrase_tokens(phrases) if phrase)


def _spans(tokens: list[str], phrases: Iterable[str]) -> list[range]:
    """Where the phrases stand, longest first, never overlapping."""
    taken: set[int] = set()
    found = []
    for phrase in sorted(set(_phrase_tokens(phrases)), key=len, reverse=True):
        size = len(phrase)
        for i in range(len(tokens) - size + 1):
            span = range(i, i + size)
            if size and tuple(tokens[i : i + size]) == phrase and not taken & set(span):
                taken.update(span)
                found.append(span)
    return sorted(found, key=lambda span: span.start)


def _words(phrases: Iterable[str]) -> frozenset[str]:
    return frozenset(word for phrase in _phrase_tokens(phrases) for word in phrase)


# Words that begin a new clause as punctuation does: "sudah minum tapi masih sesak".
SEPARATORS = {"tapi", "terus", "lalu", "kemudian", "sekarang", "malah", "but", "now"}


class Clause(NamedTuple):
    """A part of the message between punctuation (or "tapi"), and whether it asks something."""

    tokens: list[str]
    question: bool


def clauses(text: str, by_words: bool = True) -> list[Clause]:
    """The message's clauses: between punctuation, and (`by_words`) around SEPARATORS. Danger is
    read on the punctuation's clauses alone ("napas ibu sekarang berat", "muntah terus")."""
    parts = re.split(r"([,.;:!?\n]+)", text or "")
    found = []
    for index in range(0, len(parts), 2):
        after = parts[index + 1] if index + 1 < len(parts) else ""
        words = normalise_text(parts[index]).split()
        joined = " ".join(words)
        asking = joined.replace("apa apa", "").split()  # "tidak apa apa" asks nothing
        tagged = len(words) >= 3 and bool(re.search(r"\w tidak( ya)?$", joined))  # "hadir ga ya", "bisa diundur ga"
        question = "?" in after or bool(QUESTIONS & set(asking)) or "sudah belum" in joined or tagged
        start = 0
        for i, word in enumerate([*words, "tapi"]):
            if word == "tapi" and i == len(words) or by_words and word in SEPARATORS:
                if words[start:i]:
                    found.append(Clause(words[start:i], question))
                start = i + 1
    return found


# ---------------------------------------------------------------------------------------------
# 1. Danger and death.
def _fuzzy_danger(tokens: list[str]) -> list[str]:
    """A word one letter off a long danger word ("pingsn", "kejng") reads as it; so does a long
    word no table knows that holds one whole ("bapakjatuhdikamarmandi")."""
    known, words = _vocabulary(), _danger_words()
    fixed = []
    for token in tokens:
        if token not in known and len(token) >= 6:
            near = [w for w in words if Levenshtein.distance(token, w, score_cutoff=1) <= 1]
            inside = [w for w in _words(GLUED_DANGER) if len(token) >= 9 and w in token]
            token = near[0] if near else inside[0] if inside else token
        fixed.append(token)
    return fixed


# The danger words a typo one letter off still reads as: long and unlike
# everyday words, so "tanggal" never becomes "tinggal".
FUZZY = ["pingsan", "kejang", "bernapas", "berdarah", "pendarahan", "perdarahan", "darurat", "ambulans", "kesakitan",
         "sekarat", "meninggal", "tersedak", "tercekik", "tersengal", "semaput", "kejang kejang"]


# Danger words found inside a long word typed without spaces ("ibusesaknapastolong").
GLUED_DANGER = ["sesak", "kejang", "pingsan", "jatuh", "tolong", "darurat", "berdarah", "meninggal"]


@cache
def _danger_words() -> list[str]:
    return sorted(_words(FUZZY))


def _negated(tokens: list[str], start: int, negations: frozenset[str] = frozenset(NEGATIONS - {"belum"})) -> bool:
    """A negation stands before tokens[start], perhaps across a word or two ("tidak ada sesak");
    "belum sadar" is still danger, so "belum" turns only what `negations` says."""
    j = start - 1
    while j >= 0 and start - j <= 3:
        if tokens[j] in negations:
            return True
        if tokens[j] not in BETWEEN_NEGATION:
            return False
        j -= 1
    return False


def _near_trouble(tokens: list[str]) -> bool:
    """A breathing or chest word with trouble beside it ("napasnya berat", "dada terasa sakit"),
    unless the message speaks of relief ("napas sudah lega")."""
    if set(tokens) & _words(DANGER_RELIEF):
        return False
    for anchors, partners in NEAR:
        for i, token in enumerate(tokens):
            if token not in anchors:
                continue
            window = range(max(0, i - NEAR_WORDS), min(len(tokens), i + NEAR_WORDS + 1))
            for j in window:
                partner = tokens[j]
                if j != i and partner in partners and (partner in NEGATIONS or not _negated(tokens, j)):
                    return True
    return False


def _danger_phrases() -> list[str]:
    return [phrase for phrases in DANGER.values() for phrase in phrases] + list(settings.EMERGENCY_PHRASES)


def in_danger(text: str) -> bool:
    """Any sign of distress, in any clause: read for recall."""
    if set(text or "") & DANGER_EMOJI:
        return True
    for clause in clauses(text, by_words=False):
        tokens = _fuzzy_danger(clause.tokens)
        safe = {i for span in _spans(tokens, SAFE) for i in span}
        please = {i for i, token in enumerate(tokens[:-1]) if token == "tolong" and tokens[i + 1] in PLEASE_VERBS}
        eased = {i for i, token in enumerate(tokens)
                 if token in _words(DANGER_RELIEF) and not _negated(tokens, i, frozenset(NEGATIONS))}
        for span in _spans(tokens, _danger_phrases()):
            if safe & set(span) or span.start in please or eased & set(range(span.stop, span.stop + 3)):
                continue  # "obat jatuh", "tolong kirim jadwal", "sesaknya sudah hilang"
            if tokens[span.start] in NEGATIONS or not _negated(tokens, span.start):
                return True
        if _near_trouble(tokens) or _death_hedged(tokens):
            return True
    return False


def _death_spans(tokens: list[str], names: frozenset[str], by_caregiver: bool = True) -> list[tuple[range, bool]]:
    """Each death phrase in a clause, and whether it stands hedged ("hampir meninggal"). From the
    patient's own phone, "anak saya meninggal" is the writer's loss; from a caregiver's, "suami
    saya sudah meninggal" is the patient."""
    found = []
    for span in _spans(tokens, DEATH):
        found.append((span, _hedged(tokens, span.start)))
    for span in _spans(tokens, DEATH_OF_A_PERSON):
        before = set(tokens[: span.start])
        person = before & (PERSONS | names) and not before & OBJECTS
        rest = tokens[span.stop :]
        if person and all(word in WHEN_WORDS or word.isdigit() for word in rest):
            found.append((span, _hedged(tokens, span.start)))
    others = {i for i, token in enumerate(tokens) if token in OTHERS}  # "tetangga meninggal": not the patient
    long_ago = {span.start for span in _spans(tokens, LONG_AGO)}
    return [(span, hedged or _of_oneself(tokens, span.start)) for span, hedged in found
            if not _negated(tokens, span.start, frozenset(NEGATIONS))
            and not others & set(range(span.start - 2, span.stop + 2))
            and not long_ago & set(range(span.stop, span.stop + 5))
            and not (tokens[span.start] == "pemakaman" and tokens[span.start - 1 : span.start] in (["ke"], ["di"]))
            and (by_caregiver or not _someone_of_the_writer(tokens, span.start))]  # "ke pemakaman": a funeral visited


def _someone_of_the_writer(tokens: list[str], start: int) -> bool:
    """"anak saya meninggal", "suami saya sudah meninggal": the writer's own child or spouse, not
    the patient they care for."""
    before = tokens[max(0, start - 4) : start]
    return any(before[i] in KIN and before[i + 1] in ("saya", "aku") for i in range(len(before) - 1))


def _of_oneself(tokens: list[str], start: int) -> bool:
    """The writer speaks of their own death ("saya sudah siap dipanggil Tuhan"): a danger, not a
    death told; "suami saya sudah meninggal" speaks of the husband."""
    for i in range(max(0, start - 3), start):
        if tokens[i] == "saya" and (i == 0 or tokens[i - 1] not in PERSONS | OTHERS):
            return True
    return False


def _hedged(tokens: list[str], start: int) -> bool:
    return bool(set(tokens[max(0, start - 2) : start]) & HEDGES)


def _death_hedged(tokens: list[str]) -> bool:
    return any(hedged for _span, hedged in _death_spans(tokens, frozenset()))


def speaks_of_death(text: str, names: frozenset[str] = frozenset(), by_caregiver: bool = True) -> bool:
    """Someone tells that the patient died, in the words families use."""
    return any(not hedged for clause in clauses(text, by_words=False)
               for _span, hedged in _death_spans(_fuzzy_danger(clause.tokens), names, by_caregiver))


def urgent_intent(text: str, names: frozenset[str] = frozenset(), by_caregiver: bool = True) -> str | None:
    """Layer 1, the same in every context: DEATH, EMERGENCY, or None."""
    if speaks_of_death(text, names, by_caregiver):
        return Intent.DEATH
    return Intent.EMERGENCY if in_danger(text) else None


# ---------------------------------------------------------------------------------------------
# 2. Commands about the messages.
POLITE = _standard_set({
    "tolong", "mohon", "minta", "mau", "saja", "aja", "dulu", "please", "sudah", "cukup", "ya", "makasih", "deh",
    "dong",
    "sih", "kak", "min", "admin", "bapak", "ibu", "saya", "kami", "lagi", "sekarang", "semua", "sama", "sampai", "di",
    "sini", "dari", "sebelumnya",
})


def _bare(tokens: list[str], words: set[str]) -> bool:
    """Nothing but the command and politeness: "stop", "berhenti saja ya bu", "tolong STOP"; a
    person named before it is its subject, not a greeting ("ibu sudah berhenti")."""
    if not any(token in words for token in tokens) or not all(token in words | POLITE for token in tokens):
        return False
    first = next(i for i, token in enumerate(tokens) if token in words)
    return not set(tokens[:first]) & PERSONS


# Words of when to send: with them, "jangan kirim" asks for another time, not for no messages.
WHEN_TO_SEND = {"jam", "pukul", "pagi", "siang", "sore", "malam", "subuh", "kepagian", "kemalaman", "kemaleman",
                "kesiangan", "hari"}


def _stops(tokens: list[str]) -> bool:
    stop = _words(STOP)
    for i, token in enumerate(tokens):
        if token in stop and not _negated(tokens, i) and (
                _matches(tokens, MESSAGES) or (token == "berhenti" and _bare(tokens, {"berhenti"}))):
            return True
    for span in _spans(tokens, DO_NOT):
        after = tokens[span.stop : span.stop + 3]
        if after[:1] in (["lupa"], ["terlambat"], ["sampai"]) or set(after) & stop:
            continue  # "jangan lupa kirim jadwal", "jangan telat kirimnya", "jangan berhenti kirim"
        if set(tokens) & WHEN_TO_SEND:
            continue  # "jangan kirim jam 6, kepagian": a time to change, for a person
        if _matches(after, MESSAGES):
            return True
    return False


def command(text: str) -> str | None:
    """Layer 2: OPT_OUT, OPT_IN, or None. Starting again: a bare MULAI, or asking to be reminded
    again without a negation (a sender who never stopped is told they still get reminders)."""
    found = clauses(text)
    if any(_stops(clause.tokens) for clause in found):
        return Intent.OPT_OUT
    every = [token for clause in found for token in clause.tokens]
    starts = bare_start(text) or (not set(every) & NEGATIONS and _matches(every, START))
    return Intent.OPT_IN if starts else None


def bare_start(text: str) -> bool:
    """Only MULAI and politeness: answered even when the sender never stopped."""
    return _bare([token for clause in clauses(text) for token in clause.tokens], {"mulai"})


# ---------------------------------------------------------------------------------------------
# 3. Answers to what was asked.
@dataclass(frozen=True)
class Pending:
    """What PRIMA asked the sender and still waits for: the question a message is read against."""

    consent: bool = False
    medication: bool = False
    appointment: bool = False
    by_caregiver: bool = False


NOTHING = Pending()


def _says_nothing_more(token: str, names: frozenset[str]) -> bool:
    return token in FILLER or token in PERSONS or token in HONORIFICS or token in names or token.isdigit()


def _not_yet_spans(tokens: list[str]) -> list[range]:
    """Where the clause says not yet, but where it denies it ("tidak lupa": not forgotten)."""
    return [span for span in _spans(tokens, NOT_YET) if not _negated(tokens, span.start)]


def _stray_negation(tokens: list[str]) -> bool:
    """A negation that turns something other than a not-yet word ("tidak minum", not "ga lupa")."""
    turned = {span.start for span in _spans(tokens, NOT_YET)}
    for i, token in enumerate(tokens):
        if token in NEGATIONS - {"belum"}:
            j = i + 1
            while j < len(tokens) and tokens[j] in BETWEEN_NEGATION:
                j += 1
            if j not in turned:
                return True
    return False


def _taken(clause: Clause, names: frozenset[str]) -> bool:
    """The clause says the medicine was taken, and nothing else: "sdh", "sudah minum obat
    tadi pagi", "obat jam 8 sudah diminum"; not "sudah habis", "sudah bisa makan"."""
    tokens = clause.tokens
    if clause.question or not _matches(tokens, TAKEN) or _stray_negation(tokens) or _not_yet_spans(tokens):
        return False
    medicine = _words(MEDICATION)
    about_medicine = bool(set(tokens) & medicine)
    denied = {i for span in _spans(tokens, NOT_YET) for i in range(span.start - 1, span.stop)}  # "ga lupa"
    for i, token in enumerate(tokens):
        known = (token in medicine or token in _words(TAKEN) or token in MEALS or _says_nothing_more(token, names)
                 or i in denied)
        if known and (token not in MEALS or about_medicine):
            continue
        if i > 0 and tokens[i - 1] == "obat":  # the medicine's own name: "obat morfin", "obat nyeri"
            continue
        return False
    return True


# Words a "later" may carry: "ntar dulu, masih kenyang".
WAITING = {"dulu", "masih", "kenyang", "lapar", "ya", "bentar", "tidur", "pules", "bangun", "dibangunin", "dibangunkan",
           "mandi"}


def _not_yet(clause: Clause, names: frozenset[str]) -> bool:
    """The clause says not yet: BELUM or a forgotten dose when it speaks of the medicine or says
    nothing more ("belum minum, obatnya habis"; not "belum sembuh"); "later" only with nothing
    more ("nanti ya", "nanti saya minum"; not "nanti saya tanyakan")."""
    tokens = clause.tokens
    refused = _matches(tokens, ["tidak mau", "menolak", "tidak minum", "tidak diminum"])
    spans = _not_yet_spans(tokens)
    if clause.question or refused or not spans:
        return False
    if any(tokens[span.start] in ("belum", "lupa") for span in spans) and set(tokens) & _words(MEDICATION):
        return True
    said = {i for span in spans for i in span}
    return all(i in said or token in _words(MEDICATION) or token in MEALS or token in WAITING
               or _says_nothing_more(token, names) for i, token in enumerate(tokens))


def medication_answer(text: str, names: frozenset[str] = frozenset()) -> str | None:
    """CONFIRM when a clause clearly says the medicine was taken and none says it was not;
    NOT_YET when one says not yet and none says taken; None otherwise."""
    found = clauses(text)
    if any(clause.question and (_matches(clause.tokens, TAKEN) or _spans(clause.tokens, NOT_YET)) for clause in found):
        return None  # "sudah belum ya? lupa", "yang kemarin sudah, yang hari ini gimana?": a person answers
    denied = any(_matches(clause.tokens, NOT_TAKEN) for clause in found)
    # "sudah tapi ga diminum", "sudah, tapi dimuntahkan", "sudah, kemarin": never taken; a person asks
    taken = not denied and any(_taken(clause, names) for clause in found)
    not_yet = any(_not_yet(clause, names) for clause in found)
    if taken and not not_yet:
        return Intent.CONFIRM
    if not_yet and not any(_taken(clause, names) for clause in found):
        return Intent.NOT_YET
    return None


def appointment_answer(text: str) -> str | None:
    """ATTENDING, LATE or CANCEL from the appointment's own words; None when none or both."""
    found = set()
    for clause in clauses(text):
        if clause.question:
            continue
        for span in _spans(clause.tokens, ATTENDING + LATE + CANCEL):
            phrase = " ".join(clause.tokens[span.start : span.stop])
            if phrase not in _standard_phrases(CANCEL) and _negated(clause.tokens, span.start):
                continue  # "ga telat kok": not late
            if clause.tokens[span.start - 1 : span.start] == ["maf"] or clause.tokens[span.stop : span.stop + 1] in (
                    ["balas"], ["bales"], ["jawab"]):
                continue  # "maaf telat", "telat balas": a late answer, not a late arrival
            found.add(Intent.CANCEL if phrase in _standard_phrases(CANCEL) else
                      Intent.LATE if phrase in _standard_phrases(LATE) else Intent.ATTENDING)
    if Intent.LATE in found and Intent.CANCEL not in found:
        return Intent.LATE
    return found.pop() if len(found) == 1 else None


def _standard_phrases(phrases: list[str]) -> set[str]:
    return {" ".join(phrase) for phrase in _phrase_tokens(phrases)}


# Words a yes or a no may carry without saying more: "ya saya mau", "tidak usah, terima kasih".
ANSWER_EXTRAS = {"mau", "usah", "perlu", "setuju", "bersedia", "terima", "maaf", "dulu", "saja", "sudah", "ya",
                 "sekali", "diingatkan", "banget", "sangat", "kirim", "dikirim", "silakan"}


def _clear_answer(clause: Clause, names: frozenset[str]) -> str | None:
    """VERIFY_YES or VERIFY_NO when every word of the clause is the answer or politeness."""
    said, used = set(), set()
    for span in _spans(clause.tokens, YES + NO):
        phrase = " ".join(clause.tokens[span.start : span.stop])
        said.add(Intent.VERIFY_NO if phrase in _standard_phrases(NO) else Intent.VERIFY_YES)
        used.update(span)
    rest = [token for i, token in enumerate(clause.tokens) if i not in used]
    if len(said) != 1 or not all(_says_nothing_more(token, names) or token in ANSWER_EXTRAS for token in rest):
        return None
    return said.pop()


def yes_or_no(text: str, names: frozenset[str] = frozenset()) -> str | None:
    """VERIFY_YES or VERIFY_NO for a clear answer: the first clause is one, and any other clause
    is the same answer or a reason that answers nothing ("ga usah, sy udh ada yg ngingetin").
    None for anything else: a question back, both, or more said ("tidak ngerti")."""
    found = clauses(text)
    if not found:
        return Intent.VERIFY_YES if set(text or "") & THUMBS else None
    if any(clause.question for clause in found):
        return None
    answers = [_clear_answer(clause, names) for clause in found]
    if answers[0] is None or any(answer not in (None, answers[0]) for answer in answers):
        return None
    if any(_spans(clause.tokens, YES + NO) for clause, answer in zip(found, answers) if answer is None):
        return None  # another clause speaks of yes or no in words we cannot be sure of
    return answers[0]


def _only_filler(text: str, names: frozenset[str]) -> bool:
    return all(_says_nothing_more(token, names) for token in normalise_text(text).split())


def thanks(text: str, names: frozenset[str] = frozenset()) -> bool:
    """Layer 4: a plain thanks, greeting or acknowledgement, an emoji of one included."""
    tokens = normalise_text(text).split()
    symbols = {ch for ch in text or "" if unicodedata.category(ch) == "So"}
    if symbols - ACK_EMOJI - THUMBS:
        return False  # "😭🙏" is not a thanks
    if not tokens:
        return bool(symbols)
    allowed = THANKS | PERSONS | HONORIFICS | {"juga", "sangat", "sekali", "banget", "atas", "semua", "sudah", "saya",
                                                "kami", "kita", "ya", "banyak", "bantuan", "selama", "ini"}
    return bool(set(tokens) & THANKS) and all(token in allowed or token in names for token in tokens) and not any(
        clause.question for clause in clauses(text))


class Reading(NamedTuple):
    """What a message means against what was asked, and whether it also says the medicine was
    taken (an emergency that confirms the dose too: "sdh minum obat tp masih sesak")."""

    intent: str
    taken: bool = False


def read(text: str, pending: Pending = NOTHING, names: frozenset[str] = frozenset()) -> Reading:
    """The message's meaning, layer by layer (see the module's docstring)."""
    urgent = urgent_intent(text, names, pending.by_caregiver)
    if urgent:
        taken = urgent == Intent.EMERGENCY and medication_answer(text, names) == Intent.CONFIRM
        return Reading(urgent, taken)
    if (order := command(text)) is not None:
        return Reading(order)
    if not (text or "").strip():
        return Reading(Intent.MEDIA)
    if pending.consent:
        return Reading(yes_or_no(text, names) or Intent.FREE_TEXT)
    if answer := _answer(text, pending, names):
        return Reading(answer)
    return Reading(Intent.THANKS if thanks(text, names) else Intent.FREE_TEXT)


def _answer(text: str, pending: Pending, names: frozenset[str]) -> str | None:
    """The answer to a reminder: the appointment's own words, then the medicine's; a bare yes or
    no to an appointment; 👍 or ✅ with nothing else after a medication reminder."""
    appointment = appointment_answer(text)
    if appointment and pending.appointment:
        return appointment
    if medicine := medication_answer(text, names):
        return medicine  # "maaf telat, tadi pagi sudah minum obat" speaks of the medicine
    if appointment:
        return appointment
    if pending.appointment and not pending.medication:
        bare = yes_or_no(text, names)
        plain_ack = set(normalise_text(text).split()) <= {"ok", "oke", "okay", "sip", "makasih"}
        if bare and not plain_ack:
            return Intent.ATTENDING if bare == Intent.VERIFY_YES else Intent.CANCEL
    if pending.medication and set(text or "") & THUMBS and _only_filler(text, names):
        return Intent.CONFIRM
    return None


def classify(text: str, pending: Pending = NOTHING, names: frozenset[str] = frozenset()) -> str:
    """The message's intent (see `read`)."""
    return read(text, pending, names).intent


APPOINTMENT_INTENTS = {Intent.ATTENDING, Intent.LATE, Intent.CANCEL}


def topic(text: str, intent: str) -> str | None:
    """The kind of reminder an answer speaks about: HADIR, TERLAMBAT and BATAL the appointment;
    SUDAH and BELUM the medicine when they name it ("sudah minum obat"), else None (a bare SUDAH
    answers the one kind waiting; with both waiting, the patient is asked which). An appointment
    is never answered by SUDAH: `conversation.route` keeps it from one."""
    if intent in APPOINTMENT_INTENTS:
        return Kind.APPOINTMENT
    if intent in (Intent.CONFIRM, Intent.NOT_YET) and set(normalise_text(text).split()) & _words(MEDICATION):
        return Kind.MEDICATION
    return None



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
EXPLAINED = PLEASANTRIES | FILLER | _words(TAKEN + NOT_YET + MEDICATION + ATTENDING + LATE + CANCEL + APPOINTMENT)


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
