import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_speaks_indonesian_to_an_indonesian_browser(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_changelist"), headers={"Accept-Language": "id"})
    text = page.content.decode()
    assert "Kepatuhan 7 hari" in text  # ours
    assert "Kirim pengingat hari ini sekarang" in text


def test_it_speaks_english_to_an_english_browser(ani_client, anis_patient):
    page = ani_client.get(reverse("admin:reminders_patient_changelist"), headers={"Accept-Language": "en"})
    assert "7-day compliance" in page.content.decode()


def test_the_health_page_speaks_indonesian_about_the_quota(coordinator_client, settings):
    settings.FONNTE_QUOTA_ALERT_BELOW = 100
    page = coordinator_client.get(reverse("admin:reminders_schedulerheartbeat_changelist"),
                                  headers={"Accept-Language": "id"})
    assert "Sisa kuota (peringatan di bawah 100)" in page.content.decode()
