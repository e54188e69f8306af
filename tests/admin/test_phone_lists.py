"""Lists and inline rows that read on a phone (prima/phone_cards.py), and the words left over in
English or jargon (issue 29, item 9), as the pages say them to an Indonesian browser. The browser
test (test_every_page.py) checks how they fit; these check what they say."""
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from locks.services import acquire_lock
from ratelimit.services import check as check_rate_limit
from reminders.models import Caregiver, SendingPause, StaffNotification
from tests.admin.conftest import logged_in
from tests.factories import make_patient, make_reminder, make_schedule
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db
INDONESIAN = {"Accept-Language": "id"}


def cell(page: str, field: str) -> str:
    """The opening tag of the first list cell of `field`."""
    return re.search(rf'<t[dh] [^>]*class="field-{field}"[^>]*>', page).group(0)


def test_a_patient_row_labels_its_cells_and_shows_on_a_phone_what_a_volunteer_acts_on(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_changelist"), headers=INDONESIAN).content.decode()

    assert 'data-label="Pengingat"' in cell(page, "reminders_state")  # Aktif / Dijeda, in words
    assert 'data-label="Kepatuhan 7 hari"' in cell(page, "compliance_badge")
    for shown in ["name", "verification_status", "reminders_state", "next_reminder", "compliance_badge"]:
        assert "data-phone" not in cell(page, shown), shown
    for folded in ["phone", "last_reply"]:
        assert 'data-phone="hidden"' in cell(page, folded), folded
    assert '<td class="action-checkbox">' in page  # the checkbox: no label, always there
    assert '<table id="result_list" class="phone-cards">' in page


def test_the_inbox_shows_on_a_phone_what_the_patient_wrote(ani_client, anis_patient):
    anis_patient.replies.create(text="Obat saya tinggal dua hari", intent="FREE_TEXT", needs_attention=True)
    page = ani_client.get(reverse("admin:reminders_patientreply_changelist"), headers=INDONESIAN).content.decode()

    assert re.search(r'<td data-label="Teks" class="field-text">Obat saya tinggal dua hari</td>', page)
    assert 'data-phone="hidden"' in cell(page, "outcome_text")


def test_a_list_whose_admin_names_no_phone_columns_shows_them_all(coordinator_client):
    WebhookEvent.objects.create(kind="INCOMING", dedupe_key="k", payload={}, state="PROCESSED")
    page = coordinator_client.get(reverse("admin:webhooks_webhookevent_changelist"), headers=INDONESIAN)

    assert 'data-phone="hidden"' not in page.content.decode()
    assert 'data-label="Hasil"' in cell(page.content.decode(), "result_shown")


def test_caregiver_rows_are_labelled_and_their_help_opens_by_a_tap(ani_client, anis_patient):
    Caregiver.objects.create(patient=anis_patient, name="Rina", relation="anak", phone="+6281377770009")
    page = ani_client.get(reverse("admin:reminders_patient_change", args=[anis_patient.pk]),
                          headers=INDONESIAN).content.decode()

    assert '<td class="field-relation" data-label="Hubungan">' in page
    assert ('<details class="help-tap"><summary title="Bantuan">?</summary><div class="help">Misalnya anak, suami.'
            in page)  # a tap opens it; no tooltip that needs a mouse
    assert '<div class="help phone-help">Misalnya anak, suami.</div>' in page  # said in the card on a phone
    assert "help-tooltip" not in page


def test_who_was_told_reads_in_indonesian(ani_client, anis_patient, ani):
    reply = anis_patient.replies.create(text="sesak", intent="EMERGENCY", urgent=True, needs_attention=True)
    notification = StaffNotification.objects.create(
        patient=anis_patient, reply=reply, recipient=ani, role="volunteer", channel="email", address="ani@example.org",
        status="SENT", sent_at=timezone.now())
    page = ani_client.get(reverse("admin:reminders_patientreply_change", args=[reply.pk]),
                          headers=INDONESIAN).content.decode()

    with translation.override("id"):
        assert str(notification) == "Email ke relawan.ani (Terkirim)"
    assert "Email ke relawan.ani (Terkirim)" in page and "Email to" not in page
    assert "<p>relawan</p>" in page and "<p>volunteer</p>" not in page


def test_a_webhook_events_result_reads_in_indonesian(coordinator_client):
    WebhookEvent.objects.create(kind="INCOMING", dedupe_key="k", payload={}, state="PROCESSED",
                                result="CONFIRM: no reminder waiting")
    page = coordinator_client.get(reverse("admin:webhooks_webhookevent_changelist"), headers=INDONESIAN)

    assert "Sudah minum obat: tidak ada pengingat yang menunggu" in page.content.decode()
    assert "CONFIRM" not in page.content.decode()


def test_the_health_page_names_keys_in_words_and_pauses_in_indonesian(coordinator_client, coordinator):
    patient = make_patient(name="Ibu Sari")
    check_rate_limit("patient_response", patient.pk)
    acquire_lock(f"patient:{patient.pk}", ttl=600)
    SendingPause.objects.create(scope="+6281100000002", kind="DEVICE", since=timezone.now(),
                                reason="device +6281100000002 disconnected: phone offline",
                                probe_at=timezone.now())
    page = coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist"),
                                  headers=INDONESIAN).content.decode()

    assert f'<td title="patient_response:{patient.pk}">balasan dari Ibu Sari</td>' in page
    assert f'<td title="patient:{patient.pk}">balasan dari Ibu Sari sedang diproses</td>' in page
    assert "perangkat +6281100000002 terputus: phone offline" in page  # Fonnte's own reason stays as it said
    assert "device +6281100000002 disconnected" not in page
    usage = coordinator_client.get(reverse("admin:ratelimit_ratelimitevent_changelist"),
                                   headers=INDONESIAN).content.decode()
    assert f'<th scope="row" title="patient_response:{patient.pk}">balasan dari Ibu Sari</th>' in usage
    locks = coordinator_client.get(reverse("admin:locks_lock_changelist"), headers=INDONESIAN).content.decode()
    assert f'<span title="patient:{patient.pk}">balasan dari Ibu Sari sedang diproses</span>' in locks


def test_a_wrong_password_is_said_once_in_plain_words(client, ani):
    page = client.post(reverse("admin:login"), {"username": "relawan.ani", "password": "salah"},
                       headers=INDONESIAN).content.decode()

    assert "Nama pengguna atau sandi salah." in page
    assert "nama pengguna nama pengguna" not in page


def test_a_search_says_how_many_it_found(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_changelist") + "?q=Sari",
                          headers=INDONESIAN).content.decode()

    assert "1 ditemukan (" in page and "tampilkan semua" in page
    assert "buah" not in page


def test_moving_a_patient_names_primas_main_number_plainly(coordinator_client, coordinator):
    coordinator.user_permissions.add(Permission.objects.get(codename="change_device"))
    patient = make_patient(name="Ibu Sari")
    page = logged_in(coordinator_client, coordinator).post(
        reverse("admin:reminders_patient_changelist"),
        {"action": "move_to_device", "_selected_action": [patient.pk]}, headers=INDONESIAN).content.decode()

    assert "<strong>Ibu Sari</strong>: nomor utama PRIMA" in page and "FONNTE_TOKEN" not in page


def test_a_time_column_on_the_patients_clock_still_shows_on_a_phone(ani_client, anis_patient):
    """The list's "when" (a column get_list_display swaps for one on the patient's clock, 07.25 WITA)
    stays in the phone's card: phone_columns names it by its field's name."""
    make_reminder(make_schedule(anis_patient))
    page = ani_client.get(reverse("admin:reminders_reminder_changelist"), headers=INDONESIAN).content.decode()

    assert "data-phone" not in cell(page, "due_at")
    assert 'data-label="Jatuh tempo"' in cell(page, "due_at")


def test_the_login_page_offers_a_forgotten_password_in_plain_words(client):
    page = client.get(reverse("admin:login"), headers=INDONESIAN).content.decode()

    assert "Lupa sandi atau nama pengguna?" in page and "kredensial" not in page


def test_a_new_volunteers_username_help_reads_plainly(coordinator_client):
    page = coordinator_client.get(reverse("admin:reminders_volunteer_add"), headers=INDONESIAN).content.decode()

    assert "Paling banyak 150 karakter" in page and "atau sedikit" not in page


def test_a_reply_page_says_what_happened_without_jargon(ani_client, anis_patient):
    reply = anis_patient.replies.create(text="BELUM", intent="NOT_YET", outcome="1 reminder(s) not yet taken; "
                                        "1 follow-up(s) queued")
    page = ani_client.get(reverse("admin:reminders_patientreply_change", args=[reply.pk]),
                          headers=INDONESIAN).content.decode()

    assert "Fonnte" not in page and "1 dosis belum diminum; 1 pengingat ulang diantrekan" in page
