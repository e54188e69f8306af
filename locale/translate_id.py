"""Fill locale/id/LC_MESSAGES/django.po from the table below; run after makemessages:

    DEBUG=1 .venv/bin/python manage.py makemessages -l id --ignore=.venv --ignore=.data --ignore=bench
    .venv/bin/python locale/translate_id.py
    DEBUG=1 .venv/bin/python manage.py compilemessages -l id --ignore=.venv

Keeps the translations in one reviewable place; entries not in the table stay untranslated
(shown in English) and are listed, so a new string is noticed.
"""
import re
import sys
from pathlib import Path

PO = Path(__file__).parent / "id" / "LC_MESSAGES" / "django.po"

INDONESIAN = {
    "Fonnte": "Fonnte",
    "WhatsApp Cloud API (Meta)": "WhatsApp Cloud API (Meta)",
    "gateway": "gateway",
    "phone number ID": "ID nomor telepon",
    "Cloud API only: the number's ID in Meta's WhatsApp Manager.":
        "Khusus Cloud API: ID nomor ini di WhatsApp Manager milik Meta.",
    "Medication reminder": "Pengingat obat",
    "Appointment reminder": "Pengingat janji temu",
    "Consent question": "Pertanyaan persetujuan",
    "Notice": "Pemberitahuan",
    "Other reminder": "Pengingat lain",
    "Alert to staff": "Peringatan untuk staf",
    "Utility": "Utilitas",
    "Marketing": "Pemasaran",
    "Authentication": "Autentikasi",
    "Approved": "Disetujui",
    "Pending review": "Menunggu peninjauan",
    "Rejected": "Ditolak",
    "Disabled": "Dinonaktifkan",
    "purpose": "keperluan",
    "language": "bahasa",
    "category": "kategori",
    "Exactly as in Meta's WhatsApp Manager: lowercase letters, digits and _.":
        "Persis seperti di WhatsApp Manager milik Meta: huruf kecil, angka dan _.",
    "The approved text, with {{1}}, {{2}}… where the values go.":
        "Teks yang disetujui, dengan {{1}}, {{2}}… di tempat nilainya.",
    "values": "nilai",
    'What each {{n}} takes, in order, e.g. ["nama", "waktu", "obat"].':
        'Isi setiap {{n}}, berurutan, mis. ["nama", "waktu", "obat"].',
    "buttons": "tombol",
    'The answer each quick-reply button gives, in order, e.g. ["TAKEN", "NOT_YET"].':
        'Jawaban yang diberikan setiap tombol balas cepat, berurutan, mis. ["TAKEN", "NOT_YET"].',
    "message template": "templat pesan",
    "message templates": "templat pesan",
    "last message from them at": "pesan terakhir darinya pada",
    "Meta's time of their last message.": "Waktu pesan terakhirnya menurut Meta.",
    "customer-service window": "jendela layanan pelanggan",
    "customer-service windows": "jendela layanan pelanggan",
    "gateway message id": "id pesan gateway",
    "%(counter)s message through %(device)s waits for a WhatsApp template:":
        "%(counter)s pesan lewat %(device)s menunggu templat WhatsApp:",
    "Outside a patient's 24-hour window the Cloud API sends only approved templates: register the one approved in Meta's WhatsApp Manager (or correct it) under <a href=\"%(templates)s\">message templates</a>, and they go at once. Nothing is sent as free text meanwhile.":
        "Di luar jendela 24 jam pasien, Cloud API hanya mengirim templat yang disetujui: daftarkan templat yang "
        "disetujui di WhatsApp Manager milik Meta (atau perbaiki) di <a href=\"%(templates)s\">templat pesan</a>, "
        "dan pesan langsung terkirim. Sementara itu tidak ada yang dikirim sebagai teks bebas.",
    "%(counter)s message waits for a WhatsApp template": "%(counter)s pesan menunggu templat WhatsApp",
    "token (Fonnte) or access token (Cloud API)": "token (Fonnte) atau access token (Cloud API)",
    "The device's token from Fonnte's dashboard, or for the Cloud API the system user's access token from Meta's Business Manager. It is never shown again; when editing a device, leave empty to keep the current one.":
        "Token perangkat dari dasbor Fonnte, atau untuk Cloud API access token system user dari Business Manager "
        "Meta. Token tidak pernah ditampilkan lagi; saat mengubah perangkat, kosongkan untuk tetap memakai yang "
        "sekarang.",
    "Meta app secret": "app secret Meta",
    "Cloud API only: the app secret from Meta's app dashboard (App settings > Basic); it checks that webhooks come from Meta. Never shown again; leave empty to keep the current one.":
        "Khusus Cloud API: app secret dari dasbor aplikasi Meta (App settings > Basic); untuk memastikan webhook "
        "benar dari Meta. Tidak pernah ditampilkan lagi; kosongkan untuk tetap memakai yang sekarang.",
    "webhook verify token": "verify token webhook",
    "Cloud API only: a phrase you choose and type into Meta's webhook settings as the verify token. Never shown again; leave empty to keep the current one.":
        "Khusus Cloud API: frasa pilihan Anda yang juga diketik di pengaturan webhook Meta sebagai verify token. "
        "Tidak pernah ditampilkan lagi; kosongkan untuk tetap memakai yang sekarang.",
    "A Cloud API device needs its access token.": "Perangkat Cloud API memerlukan access token-nya.",
    "A Cloud API device needs its Meta app secret.": "Perangkat Cloud API memerlukan app secret Meta-nya.",
    "A Cloud API device needs a webhook verify token.": "Perangkat Cloud API memerlukan verify token webhook.",
    "A Cloud API device needs its phone number ID from Meta.":
        "Perangkat Cloud API memerlukan ID nomor telepon dari Meta.",
    "Only a Cloud API device has a phone number ID.": "Hanya perangkat Cloud API yang memiliki ID nomor telepon.",
    "What each {{n}} takes, in order, from: %(values)s.": "Isi setiap {{n}}, berurutan, dari: %(values)s.",
    "The answer each quick-reply button gives, in order, from: %(answers)s.":
        "Jawaban yang diberikan setiap tombol balas cepat, berurutan, dari: %(answers)s.",
    "Write the name as in Meta's WhatsApp Manager: lowercase letters, digits and _ only.":
        "Tulis nama seperti di WhatsApp Manager milik Meta: hanya huruf kecil, angka dan _.",
    'Write a list of names, e.g. ["nama", "waktu"].': 'Tulis daftar nama, mis. ["nama", "waktu"].',
    "PRIMA does not know %(names)s.": "PRIMA tidak mengenal %(names)s.",
    "PRIMA gives a template three buttons at most.": "PRIMA memberi satu templat paling banyak tiga tombol.",
    "The text has %(found)d placeholder(s) {{1}}…; give one value for each, in order (%(given)d given).":
        "Teks memiliki %(found)d tempat isian {{1}}…; beri satu nilai untuk masing-masing, berurutan "
        "(%(given)d diberikan).",
    "why paused": "alasan dijeda",
    # Handling recorded, pauses with a reason and an end (issue 29)
    "about the pause": "keterangan jeda",
    "Why reminders stopped, in the words of whoever paused them.":
        "Mengapa pengingat berhenti, dengan kata-kata orang yang menjedanya.",
    "paused up to and including": "dijeda sampai dengan",
    "The last day without reminders, in the patient's zone: they resume by themselves the day after. Empty: until a "
    "volunteer resumes them.":
        "Hari terakhir tanpa pengingat, menurut zona waktu pasien: pengingat berjalan lagi dengan sendirinya keesokan "
        "harinya. Kosong: sampai relawan melanjutkannya.",
    "In hospital": "Dirawat di rumah sakit",
    "Away from home": "Sedang bepergian",
    "Treatment stopped or changed by the doctor": "Pengobatan dihentikan atau diubah dokter",
    "The patient or family asked": "Atas permintaan pasien atau keluarga",
    "The patient died": "Pasien meninggal dunia",
    "Other reason": "Alasan lain",
    "Paused until %(date)s": "Dijeda sampai %(date)s",
    "Paused until a volunteer resumes the reminders": "Dijeda sampai relawan melanjutkan pengingat",
    "Why are the reminders paused?": "Mengapa pengingat dijeda?",
    "In a few words (optional)": "Keterangan singkat (boleh kosong)",
    "E.g. which hospital, or what the doctor said.": "Misalnya rumah sakit mana, atau apa kata dokter.",
    "Last day without reminders (optional)": "Hari terakhir tanpa pengingat (boleh kosong)",
    "Reminders start again by themselves the day after, in the patient's zone. Empty: until a volunteer resumes them.":
        "Pengingat berjalan lagi dengan sendirinya keesokan harinya, menurut zona waktu pasien. Kosong: sampai relawan "
        "melanjutkannya.",
    "This day is past already: choose today or a later day, or leave it empty.":
        "Tanggal ini sudah lewat: pilih hari ini atau sesudahnya, atau biarkan kosong.",
    "Say in a few words why.": "Tuliskan alasannya secara singkat.",
    "Change the pause": "Ubah jeda",
    "reminders on": "pengingat berjalan",
    "While paused, no reminder is sent, and none is sent late afterwards.":
        "Selama dijeda, tidak ada pengingat yang dikirim, dan sesudahnya pun tidak ada yang dikirim terlambat.",
    "Reminders paused": "Pengingat dijeda",
    "Reached the patient or family": "Berhasil dihubungi (pasien atau keluarga)",
    "Tried, nobody answered": "Sudah dicoba, tidak ada yang menjawab",
    "Called the patient (outcome not recorded)": "Sudah menelepon pasien (hasilnya tidak dicatat)",
    "outcome": "hasil",
    "closed it": "menutupnya",
    "False for an attempt: the row stayed open.": "Tidak, bila baru dicoba: barisnya tetap terbuka.",
    "by": "oleh",
    "at": "pada",
    "handling": "penanganan",
    "handlings": "penanganan",
    "What happened?": "Apa hasilnya?",
    "Note (optional)": "Catatan (boleh kosong)",
    "note": "catatan",
    "Save": "Simpan",
    "What was done or agreed, for whoever looks next.": "Apa yang dilakukan atau disepakati, untuk yang melihat berikutnya.",
    "%(who)s, %(when)s": "%(who)s, %(when)s",
    "%(row)s: already handled by %(by)s; nothing changed.": "%(row)s: sudah ditangani oleh %(by)s; tidak ada yang diubah.",
    "Recorded for %(count)d patient: %(outcome)s. You can undo it for %(minutes)d minutes.":
        "Dicatat untuk %(count)d pasien: %(outcome)s. Anda bisa membatalkannya selama %(minutes)d menit.",
    "Still open: it stays on Hari ini until someone reaches the patient.":
        "Masih terbuka: tetap ada di Hari ini sampai ada yang berhasil menghubungi pasien.",
    "Undo what I just recorded": "Batalkan yang baru saja saya catat",
    "Undone: %(count)d, back as they were.": "Dibatalkan: %(count)d, kembali seperti semula.",
    "Nothing to undo: only what you recorded in the last %(minutes)d minutes can be undone.":
        "Tidak ada yang bisa dibatalkan: hanya yang Anda catat dalam %(minutes)d menit terakhir.",
    "Undo": "Urungkan",
    "what was done": "yang sudah dilakukan",
    "Tried %(count)d time(s), nobody answered; last at %(when)s":
        "Sudah dicoba %(count)d kali, tidak ada yang menjawab; terakhir pukul %(when)s",
    "Just recorded": "Baru saja dicatat",
    "How did the news come?": "Dari mana kabarnya datang?",
    "WhatsApp or text message from the patient or family": "Pesan WhatsApp atau SMS dari pasien atau keluarga",
    "Death told": "Kabar meninggal dunia",
    "Thanks or acknowledgement": "Terima kasih atau tanda setuju",
    "Voice note or attachment": "Pesan suara atau lampiran",
    "Call %(name)s": "Telepon %(name)s",
    "WhatsApp %(name)s": "WhatsApp %(name)s",
    "(a voice note or an attachment: listen to it or open it in WhatsApp)":
        "(pesan suara atau lampiran: dengarkan atau buka di WhatsApp)",
    "(a voice note or an attachment, through the WhatsApp Cloud API number: nobody can listen to it or open it, "
    "call the patient)":
        "(pesan suara atau lampiran, lewat nomor WhatsApp Cloud API: tidak ada yang bisa mendengarkan atau membukanya, "
        "telepon pasien)",
    "Sent a voice note or an attachment to the Cloud API number: it cannot be listened to; call the patient":
        "Mengirim pesan suara atau lampiran ke nomor Cloud API: tidak bisa didengarkan; telepon pasien",
    "Tapped “taken” on an old reminder (%(dose)s, %(due)s): NOT recorded as taken; ask whether today's dose was taken":
        "Menekan “sudah” pada pengingat lama (%(dose)s, %(due)s): TIDAK dicatat sudah diminum; "
        "tanyakan apakah obat hari ini sudah diminum",
    "Tapped a button on an old reminder (%(dose)s, %(due)s): nothing recorded":
        "Menekan tombol pada pengingat lama (%(dose)s, %(due)s): tidak ada yang dicatat",
    "The family says the patient has died": "Keluarga mengabarkan pasien meninggal dunia",
    "Emergency: the caregiver asked for help": "Darurat: pendamping meminta bantuan",
    "Sent a voice note or an attachment": "Mengirim pesan suara atau lampiran",
    "thanks or acknowledgement; nothing to do": "terima kasih atau tanda setuju; tidak ada yang perlu dilakukan",
    "voice note or attachment; stored for volunteers": "pesan suara atau lampiran; disimpan untuk relawan",
    "reminders paused; %(doses)s open dose(s) cancelled; condolences queued; %(count)s staff notification(s)":
        "pengingat dijeda; %(doses)s dosis terbuka dibatalkan; ucapan duka diantrekan; %(count)s pemberitahuan staf",
    "condolences queued; %(count)s staff notification(s)": "ucapan duka diantrekan; %(count)s pemberitahuan staf",
    "%(count)s staff notification(s)": "%(count)s pemberitahuan staf",
    "answered and told already": "sudah dijawab dan sudah diberitahukan",
    "%(count)d patient(s) were so already: left as they were.":
        "%(count)d pasien memang sudah begitu: dibiarkan seperti semula.",
    "The caregiver's consent cannot be in the future: enter the day they agreed.":
        "Tanggal persetujuan pendamping tidak boleh di masa depan: isi hari ketika ia setuju.",
    "safety reply sent for another patient of this phone; notifying %(told)s":
        "balasan keselamatan sudah dikirim untuk pasien lain dari nomor ini; memberi tahu %(told)s",
    "answer": "jawaban",
    "None: never asked": "Tidak ada: tidak pernah ditanya",
    "next question": "pertanyaan berikutnya",
    "never: no day is set": "tidak ada: hari belum dipilih",
    "once the patient gets messages again (verified, active, not opted out)":
        "setelah pasien menerima pesan lagi (sudah setuju, aktif, tidak berhenti)",
    "Weekly check-in: %(answer)s": "Kabar mingguan: %(answer)s",
    "weekly check-in turned off": "tanya kabar mingguan dimatikan",
    "weekly check-in is past its answer window": "tanya kabar mingguan sudah lewat batas waktu jawabannya",
    "Answered the weekly check-in": "Menjawab pertanyaan kabar mingguan",
    "within a minute": "dalam satu menit",
    "Next weekly check-in question: %(when)s": "Pertanyaan kabar mingguan berikutnya: %(when)s",
    "Unclear: for a volunteer to read": "Tidak jelas: perlu dibaca relawan",
    "Not sent": "Tidak terkirim",
    "asked for": "dijadwalkan pada",
    "The patient's day and time for it.": "Hari dan jam yang dipilih untuk pasien.",
    "weekly check-in: fine; the rest is for volunteers": "tanya kabar mingguan: baik; selebihnya untuk dibaca relawan",
    "weekly check-in: unclear; stored for volunteers": "tanya kabar mingguan: tidak jelas; disimpan untuk relawan",
    "%(dose)s; %(check_in)s": "%(dose)s; %(check_in)s",
    "Waiting": "Menunggu",
    "what they wrote": "yang ditulis",
    "Weekly check-in": "Tanya kabar mingguan",
    "last check-ins": "tanya kabar terakhir",
    "none yet": "belum ada",
    "weekly check-in day": "hari tanya kabar mingguan",
    "Once a week PRIMA asks the patient how they are; empty: never.":
        "Seminggu sekali PRIMA menanyakan kabar pasien; kosong: tidak pernah.",
    "weekly check-in time": "jam tanya kabar mingguan",
    "weekly check-in": "pertanyaan kabar mingguan",
    "answers the weekly check-in": "menjawab tanya kabar mingguan",
    "Weekly check-in: not well": "Tanya kabar mingguan: kurang sehat",
    "what the patient wrote": "yang ditulis pasien",
    "The answer to the weekly check-in.": "Jawaban atas tanya kabar mingguan.",
    "Weekly check-in: “%(text)s”": "Tanya kabar mingguan: “%(text)s”",
    "Fine": "Baik",
    "Not well": "Kurang sehat",
    "No answer": "Tidak dijawab",
    "week of": "minggu mulai",
    "The Monday of the patient's week.": "Hari Senin minggu tersebut, menurut waktu pasien.",
    "answer expected by": "jawaban ditunggu sampai",
    "Empty: waiting for the answer.": "Kosong: menunggu jawaban.",
    "weekly check-ins": "pertanyaan kabar mingguan",
    "Weekly check-in of %(patient)s, week of %(week)s": "Pertanyaan kabar mingguan %(patient)s, minggu mulai %(week)s",
    "weekly check-in: fine": "tanya kabar mingguan: baik",
    "weekly check-in: not well; the volunteer is alerted": "tanya kabar mingguan: kurang sehat; relawan diberi tahu",
    "weekly check-in is %(check_in_answer)s": "tanya kabar mingguan sudah ditutup: %(check_in_answer)s",
    "caregiver answered": "pendamping menjawab",
    "caregiver opted out": "pendamping berhenti",
    "caregiver opted out; %(count)s queued message(s) cancelled":
        "pendamping berhenti; %(count)s pesan dalam antrean dibatalkan",
    "caregiver opted back in": "pendamping aktif kembali",
    "from a caregiver of several patients; asked which":
        "dari pendamping beberapa pasien; ditanya pasien yang mana",
    "device %(device)s disconnected: %(reason)s": "perangkat %(device)s terputus: %(reason)s",
    "moved to another device again before it was sent": "dipindahkan lagi ke perangkat lain sebelum terkirim",
    "%(moved)d patient(s) moved to %(device)s: %(told)d will hear the new number from their old one; %(back)d were "
    "back on the number they know before being told, so they are told nothing; %(there)d were on it already.":
        "%(moved)d pasien dipindahkan ke %(device)s: %(told)d akan diberi tahu nomor baru oleh nomor lamanya; "
        "%(back)d sudah kembali ke nomor yang mereka kenal sebelum diberi tahu, jadi tidak diberi tahu apa pun; "
        "%(there)d sudah memakai perangkat itu.",
    "the number of FONNTE_TOKEN": "nomor utama PRIMA",
    "Only active devices are listed.": "Hanya perangkat aktif yang ditampilkan.",
    "Move to another WhatsApp device (the old number tells the patient)":
        "Pindahkan ke perangkat WhatsApp lain (nomor lama memberi tahu pasien)",
    "Move to another WhatsApp device": "Pindahkan ke perangkat WhatsApp lain",
    "From now on every message to them goes through the new device, also those already waiting. Their old number "
    "sends them, and their caregivers, the new one first.":
        "Mulai sekarang setiap pesan kepada mereka dikirim lewat perangkat baru, juga yang sudah menunggu. Nomor "
        "lama lebih dulu mengirimkan nomor baru kepada mereka dan kepada pendamping mereka.",
    "Fonnte token": "Token Fonnte",
    "The device's token from Fonnte's dashboard. It is never shown again; when editing a device, leave empty to "
    "keep the current one.":
        "Token perangkat dari dasbor Fonnte. Token tidak pernah ditampilkan lagi; saat mengubah perangkat, "
        "kosongkan untuk tetap memakai token yang sekarang.",
    "A new device needs its Fonnte token.": "Perangkat baru memerlukan token Fonnte.",
    "connection": "koneksi",
    "not reported yet": "belum dilaporkan",
    "disconnected": "terputus",
    "number": "nomor",
    "The device's WhatsApp number.": "Nomor WhatsApp perangkat.",
    "label": "nama",
    "New patients are given active devices only.": "Pasien baru hanya diberi perangkat yang aktif.",
    "WhatsApp device": "perangkat WhatsApp",
    "WhatsApp devices": "perangkat WhatsApp",
    "The number the patient hears from; empty: the one set by FONNTE_TOKEN.":
        "Nomor yang mengirim pesan kepada pasien; kosong: nomor utama PRIMA.",
    "Notice of a new number": "Pemberitahuan nomor baru",
    "System health": "Kesehatan sistem",
    "Home": "Beranda",
    "Scheduler": "Penjadwal",
    "The scheduler has never ticked.": "Penjadwal belum pernah berjalan.",
    "Last tick %(seconds)s s ago.": "Putaran terakhir %(seconds)s detik yang lalu.",
    "OK": "Baik",
    "Stale: is send_reminders (or Celery beat) running?": "Terhenti: apakah send_reminders (atau Celery beat) berjalan?",
    "Outbox": "Kotak keluar",
    "Due now": "Jatuh tempo sekarang",
    "Deferred (rate limit, retry, device, later)": "Ditunda (batas laju, coba ulang, perangkat, nanti)",
    "Stuck past their lease (worker stopped, not sent since)":
        "Macet melewati masa sewanya (pekerja berhenti, belum terkirim sejak itu)",
    "Oldest due message late by": "Pesan jatuh tempo tertua terlambat",
    "Sent in the last hour": "Terkirim dalam satu jam terakhir",
    "Failed in the last hour": "Gagal dalam satu jam terakhir",
    "Replies needing attention": "Balasan yang perlu ditangani",
    "Fonnte device": "Perangkat Fonnte",
    "No device reported disconnected.": "Tidak ada perangkat yang terputus.",
    "Webhooks": "Webhook",
    "Failed": "Gagal",
    "Received, not processed yet": "Diterima, belum diproses",
    "Held locks": "Kunci yang dipegang",
    "Key": "Kunci",
    "Holder": "Pemegang",
    "Expires in": "Berakhir dalam",
    "None": "Tidak ada",
    "Busiest rate-limit keys": "Kunci batas laju tersibuk",
    "Recent hits": "Pemakaian terakhir",
    "In use / limit": "Terpakai / batas",
    "No such record among your patients.": "Data ini tidak ada di antara pasien Anda.",
    "Note": "Catatan",
    "How the patient answered, e.g. on a home visit. Saved in the patient's notes.":
        "Bagaimana pasien menjawab, misalnya saat kunjungan rumah. Disimpan di catatan pasien.",
    "opted out": "berhenti",
    "next reminder": "pengingat berikutnya",
    "last reply": "balasan terakhir",
    "7-day compliance": "kepatuhan 7 hari",
    "%(confirmed)s confirmed, %(missed)s missed": "%(confirmed)s dikonfirmasi, %(missed)s terlewat",
    "Send (or resend) the verification question": "Kirim (ulang) pertanyaan verifikasi",
    "Verification question queued for %(sent)d patient(s); %(skipped)d skipped (already verified or declined).":
        "Pertanyaan verifikasi diantrekan untuk %(sent)d pasien; %(skipped)d dilewati (sudah terverifikasi atau "
        "menolak).",
    "%(title)s: %(count)d patient(s).": "%(title)s: %(count)d pasien.",
    "Verify by hand (the patient agreed in person)": "Verifikasi manual (pasien setuju secara langsung)",
    "Verify by hand": "Verifikasi manual",
    "Decline by hand (the patient refused in person)": "Tolak manual (pasien menolak secara langsung)",
    "Decline by hand": "Tolak manual",
    "Pause reminders": "Jeda pengingat",
    "Reminders paused for %(count)d patient(s).": "Pengingat dijeda untuk %(count)d pasien.",
    "Resume reminders": "Lanjutkan pengingat",
    "Reminders resumed for %(count)d patient(s).": "Pengingat dilanjutkan untuk %(count)d pasien.",
    "Opt back in (the patient asked a volunteer)": "Aktifkan kembali (pasien meminta kepada relawan)",
    "%(count)d patient(s) opted back in.": "%(count)d pasien diaktifkan kembali.",
    "Send today's reminders now": "Kirim pengingat hari ini sekarang",
    "Too many “send now” requests; try again in %(minutes)d minute(s).":
        "Terlalu banyak permintaan “kirim sekarang”; coba lagi dalam %(minutes)d menit.",
    "%(patient)s: %(count)d reminder(s) of today queued to go now.":
        "%(patient)s: %(count)d pengingat hari ini diantrekan untuk dikirim sekarang.",
    "Compliance of %(patient)s": "Kepatuhan %(patient)s",
    "Compliance": "Kepatuhan",
    "delivery": "pengiriman",
    "Not queued yet": "Belum diantrekan",
    "follow-up": "tindak lanjut",
    "Needs update (sent, not confirmed)": "Perlu diperbarui (terkirim, belum dikonfirmasi)",
    "patient": "pasien",
    "The patient's condition": "Kondisi pasien",
    "Follow-up needed": "Perlu tindak lanjut",
    "kind": "jenis",
    "manual confirmation": "konfirmasi manual",
    "Record": "Catat",
    "Cancel (withdraw messages not sent yet)": "Batalkan (tarik pesan yang belum terkirim)",
    "%(count)d queued message(s) cancelled.": "%(count)d pesan dalam antrean dibatalkan.",
    "Send now (queue a failed reminder again)": "Kirim sekarang (antrekan lagi pengingat yang gagal)",
    "%(count)d failed reminder(s) queued again.": "%(count)d pengingat yang gagal diantrekan lagi.",
    "Confirmation recorded.": "Konfirmasi dicatat.",
    "Record a confirmation": "Catat konfirmasi",
    "Not recorded: the patient has already answered this reminder themselves.":
        "Tidak dicatat: pasien sudah menjawab pengingat ini sendiri.",
    "Not recorded: this reminder was already confirmed (%(method)s).":
        "Tidak dicatat: pengingat ini sudah dikonfirmasi (%(method)s).",
    "Not recorded: this reminder was never sent.": "Tidak dicatat: pengingat ini belum pernah terkirim.",
    "phone": "telepon",
    "Retry (queue a failed message again)": "Coba lagi (antrekan lagi pesan yang gagal)",
    "%(count)d failed message(s) queued again.": "%(count)d pesan yang gagal diantrekan lagi.",
    "inbox": "kotak masuk",
    "Needs attention": "Perlu ditangani",
    "Handled": "Sudah ditangani",
    "All replies": "Semua balasan",
    "urgent": "mendesak",
    "URGENT": "DARURAT",
    "handled": "ditangani",
    "waiting": "menunggu",
    "Mark as handled": "Tandai sudah ditangani",
    "%(count)d reply marked as handled by you.": "%(count)d balasan ditandai sudah Anda tangani.",
    "Monday": "Senin",
    "Tuesday": "Selasa",
    "Wednesday": "Rabu",
    "Thursday": "Kamis",
    "Friday": "Jumat",
    "Saturday": "Sabtu",
    "Sunday": "Minggu",
    "Pending": "Menunggu",
    "Verified": "Terverifikasi",
    "Declined": "Menolak",
    "Expired": "Kedaluwarsa",
    "Patient's reply": "Balasan pasien",
    "Volunteer": "Relawan",
    "name": "nama",
    "Any spelling: 0812…, 62812…, +62 812…": "Tulisan apa pun: 0812…, 62812…, +62 812…",
    "time zone": "zona waktu",
    "volunteer": "relawan",
    "verification": "verifikasi",
    "opted out at": "berhenti pada",
    "opted back in at": "aktif kembali pada",
    "active": "aktif",
    "notes": "catatan",
    "patients": "pasien",
    "Can see every patient and assign patients to volunteers": "Dapat melihat semua pasien dan menugaskan relawan",
    "Medication": "Obat",
    "Appointment": "Janji temu",
    "Other": "Lainnya",
    "Placeholders: {nama} (the patient's name), {waktu} (the time), {tanggal} (the date).":
        "Isian: {nama} (nama pasien), {waktu} (jam), {tanggal} (tanggal).",
    "In the patient's time zone.": "Dalam zona waktu pasien.",
    "reminder schedule": "jadwal pengingat",
    "reminder schedules": "jadwal pengingat",
    "Choose at least one weekday.": "Pilih setidaknya satu hari.",
    "Confirmed": "Dikonfirmasi",
    "Not yet": "Belum",
    "Missed": "Terlewat",
    "Volunteer visit": "Kunjungan relawan",
    "Phone call": "Telepon",
    "Message": "Pesan",
    "Attending": "Hadir",
    "Late": "Terlambat",
    "Cancelled": "Dibatalkan",
    "due at": "jatuh tempo",
    "confirmation": "konfirmasi",
    "Set when the reminder is sent; after it the reminder is missed.":
        "Diisi saat pengingat terkirim; setelah waktu ini pengingat dianggap terlewat.",
    "confirmed by": "dikonfirmasi oleh",
    "The volunteer who recorded a manual confirmation.": "Relawan yang mencatat konfirmasi manual.",
    "patient's condition": "kondisi pasien",
    "follow-up needed": "perlu tindak lanjut",
    "reminder": "pengingat",
    "reminders": "pengingat",
    "Reminder": "Pengingat",
    "Follow-up": "Tindak lanjut",
    "Our answer to a reply": "Jawaban atas balasan",
    "Verification": "Verifikasi",
    "Queued": "Dalam antrean",
    "Sending": "Sedang dikirim",
    "Sent": "Terkirim",
    "Delivered": "Tersampaikan",
    "Read": "Dibaca",
    "Why the message ended FAILED or CANCELLED.": "Alasan pesan berakhir GAGAL atau DIBATALKAN.",
    "message": "pesan",
    "messages": "pesan",
    "Confirmed taking it": "Sudah minum obat",
    "Verification: yes": "Verifikasi: ya",
    "Verification: no": "Verifikasi: tidak",
    "Opt out": "Berhenti",
    "Opt back in": "Aktif kembali",
    "Appointment: attending": "Janji temu: hadir",
    "Appointment: late": "Janji temu: terlambat",
    "Appointment: cancelled": "Janji temu: batal",
    "Emergency": "Darurat",
    "Free text": "Teks bebas",
    "What the reply changed, if anything.": "Apa yang diubah oleh balasan ini, bila ada.",
    "Whether we answered this reply.": "Apakah balasan ini sudah kita jawab.",
    "patient reply": "balasan pasien",
    "patient replies": "balasan pasien",
    "When Fonnte says the state changed.": "Kapan menurut Fonnte status berubah.",
    "system health": "kesehatan sistem",
    "Download CSV": "Unduh CSV",
    "Last %(days)s day": "%(days)s hari terakhir",
    "compliance": "kepatuhan",
    "%(confirmed)s confirmed, %(missed)s missed, %(sent)s sent":
        "%(confirmed)s dikonfirmasi, %(missed)s terlewat, %(sent)s terkirim",
    "Compliance = confirmed ÷ (confirmed + missed), over reminders whose reply window has closed. A reminder still "
    "waiting for its reply counts neither way. Confirmed includes volunteers' manual confirmations.":
        "Kepatuhan = dikonfirmasi ÷ (dikonfirmasi + terlewat), dari pengingat yang waktu balasnya sudah habis. "
        "Pengingat yang masih menunggu balasan tidak dihitung. Dikonfirmasi termasuk konfirmasi manual relawan.",
    "Reminders per day": "Pengingat per hari",
    "sent": "terkirim",
    "confirmed": "dikonfirmasi",
    "missed": "terlewat",
    "Day": "Hari",
    "Reminders": "Pengingat",
    "Replies": "Balasan",
    "Cancel": "Batal",
    "Record the confirmation": "Catat konfirmasi",
    "Verified by hand": "Diverifikasi manual",
    "Declined by hand": "Ditolak manual",
    "Incoming message": "Pesan masuk",
    "Message status": "Status pesan",
    "Device state": "Status perangkat",
    # Issue 30: the Cloud API webhook's events and the deliveries it refuses.
    "Cloud API: incoming message": "Cloud API: pesan masuk",
    "Cloud API: message status": "Cloud API: status pesan",
    "Cloud API: other delivery": "Cloud API: kiriman lain",
    "sent to a WhatsApp Cloud API number that is not PRIMA's":
        "dikirim ke nomor WhatsApp Cloud API yang bukan milik PRIMA",
    "nothing in it for PRIMA": "tidak ada isi untuk PRIMA",
    "a tapped button names another patient's reminder; refused":
        "tombol yang ditekan menyebut pengingat pasien lain; ditolak",
    "a tapped button names another patient's question; refused":
        "tombol yang ditekan menyebut pertanyaan untuk pasien lain; ditolak",
    "tapped “taken” on an old reminder that no longer waits for an answer: NOT recorded as taken":
        "menekan “sudah” pada pengingat lama yang sudah tidak menunggu jawaban: TIDAK dicatat sudah diminum",
    "tapped a button on an old reminder that no longer waits for an answer: nothing recorded":
        "menekan tombol pada pengingat lama yang sudah tidak menunggu jawaban: tidak ada yang dicatat",
    "a tapped button for a reminder or question that no longer waits; nothing changed":
        "tombol ditekan untuk pengingat atau pertanyaan yang sudah tidak menunggu jawaban; tidak ada yang berubah",
    "an emoji reaction to a message: not read as an answer": "reaksi emoji pada pesan: tidak dibaca sebagai jawaban",
    "a WhatsApp system message (the number changed)": "pesan sistem WhatsApp (nomornya berganti)",
    "opened the chat": "membuka percakapan",
    "changed the disappearing-message setting": "mengubah pengaturan pesan sementara",
    "refused delivery": "kiriman yang ditolak",
    "refused deliveries": "kiriman yang ditolak",
    "day": "hari",
    "count": "jumlah",
    "last at": "terakhir pada",
    "Refused in the last 7 days: Cloud API deliveries with a missing or wrong signature":
        "Ditolak dalam 7 hari terakhir: kiriman Cloud API tanpa tanda tangan atau dengan tanda tangan salah",
    "Received": "Diterima",
    "Processed": "Diproses",
    "Ignored": "Diabaikan",
    "Rate limited": "Terkena batas laju",
    "The parsed body; empty when unparseable.": "Isi yang terbaca; kosong bila tidak dapat dibaca.",
    "E.164 when the number parses.": "Format E.164 bila nomornya terbaca.",
    "Messages the device may still send, from Fonnte's last answer.":
        "Pesan yang masih dapat dikirim perangkat, menurut jawaban terakhir Fonnte.",
    "Quota low on %(device)s: %(remaining)s message(s) left. Fonnte stops sending at zero: top it up.":
        "Kuota %(device)s hampir habis: tersisa %(remaining)s pesan. Fonnte berhenti mengirim saat kuota nol: "
        "segera isi ulang.",
    "Device": "Perangkat",
    "Connected": "Terhubung",
    "Quota left (alert below %(below)s)": "Sisa kuota (peringatan di bawah %(below)s)",
    "Quota reported at": "Kuota dilaporkan pada",
    "No device has reported yet.": "Belum ada perangkat yang melapor.",
    "Higher goes out first, past the rate limits: emergency replies.":
        "Yang lebih tinggi dikirim lebih dulu, melewati batas laju: balasan darurat.",
    "The last tick failed:": "Putaran terakhir gagal:",
    "Sending is paused since %(since)s: %(reason)s.": "Pengiriman dijeda sejak %(since)s: %(reason)s.",
    "Messages wait without spending attempts; one send is tried again at %(probe)s. Fix the cause (FONNTE_TOKEN, the device, the quota) and sending resumes.":
        "Pesan menunggu tanpa memakai jatah percobaan; satu pengiriman dicoba lagi pada %(probe)s. Perbaiki "
        "penyebabnya (FONNTE_TOKEN, perangkat, kuota) dan pengiriman berlanjut.",
    "Sending is not paused.": "Pengiriman tidak dijeda.",
    "%(counter)s emergency in the last 7 days could not be told to anyone: check the volunteers' and coordinators' email addresses and EMAIL_URL.":
        "%(counter)s keadaan darurat dalam 7 hari terakhir tidak dapat diberitahukan kepada siapa pun: periksa "
        "alamat email relawan dan koordinator serta EMAIL_URL.",
    "Schedules the scheduler cannot handle": "Jadwal yang tidak dapat diproses penjadwal",
    "%(counter)s schedule gets no reminders until it is fixed:":
        "%(counter)s jadwal tidak mengirim pengingat sampai diperbaiki:",
    "None.": "Tidak ada.",
    "Too many failed logins. This account (or this address) is locked for a while; try again later, or ask a coordinator.":
        "Terlalu banyak percobaan masuk yang gagal. Akun ini (atau alamat ini) dikunci sementara; coba lagi nanti, "
        "atau hubungi koordinator.",
    "Not sent: %(why)s": "Tidak dikirim: %(why)s",
    "This number cannot be used here. If it is right, ask a coordinator.":
        "Nomor ini tidak dapat dipakai di sini. Jika nomornya benar, hubungi koordinator.",
    "scheduling problem": "masalah penjadwalan",
    "Cannot be scheduled": "Tidak dapat dijadwalkan",
    "%(count)d reminder(s) had already been sent: they still wait for the patient's answer. Record a confirmation if you know it.":
        "%(count)d pengingat sudah terkirim: masih menunggu jawaban pasien. Catat konfirmasi jika Anda "
        "mengetahuinya.",
    "Not recorded: this reminder was cancelled (%(why)s).": "Tidak dicatat: pengingat ini dibatalkan (%(why)s).",
    "Not recorded: this reminder has not been sent yet.": "Tidak dicatat: pengingat ini belum dikirim.",
    "Cancel (withdraw a message not sent yet)": "Batalkan (tarik pesan yang belum terkirim)",
    "Mark as connected and resume sending": "Tandai terhubung dan lanjutkan pengiriman",
    "%(count)d device(s) marked as connected.": "%(count)d perangkat ditandai terhubung.",
    "Use letters, digits and punctuation only; no line breaks or control characters.":
        "Gunakan huruf, angka, dan tanda baca saja; tanpa baris baru atau karakter kontrol.",
    "%(value)s is not a time zone PRIMA knows; choose one of %(zones)s.":
        "%(value)s bukan zona waktu yang dikenal PRIMA; pilih salah satu dari %(zones)s.",
    "receiving reminders since": "menerima pengingat sejak",
    "When the patient last became verified, active and not opted out.":
        "Kapan pasien terakhir kali menjadi terverifikasi, aktif, dan tidak berhenti.",
    "next dose at": "dosis berikutnya",
    "Why the scheduler could not work out this schedule's doses; empty when all is well.":
        "Mengapa penjadwal tidak dapat menghitung dosis jadwal ini; kosong bila semuanya baik.",
    "date": "tanggal",
    "The patient's own date of this dose.": "Tanggal dosis ini menurut zona waktu pasien.",
    "sent at": "dikirim pada",
    "When the reminder message went out; empty while it has not.":
        "Kapan pesan pengingat terkirim; kosong selama belum terkirim.",
    "Until when a reply answers this dose; set when it is sent.":
        "Sampai kapan balasan menjawab dosis ini; diisi saat terkirim.",
    "closed at": "ditutup pada",
    "why closed": "alasan ditutup",
    "Not before (the database's now if not given).": "Tidak sebelum (saat ini menurut basis data bila kosong).",
    "When the patient wrote it (Fonnte's time, never after it reached us).":
        "Kapan pasien menulisnya (menurut layanan WhatsApp; tidak pernah setelah pesan sampai ke kami).",
    "reached us at": "sampai ke kami pada",
    "Device disconnected": "Perangkat terputus",
    "Account refused": "Akun ditolak",
    "What is paused: the Fonnte sender.": "Yang dijeda: pengirim Fonnte.",
    "When one send is tried again.": "Kapan satu pengiriman dicoba lagi.",
    "sending pause": "jeda pengiriman",
    "sending pauses": "jeda pengiriman",
    "Email": "Email",
    "Not sent yet": "Belum terkirim",
    "recipient": "penerima",
    "as": "sebagai",
    "Why this person was told.": "Mengapa orang ini diberi tahu.",
    "channel": "saluran",
    "address": "alamat",
    "status": "status",
    "error": "galat",
    "last tried at": "terakhir dicoba pada",
    "staff notification": "pemberitahuan staf",
    "staff notifications": "pemberitahuan staf",
    "Why the last failed tick failed.": "Mengapa putaran terakhir yang gagal itu gagal.",
    "The message is %(length)d characters long; keep it under %(limit)d.":
        "Pesan ini panjangnya %(length)d karakter; buat kurang dari %(limit)d.",
    "A brace { or } is not closed. Write a placeholder as {nama}, {waktu} or {tanggal}; to write a brace itself, "
    "double it: {{ or }}.":
        "Ada kurung kurawal { atau } yang tidak ditutup. Tulis penanda sebagai {nama}, {waktu} atau {tanggal}; untuk menulis "
        "kurung kurawal itu sendiri, gandakan: {{ atau }}.",
    "%(part)s is not a placeholder PRIMA knows; use {nama}, {waktu} or {tanggal}.":
        "%(part)s bukan penanda yang dikenal PRIMA; gunakan {nama}, {waktu} atau {tanggal}.",
    "%(part)s: write the placeholder alone, as {%(name)s}.": "%(part)s: tulis penandanya saja, seperti {%(name)s}.",
    "payload": "isi",
    "Process again": "Proses lagi",
    "Processed %(count)d event(s) again: %(outcomes)s": "%(count)d peristiwa diproses lagi: %(outcomes)s",
    # The today page (issue 17)
    "Today": "Hari ini",
    "System": "Sistem",
    "scheduler running": "penjadwal berjalan",
    "scheduler stopped": "penjadwal berhenti",
    "sending paused: %(reason)s": "pengiriman dijeda: %(reason)s",
    "sending": "pengiriman berjalan",
    "device %(device)s disconnected": "perangkat %(device)s terputus",
    "devices connected": "perangkat terhubung",
    "quota low on %(device)s: %(remaining)s left": "kuota %(device)s hampir habis: sisa %(remaining)s",
    "quota enough": "kuota cukup",
    "Nothing needs you right now. Thank you!": "Saat ini tidak ada yang perlu Anda kerjakan. Terima kasih!",
    "%(counter)s thing needs you, the most urgent first.":
        "%(counter)s hal perlu Anda kerjakan, yang paling mendesak di atas.",
    "No volunteer assigned": "Belum ada relawan",
    "There is more than this page shows:": "Masih ada yang tidak tampil di halaman ini:",
    "Menu": "Menu",
    "Call": "Telepon",
    "WhatsApp": "WhatsApp",
    "All emergencies": "Semua keadaan darurat",
    "Emergency: the patient asked for help": "Darurat: pasien meminta pertolongan",
    "Open": "Buka",
    "All replies to read": "Semua balasan yang perlu dibaca",
    "Declined the reminders": "Menolak pengingat",
    "Wrote to us": "Menulis pesan kepada kami",
    "All missed doses": "Semua dosis terlewat",
    "%(count)d doses in a row missed": "%(count)d dosis berturut-turut terlewat",
    "Dose missed": "Dosis terlewat",
    "All reminders waiting for an answer": "Semua pengingat yang menunggu jawaban",
    "Said not yet": "Menjawab BELUM",
    "No answer yet": "Belum menjawab",
    "Send the question again": "Kirim lagi pertanyaannya",
    "Send the verification question": "Kirim pertanyaan verifikasi",
    "Declined the reminders: call to check; pause them if the patient still says no":
        "Menolak pengingat: telepon untuk memastikan; jeda pengingatnya bila pasien tetap menolak",
    "Did not answer the verification question in time": "Tidak menjawab pertanyaan verifikasi tepat waktu",
    "Not asked for consent yet": "Belum ditanya persetujuannya",
    "Has not answered the verification question yet": "Belum menjawab pertanyaan verifikasi",
    "All patients not verified": "Semua pasien yang belum terverifikasi",
    "All failed messages": "Semua pesan yang gagal",
    "Message not sent": "Pesan gagal terkirim",
    "Send again": "Kirim lagi",
    # Labels, system pages and stored texts told in Indonesian (issue 17)
    "state": "keadaan",
    "held": "dipegang",
    "expired": "kedaluwarsa",
    "Force-release the selected locks": "Lepaskan paksa kunci yang dipilih",
    "Released %(count)d lock(s). A holder that is still running will fail its next guarded write (LockLost).":
        "%(count)d kunci dilepas. Pemegang yang masih berjalan akan gagal pada penulisan terjaga berikutnya "
        "(LockLost).",
    "Locks": "Kunci",
    "key": "kunci",
    "owner": "pemilik",
    "Token of the current lease; only its holder knows it.": "Token sewa saat ini; hanya pemegangnya yang tahu.",
    "fence": "token pagar",
    "Fencing token: greater for every later acquire of this key.":
        "Token pagar: makin besar untuk setiap pengambilan kunci ini berikutnya.",
    "holder": "pemegang",
    "Who acquired it (host:pid), for people.": "Siapa yang mengambilnya (host:pid), untuk dibaca orang.",
    "acquired at": "diambil pada",
    "expires at": "berakhir pada",
    "lock": "kunci",
    "locks": "kunci",
    "Monitoring": "Pemantauan",
    "Rate-limit usage": "Pemakaian batas laju",
    "Rate limits": "Batas laju",
    "at": "pada",
    "cost": "bobot",
    "rate-limit event": "peristiwa batas laju",
    "rate-limit events": "peristiwa batas laju",
    'Keys hit in the last %(seconds)s seconds, most recent first. "In use" and "retry after" are what the next check '
    'of that key would see now.':
        'Kunci yang terpakai dalam %(seconds)s detik terakhir, yang terbaru di atas. "Terpakai" dan "coba lagi '
        'setelah" adalah yang akan dilihat pemeriksaan berikutnya atas kunci itu sekarang.',
    "Named limits:": "Batas bernama:",
    "%(limit)s per %(window)s s": "%(limit)s per %(window)s detik",
    "Search": "Cari",
    "key contains…": "kunci memuat…",
    "Limit": "Batas",
    "In use now": "Terpakai sekarang",
    "Retry after": "Coba lagi setelah",
    "Hits in the last %(seconds)s s": "Pemakaian dalam %(seconds)s detik terakhir",
    "Last hit": "Terakhir dipakai",
    "%(in_use)s of %(limit)s": "%(in_use)s dari %(limit)s",
    "now": "sekarang",
    "No key matching “%(search)s” was hit in the last %(seconds)s seconds.":
        "Tidak ada kunci yang cocok dengan “%(search)s” yang terpakai dalam %(seconds)s detik terakhir.",
    "No key was hit in the last %(seconds)s seconds.":
        "Tidak ada kunci yang terpakai dalam %(seconds)s detik terakhir.",
    "Patients and reminders": "Pasien dan pengingat",
    "verification sent at": "verifikasi dikirim pada",
    "verification answered at": "verifikasi dijawab pada",
    "verification expires at": "verifikasi berakhir pada",
    "verification attempts": "jumlah pertanyaan verifikasi",
    "opted out by": "berhenti melalui",
    "opted back in by": "aktif kembali melalui",
    "created at": "dibuat pada",
    "time": "jam",
    "days": "hari",
    "from": "mulai",
    "until": "sampai",
    "active since": "aktif sejak",
    "needs scheduling": "perlu dijadwalkan ulang",
    "schedule": "jadwal",
    "slot": "urutan",
    "confirmed through": "dikonfirmasi melalui",
    "confirmed at": "dikonfirmasi pada",
    "answered at": "dijawab pada",
    "answer awaited until": "jawaban ditunggu sampai",
    "appointment answer": "jawaban janji temu",
    "text": "teks",
    "send after": "kirim setelah",
    "attempts": "percobaan",
    "attempts allowed": "batas percobaan",
    "priority": "prioritas",
    "lease token": "token sewa",
    "lease expires at": "sewa berakhir pada",
    "send started at": "pengiriman dimulai pada",
    "held by a pause": "ditahan jeda",
    "last error": "galat terakhir",
    "why it ended": "alasan berakhir",
    "Fonnte message id": "id pesan Fonnte",
    "delivered at": "tersampaikan pada",
    "read at": "dibaca pada",
    "updated at": "diperbarui pada",
    "understood as": "dipahami sebagai",
    "outcome": "hasil",
    "received at": "diterima pada",
    "needs attention": "perlu ditangani",
    "answered": "dijawab",
    "handled by": "ditangani oleh",
    "handled at": "ditangani pada",
    "device": "perangkat",
    "connected": "terhubung",
    "reason": "alasan",
    "changed at": "berubah pada",
    "last connected at": "terakhir terhubung",
    "last disconnected at": "terakhir terputus",
    "quota left": "sisa kuota",
    "quota reported at": "kuota dilaporkan pada",
    "device state": "status perangkat",
    "device states": "status perangkat",
    "scope": "cakupan",
    "since": "sejak",
    "next try at": "dicoba lagi pada",
    "token fingerprint": "sidik token",
    "reply": "balasan",
    "last tick at": "putaran terakhir",
    "last failure at": "gagal terakhir pada",
    "last failure": "kegagalan terakhir",
    "coordinator": "koordinator",
    "fallback address": "alamat cadangan",
    "(%(role)s) by email": "(%(role)s) lewat email",
    "(%(role)s) by WhatsApp": "(%(role)s) lewat WhatsApp",
    "verified": "terverifikasi",
    "declined verification": "menolak verifikasi",
    "verification had expired; not verified": "verifikasi sudah kedaluwarsa; tidak terverifikasi",
    "unclear verification answer; stored for volunteers": "jawaban verifikasi tidak jelas; disimpan untuk relawan",
    "unclear verification answer; asked again": "jawaban verifikasi tidak jelas; ditanyakan lagi",
    "opted out; %(count)s queued message(s) cancelled": "berhenti; %(count)s pesan dalam antrean dibatalkan",
    "already receiving reminders": "sudah menerima pengingat",
    "opted back in": "aktif kembali",
    "%(count)s reminder(s) confirmed": "%(count)s pengingat dikonfirmasi",
    "%(count)s reminder(s) not yet taken; %(follow_ups)s follow-up(s) queued":
        "%(count)s dosis belum diminum; %(follow_ups)s pengingat ulang diantrekan",
    "appointment answer recorded: %(answer)s": "jawaban janji temu dicatat: %(answer)s",
    "stored for volunteers": "disimpan untuk relawan",
    "stored for volunteers; acknowledged": "disimpan untuk relawan; pasien sudah dijawab",
    "several kinds of reminder wait for an answer; asked which, stored for volunteers":
        "beberapa jenis pengingat menunggu jawaban; pasien ditanya yang mana, disimpan untuk relawan",
    "no reminder waiting": "tidak ada pengingat yang menunggu",
    "emergency stored and flagged; answered and notified already for reply %(reply)s":
        "keadaan darurat disimpan dan ditandai; sudah dijawab dan diberitahukan untuk balasan %(reply)s",
    "safety reply queued; notifying %(told)s": "balasan keselamatan diantrekan; memberi tahu %(told)s",
    "safety reply queued; no volunteer or coordinator has a WhatsApp number or an email address: nobody notified":
        "balasan keselamatan diantrekan; tidak ada relawan atau koordinator yang punya nomor WhatsApp atau alamat "
        "email: tidak ada yang diberi tahu",
    "not applied: over the response limit": "tidak diproses: melebihi batas balasan",
    "patient opted out": "pasien berhenti",
    "patient is paused": "pengingat pasien dijeda",
    "patient verification is %(verification)s": "verifikasi pasien: %(verification)s",
    "reminder is %(confirmation)s": "status pengingat: %(confirmation)s",
    "too late: due %(due)s": "terlambat: jadwalnya %(due)s",
    "patient answered": "pasien menjawab",
    "no answer in time": "tidak dijawab tepat waktu",
    "not sent in time": "tidak terkirim tepat waktu",
    "schedule changed": "jadwal diubah",
    "cancelled by %(user)s": "dibatalkan oleh %(user)s",
    "confirmed by %(user)s": "dikonfirmasi oleh %(user)s",
    "not delivered: %(why)s": "tidak tersampaikan: %(why)s",
    "gave up after %(count)s attempts: %(why)s": "berhenti mencoba setelah %(count)s percobaan: %(why)s",
    "sending paused: %(why)s": "pengiriman dijeda: %(why)s",
    "the sender stopped while sending: perhaps sent": "pengirim berhenti saat mengirim: mungkin sudah terkirim",
    "%(kind)s %(time)s for %(patient)s": "%(kind)s %(time)s untuk %(patient)s",
    "%(kind)s for %(patient)s, due %(due)s": "%(kind)s untuk %(patient)s, jadwal %(due)s",
    "%(kind)s to %(patient)s (%(status)s)": "%(kind)s kepada %(patient)s (%(status)s)",
    "dedupe key": "kunci duplikat",
    "raw body": "isi mentah",
    "content type": "jenis isi",
    "result": "hasil",
    "processed at": "diproses pada",
    "claim token": "token klaim",
    "claimed until": "diklaim sampai",
    "webhook event": "peristiwa webhook",
    "webhook events": "peristiwa webhook",
    # Forms a volunteer fills in (issue 17)
    "Consent": "Persetujuan",
    "System details": "Detail sistem",
    "Fill in the time to see the message.": "Isi jamnya untuk melihat pesannya.",
    "the patient's name": "nama pasien",
    "the time of the dose or of the appointment (HH:MM)": "jam dosis atau jam janji kontrol (JJ:MM)",
    "its date (Kamis, 10 Desember 2026)": "tanggalnya (Kamis, 10 Desember 2026)",
    # Lists that fit (issue 17)
    "Patients": "Pasien",
    "Messages": "Pesan",
    "Opted out": "Berhenti",
    "Paused": "Dijeda",
    "Active": "Aktif",
    "Sending messages": "Pengiriman pesan",
    # Issue 20: escalations and the staff WhatsApp numbers they are sent to.
    "Alert to staff": "Peringatan untuk staf",
    "Urgent alert to staff": "Peringatan mendesak untuk staf",
    "WhatsApp message": "Pesan WhatsApp",
    "The alert sent through the outbox, for a WhatsApp notification.":
        "Peringatan yang dikirim lewat antrean pesan, untuk pemberitahuan lewat WhatsApp.",
    "escalation": "eskalasi",
    "escalations": "eskalasi",
    "user": "pengguna",
    "WhatsApp number": "Nomor WhatsApp",
    "Alerts about patients who need someone are sent here.":
        "Peringatan tentang pasien yang perlu segera dihubungi dikirim ke nomor ini.",
    "staff WhatsApp number": "nomor WhatsApp staf",
    "staff WhatsApp numbers": "nomor WhatsApp staf",
    "Doses missed in a row": "Dosis terlewat berturut-turut",
    "Verification question unanswered": "Pertanyaan persetujuan tidak dijawab",
    "Said not yet twice": "Menjawab belum dua kali",
    "Emergency not handled": "Keadaan darurat belum ditangani",
    "Called the patient": "Sudah menelepon pasien",
    "Visited the patient": "Sudah mengunjungi pasien",
    "Resolved": "Selesai ditangani",
    "rule": "aturan",
    "The patient's own date when it was raised.": "Tanggal pasien sendiri saat eskalasi muncul.",
    "how many": "jumlah",
    "Doses missed in a row, or times the patient said not yet.":
        "Dosis terlewat berturut-turut, atau berapa kali pasien menjawab belum.",
    "raised at": "muncul pada",
    "coordinators told at": "koordinator diberi tahu pada",
    "how it was handled": "cara ditangani",
    "Said not yet %(count)d times to one dose": "Menjawab belum %(count)d kali untuk satu dosis",
    "Emergency not marked handled for %(minutes)d minutes":
        "Keadaan darurat belum ditandai ditangani selama %(minutes)d menit",
    "Called": "Sudah menelepon",
    "Visited": "Sudah berkunjung",
    "All escalations": "Semua eskalasi",
    "coordinators told": "koordinator sudah diberi tahu",
    "Not handled yet": "Belum ditangani",
    "what happened": "yang terjadi",
    "%(count)d escalation marked as handled by you.": "%(count)d eskalasi Anda tandai sudah ditangani.",
    # Issue 20: caregivers (pendamping).
    "caregiver": "pendamping",
    "caregivers": "pendamping",
    "relation": "hubungan",
    "E.g. daughter, husband.": "Misalnya anak, suami.",
    "agreed to reminders at": "setuju menerima pengingat pada",
    "When the caregiver agreed to get reminders; empty: they get none yet.":
        "Kapan pendamping setuju menerima pengingat; kosong: belum menerima pengingat.",
    "send to": "kirim kepada",
    "The patient": "Pasien",
    "The caregivers": "Pendamping",
    "The patient and the caregivers": "Pasien dan pendamping",
    "Caregiver's reply": "Balasan pendamping",
    "from caregiver": "dari pendamping",
    "Written by this caregiver; empty: by the patient.": "Ditulis oleh pendamping ini; kosong: oleh pasien.",
    "written by": "ditulis oleh",
    "the patient": "pasien",
    "caregiver %(name)s": "pendamping %(name)s",
    "%(count)s confirmation came from a caregiver, counted as the patient's.":
        "%(count)s konfirmasi dari pendamping, dihitung sebagai konfirmasi pasien.",
    # One phone, one voice.
    "This number is already one of this patient's caregivers.":
        "Nomor ini sudah terdaftar sebagai pendamping pasien ini.",
    "This is the patient's own number: the patient gets the reminders on it already. Enter the caregiver's own number.":
        "Ini nomor pasien sendiri: pasien sudah menerima pengingat di nomor ini. Masukkan nomor pendamping sendiri.",
    # Nothing reaches nobody in silence (issue 27): a schedule nobody can receive, a dose that went to nobody.
    "No caregiver can receive this schedule's reminders (%(why)s). Fill in when a caregiver agreed, send them to the "
    "patient too, or switch the schedule off.":
        "Tidak ada pendamping yang bisa menerima pengingat jadwal ini (%(why)s). Isi tanggal persetujuan pendamping, "
        "kirim juga kepada pasien, atau nonaktifkan jadwal ini.",
    "%(schedule)s: only the patient will get these reminders; no caregiver can receive them (%(why)s).":
        "%(schedule)s: hanya pasien yang akan menerima pengingat ini; tidak ada pendamping yang bisa menerimanya "
        "(%(why)s).",
    "nobody can receive this reminder: %(caregivers)s": "tidak ada yang bisa menerima pengingat ini: %(caregivers)s",
    "the patient has no caregiver": "pasien belum punya pendamping",
    "caregiver is not active": "pendamping tidak aktif",
    "caregiver has not agreed to reminders (no consent date)":
        "pendamping belum setuju menerima pengingat (tanggal persetujuan kosong)",
    "caregiver agreed only after it was due": "pendamping baru setuju setelah waktu pengingatnya",
    "All doses nobody could receive": "Semua dosis yang tidak bisa diterima siapa pun",
    "Open the patient's page": "Buka halaman pasien",
    # "Send today's reminders now" says why nothing was queued.
    "%(patient)s: 0 reminders of today queued to go now, because %(why)s.":
        "%(patient)s: 0 pengingat hari ini diantrekan untuk dikirim sekarang, karena %(why)s.",
    "Not queued: %(why)s.": "Tidak diantrekan: %(why)s.",
    "no reminder schedule is active": "tidak ada jadwal pengingat yang aktif",
    "no reminder is scheduled today": "tidak ada pengingat yang dijadwalkan hari ini",
    "later today: it keeps its time": "nanti hari ini, tetap pada waktunya",
    "already sent": "sudah terkirim",
    "being sent right now": "sedang dikirim",
    "already queued: it goes as soon as sending allows": "sudah dalam antrean, terkirim begitu pengiriman memungkinkan",
    "not sent at its time: %(why)s": "tidak dikirim pada waktunya: %(why)s",
    # Production never pretends: a backend that reaches nobody, messages stuck past their lease.
    "the sender stopped before sending: not sent yet": "pengirim berhenti sebelum mengirim: belum terkirim",
    "WhatsApp messages are not really sent: %(problem)s.": "Pesan WhatsApp tidak benar-benar dikirim: %(problem)s.",
    "Patients get nothing while this demo setting stays.":
        "Pasien tidak menerima apa pun selama pengaturan demo ini tetap berlaku.",
    "The senders refuse to start until an operator fixes the setting.":
        "Pengirim menolak berjalan sampai operator memperbaiki pengaturannya.",
    "%(counter)s message is stuck past its lease: the worker that claimed it stopped before sending it.":
        "%(counter)s pesan macet melewati masa sewanya: pekerja yang mengambilnya berhenti sebelum mengirimnya.",
    "Is a Celery worker (or send_reminders) running and able to send? A running one sends them again.":
        "Apakah pekerja Celery (atau send_reminders) berjalan dan dapat mengirim? Yang berjalan akan mengirimnya "
        "lagi.",
    "Emails are not really sent: %(problem)s.": "Email tidak benar-benar dikirim: %(problem)s.",
    "messages not really sent": "pesan tidak benar-benar dikirim",
    "%(counter)s message stuck": "%(counter)s pesan macet",
    "emails not really sent": "email tidak benar-benar dikirim",
    # Issue 27: a number that was ever ours stays ours; one that never was is counted.
    "Ignored in the last 7 days: sent to a number that is not ours":
        "Diabaikan dalam 7 hari terakhir: dikirim ke nomor yang bukan milik PRIMA",
    "%(counter)s reply in the last 7 days was sent to a number PRIMA does not know as its own (%(numbers)s) and was ignored: nobody read it.":
        "%(counter)s balasan dalam 7 hari terakhir dikirim ke nomor yang tidak dikenal PRIMA sebagai nomornya "
        "(%(numbers)s) dan diabaikan: belum dibaca siapa pun.",
    "If that number is ours (the one FONNTE_TOKEN sends from, or a WhatsApp device), name it in FONNTE_DEVICES or add it as a device; if it is not, someone else's device is sending to our webhook address.":
        "Jika nomor itu milik PRIMA (nomor pengirim FONNTE_TOKEN, atau sebuah perangkat WhatsApp), cantumkan di "
        "FONNTE_DEVICES atau tambahkan sebagai perangkat; jika bukan, perangkat orang lain mengirim ke alamat "
        "webhook kita.",
    "Not sent: neither the volunteer nor any coordinator has a staff WhatsApp number":
        "Tidak terkirim: relawan maupun koordinator belum punya nomor WhatsApp staf",
    "Coordinators not told: none has a staff WhatsApp number":
        "Koordinator belum diberi tahu: tidak ada koordinator yang punya nomor WhatsApp staf",
    "WhatsApp to staff not sent yet": "WhatsApp ke staf belum terkirim",
    "WhatsApp to staff not sent: %(reason)s": "WhatsApp ke staf tidak terkirim: %(reason)s",
    "staff told": "staf diberi tahu",
    "volunteer told": "relawan sudah diberi tahu",
    "WhatsApp to staff": "WhatsApp ke staf",
    "volunteer alerted": "relawan yang diberi tahu",
    "The patient's volunteer, alerted first; empty when they had no staff WhatsApp number.":
        "Relawan pasien, diberi tahu lebih dulu; kosong bila relawan belum punya nomor WhatsApp staf.",
    "volunteer told at": "relawan diberi tahu pada",
    "When the WhatsApp to the volunteer went out.": "Saat WhatsApp ke relawan terkirim.",
    "passed on to coordinators at": "diteruskan ke koordinator pada",
    "When PRIMA turned to the coordinators: nobody handled it in time, or the volunteer could not be told.":
        "Saat PRIMA beralih ke koordinator: tidak ada yang menanganinya tepat waktu, atau relawan tidak dapat "
        "diberi tahu.",
    "When the first WhatsApp to a coordinator went out.": "Saat WhatsApp pertama ke koordinator terkirim.",
    "%(count)d of them cannot receive messages now (paused, opted out or not verified): their old number tells them, and their caregivers, the new one once they can again, before any reminder from it.":
        "%(count)d di antaranya tidak dapat menerima pesan sekarang (dijeda, berhenti, atau belum setuju): nomor "
        "lamanya memberi tahu nomor baru kepada mereka dan pendamping mereka setelah mereka bisa menerima pesan "
        "lagi, sebelum pengingat apa pun dari nomor baru.",
    "All notices of a new number not sent yet": "Semua pemberitahuan nomor baru yang belum terkirim",
    "Not told of their new WhatsApp number yet": "Belum diberi tahu nomor WhatsApp barunya",
    "held until they can receive messages again, then sent: %(why)s":
        "ditahan sampai bisa menerima pesan lagi, lalu dikirim: %(why)s",
    "waiting for the notice of the new number": "menunggu pemberitahuan nomor baru terkirim",
    "For the operator": "Untuk operator",
    "WhatsApp messages are not really sent: PRIMA runs in demo mode, they stay here.":
        "Pesan WhatsApp tidak benar-benar dikirim: PRIMA berjalan dalam mode demo, pesan tetap di sini.",
    "WhatsApp messages cannot be sent: a setting is wrong.":
        "Pesan WhatsApp tidak dapat dikirim: ada pengaturan yang salah.",
    "Emails are not really sent: PRIMA runs in demo mode, so no emergency email reaches staff.":
        "Email tidak benar-benar dikirim: PRIMA berjalan dalam mode demo, jadi email darurat tidak sampai ke staf.",
    "WhatsApp messages to %(subject)s": "Pesan WhatsApp ke %(subject)s",
    "replies of %(subject)s": "balasan dari %(subject)s",
    "reminders handled (everyone)": "pengingat yang diproses (semua pasien)",
    "messages sent by the device %(subject)s": "pesan yang dikirim perangkat %(subject)s",
    "“send now” tapped by %(subject)s": "“kirim sekarang” yang ditekan %(subject)s",
    "a reply of %(subject)s being handled": "balasan dari %(subject)s sedang diproses",
    "the scheduler's run": "putaran penjadwal",
    "Wrong username or password. Capital and small letters count.":
        "Nama pengguna atau sandi salah. Perhatikan huruf besar dan kecil.",
    "Remove from sorting": "Hapus dari pengurutan",
    "Sorting priority: %(priority_number)s": "Prioritas pengurutan: %(priority_number)s",
    "Toggle sorting": "Balik urutan",
    "Delete?": "Hapus?",
    "Change": "Ubah",
    "View": "Lihat",
    "View on site": "Lihat di situs",
    "Help": "Bantuan",
    "%(counter)s found": "%(counter)s ditemukan",
    "%(full_result_count)s in all": "%(full_result_count)s seluruhnya",
    "show them all": "tampilkan semua",
    "%(channel)s to %(whom)s (%(status)s)": "%(channel)s ke %(whom)s (%(status)s)",
    "%(intent)s: %(outcome)s": "%(intent)s: %(outcome)s",
    "a group message: not for PRIMA": "pesan grup: bukan untuk PRIMA",
    "the sender is not a phone number": "pengirim bukan nomor telepon",
    "unknown sender %(phone)s": "pengirim tidak dikenal %(phone)s",
    "sent to a number that is not PRIMA's": "dikirim ke nomor yang bukan milik PRIMA",
    "caregiver of several patients: thanks; nothing to do":
        "pendamping beberapa pasien: terima kasih; tidak ada yang perlu dilakukan",
    "caregiver of several patients: asked which patient, stored for volunteers":
        "pendamping beberapa pasien: ditanya pasien yang mana, disimpan untuk relawan",
    "too many messages from the patient at once; stored for volunteers":
        "terlalu banyak pesan dari pasien sekaligus; disimpan untuk relawan",
    "processing failed; PRIMA tries again": "gagal diproses; PRIMA mencoba lagi",
    "another reply of this patient was being handled; PRIMA tries again":
        "balasan lain dari pasien ini sedang diproses; PRIMA mencoba lagi",
    "handling the reply took too long; PRIMA tries again": "memproses balasan terlalu lama; PRIMA mencoba lagi",
    "message not known yet; PRIMA tries again": "pesan belum dikenal; PRIMA mencoba lagi",
    "no message with this id appeared; given up": "pesan dengan id ini tidak pernah muncul; dihentikan",
    "a status without a message id": "status tanpa id pesan",
    "applied": "diterapkan",
    "nothing changed": "tidak ada yang berubah",
    # Issue 29: coordinators run their team
    "You logged in with a temporary password: choose your own first.":
        "Anda masuk dengan sandi sementara: buat sandi Anda sendiri dulu.",
    "Not allowed": "Tidak diizinkan",
    "Your account may not open this page or do this. If you need it, ask a coordinator.":
        "Akun Anda tidak boleh membuka halaman ini atau melakukan ini. Bila perlu, minta bantuan koordinator.",
    "Volunteers are added, and their passwords reset, on the volunteers page:":
        "Relawan ditambahkan, dan sandinya diatur ulang, di halaman relawan:",
    "Volunteers": "Relawan",
    "Back to Today": "Kembali ke Hari ini",
    "None yet": "Belum ada",
    "Active volunteers. They are told by WhatsApp on their staff number.":
        "Relawan yang aktif. Mereka diberi tahu lewat WhatsApp di nomor staf mereka.",
    "Assign to a volunteer": "Tugaskan ke relawan",
    "%(count)d patient(s) assigned to %(name)s; %(same)d were theirs already.":
        "%(count)d pasien ditugaskan ke %(name)s; %(same)d memang sudah pasiennya.",
    "no volunteer": "tanpa relawan",
    "Name": "Nama",
    "Staff WhatsApp number": "Nomor WhatsApp staf",
    "PRIMA tells the volunteer here about new patients and patients who need someone.":
        "Di nomor ini PRIMA memberi tahu relawan tentang pasien baru dan pasien yang perlu dihubungi.",
    "For a link to choose a password; may stay empty.": "Untuk tautan membuat sandi; boleh dikosongkan.",
    "%(name)s was added. Now give them a password.": "%(name)s sudah ditambahkan. Sekarang berikan sandinya.",
    "Their patients (%(count)d)": "Pasiennya (%(count)d)",
    "Assign patients without a volunteer": "Tugaskan pasien yang belum punya relawan",
    "told of patients assigned": "pemberitahuan pasien yang ditugaskan",
    "Deactivate (can no longer log in)": "Nonaktifkan (tidak bisa masuk lagi)",
    "%(count)d volunteer deactivated.": "%(count)d relawan dinonaktifkan.",
    "%(name)s still has %(count)d patient(s): alerts about them go to the coordinators until you assign them to another volunteer.":
        "%(name)s masih punya %(count)d pasien: peringatan tentang mereka dikirim ke koordinator sampai Anda "
        "menugaskan mereka ke relawan lain.",
    "Assign them": "Tugaskan mereka",
    "Reactivate": "Aktifkan kembali",
    "%(count)d volunteer reactivated.": "%(count)d relawan diaktifkan kembali.",
    "Password of %(name)s": "Sandi %(name)s",
    "%(name)s has no email address: give a temporary password instead, or add their address first.":
        "%(name)s tidak punya alamat email: berikan sandi sementara saja, atau tambahkan alamatnya dulu.",
    "The email to %(address)s could not be sent (%(error)s). Try again later, or give a temporary password.":
        "Email ke %(address)s tidak dapat dikirim (%(error)s). Coba lagi nanti, atau berikan sandi sementara.",
    "A link to choose a password was emailed to %(address)s. It works once.":
        "Tautan untuk membuat sandi sudah dikirim ke %(address)s. Tautan hanya bisa dipakai sekali.",
    "%(name)s is not told of %(patients)s by WhatsApp: they have no staff WhatsApp number or cannot log in. Tell them yourself.":
        "%(name)s tidak diberi tahu tentang %(patients)s lewat WhatsApp: belum punya nomor WhatsApp staf atau "
        "akunnya nonaktif. Beri tahu dia sendiri.",
    "%(name)s will be told by WhatsApp that %(patients)s is now theirs.":
        "%(name)s akan diberi tahu lewat WhatsApp bahwa %(patients)s kini pasiennya.",
    "%(name)s will be told by WhatsApp that %(patients)s moved to someone else.":
        "%(name)s akan diberi tahu lewat WhatsApp bahwa %(patients)s kini didampingi orang lain.",
    "Can add %(thing)s": "Dapat menambah %(thing)s",
    "Can change %(thing)s": "Dapat mengubah %(thing)s",
    "Can delete %(thing)s": "Dapat menghapus %(thing)s",
    "Can view %(thing)s": "Dapat melihat %(thing)s",
    "role": "peran",
    "Patient assigned, to staff": "Kabar pasien baru, ke relawan",
    "must change password": "wajib mengganti sandi",
    "volunteers": "relawan",
    "Password": "Sandi",
    "Temporary password for %(name)s (username <strong>%(username)s</strong>):":
        "Sandi sementara untuk %(name)s (nama pengguna <strong>%(username)s</strong>):",
    "Write it down or print this page and hand it over in person; it is not shown again. At the first login PRIMA asks the volunteer to choose their own password.":
        "Catat atau cetak halaman ini dan serahkan langsung; sandi ini tidak ditampilkan lagi. Saat pertama "
        "masuk, PRIMA meminta relawan membuat sandinya sendiri.",
    "Done": "Selesai",
    "Two ways to give a volunteer a password: a temporary password replaces the old one at once; a link, once the volunteer uses it.":
        "Dua cara memberi relawan sandi: sandi sementara langsung menggantikan sandi lama; tautan, setelah "
        "relawan memakainya.",
    "A link by email": "Tautan lewat email",
    "PRIMA emails %(address)s a link to choose a password. It works once, for a few days.":
        "PRIMA mengirim tautan untuk membuat sandi ke %(address)s. Tautan hanya bisa dipakai sekali, selama "
        "beberapa hari.",
    "Email a link": "Kirim tautan",
    "This volunteer has no email address.": "Relawan ini tidak punya alamat email.",
    "A temporary password on paper": "Sandi sementara di kertas",
    "PRIMA makes a password and shows it once, here. The volunteer must choose their own at the first login.":
        "PRIMA membuat sandi dan menampilkannya sekali, di sini. Relawan wajib membuat sandinya sendiri saat "
        "pertama masuk.",
    "Make a temporary password": "Buat sandi sementara",
    "Coordinator": "Koordinator",
    "Reset the password": "Atur ulang sandi",
    "password": "sandi",
    "none": "belum ada",
    "tally of pruned messages": "hitungan pesan yang dipangkas",
    "tallies of pruned messages": "hitungan pesan yang dipangkas",
    # Phone numbers: only mobiles for the people PRIMA writes to (issue 29)
    "%(raw)s is not a valid phone number.": "%(raw)s bukan nomor telepon yang benar.",
    "%(number)s is a home or office (landline) number, not a mobile WhatsApp number. Enter the mobile number the person uses WhatsApp on.":
        "%(number)s adalah nomor telepon rumah/kantor, bukan nomor WhatsApp ponsel. Isi nomor ponsel yang dipakai "
        "orang itu untuk WhatsApp.",
    # Appointments with their own day and time; who reads a preview (issue 29)
    "In the patient's time zone. For an appointment, the appointment's own time: its reminders come before it.":
        "Dalam zona waktu pasien. Untuk janji kontrol: jam janjinya sendiri; pengingatnya dikirim sebelumnya.",
    "appointment date": "tanggal janji kontrol",
    "The appointment's own day. Empty: it repeats on the days below.":
        "Hari janji kontrolnya. Kosongkan bila janji berulang pada hari-hari di bawah.",
    "remind": "ingatkan",
    "When the patient is reminded of the appointment.": "Kapan pasien diingatkan tentang janji kontrolnya.",
    "The day before, at the same time": "Sehari sebelumnya, pada jam yang sama",
    "3 hours before": "3 jam sebelumnya",
    "2 hours before": "2 jam sebelumnya",
    "1 hour before": "1 jam sebelumnya",
    "At its time": "Tepat pada jamnya",
    "This day has passed: no reminder would be sent.": "Hari itu sudah lewat: tidak ada pengingat yang akan dikirim.",
    "Who reads what": "Siapa membaca apa",
    "The patient, %(name)s, will read:": "Pasien, %(name)s, akan membaca:",
    "A caregiver will read, as the first message PRIMA sends them:":
        "Pendamping akan membaca, sebagai pesan pertama dari PRIMA kepadanya:",
    # Django's own words, said plainly (prima/admin_site.py names them for makemessages).
    "Forgotten your login credentials?": "Lupa sandi atau nama pengguna?",
    "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.":
        "Wajib. Paling banyak 150 karakter: huruf, angka, dan @ . + - _ saja.",
    "%(schedule)s: every reminder of this appointment (%(when)s) had already passed, so none is sent: "
    "tell the patient yourself.":
        "%(schedule)s: semua pengingat janji ini (%(when)s) sudah lewat waktunya, jadi tidak ada yang dikirim: "
        "kabari pasien sendiri.",
    "%(schedule)s: the reminder at %(when)s had already passed and is not sent; the later ones are.":
        "%(schedule)s: pengingat %(when)s sudah lewat waktunya dan tidak dikirim; pengingat berikutnya tetap dikirim.",
}

_ENTRY = re.compile(
    r'^((?:#.*\n)*)msgid ((?:".*"\n)+)(msgid_plural (?:".*"\n)+)?((?:msgstr.*\n(?:".*"\n)*)+)', re.M
)


def _unquote(lines: str) -> str:
    return "".join(re.findall(r'"(.*)"', lines)).replace('\\"', '"').replace("\\n", "\n")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _settled(comments: str) -> str:
    """An entry's comments once the table translates it: msgmerge's fuzzy guess and the earlier
    msgid it guessed from (`#|`) go, or compilemessages would skip the entry."""
    kept = []
    for line in comments.splitlines(keepends=True):
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() != "fuzzy"]
            line = f"#, {', '.join(flags)}\n" if flags else ""
        kept.append(line)
    return "".join(kept)


def fill(po: str) -> tuple[str, list[str]]:
    missing = []

    def replace(match: re.Match) -> str:
        comments, quoted_msgid, plural = match.group(1), match.group(2), match.group(3)
        msgid = _unquote(quoted_msgid)
        if not msgid:
            return match.group(0)
        if msgid not in INDONESIAN:
            missing.append(msgid)
            return match.group(0)
        key = "msgstr[0]" if plural else "msgstr"
        return f"{_settled(comments)}msgid {quoted_msgid}{plural or ''}{key} {_quote(INDONESIAN[msgid])}\n"

    # The header's own fuzzy flag (a new file's) goes; an untranslated entry's stays, or its guess would be compiled.
    return re.sub(r'^#, fuzzy\n(?=msgid ""\nmsgstr ""\n)', "", _ENTRY.sub(replace, po), count=1, flags=re.M), missing


if __name__ == "__main__":
    text, untranslated = fill(PO.read_text())
    PO.write_text(text.replace('"Language: \\n"', '"Language: id\\n"'))
    for msgid in untranslated:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
