"""Issue 29's forms in a real browser asking for Indonesian, on a phone and on a laptop: an
escalation called and nobody answered (it stays on Hari ini, saying so), undone, then reached;
a patient paused with a reason and a last day, shown on the patient's page and on Hari ini. No
page may scroll sideways or show English (tests/browser.py's check_page)."""
from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation

from reminders.models import Escalation, Patient
from reminders.workspace.roles import VOLUNTEER
from tests.admin.conftest import staff_who_can_log_in
from tests.browser import LAPTOP, PHONE, VOLUNTEER_PASSWORD, check_page
from tests.factories import make_patient


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=lambda screen: screen.name)
def test_recording_what_happened_and_pausing_fit_the_screen_in_indonesian(admin_browser, transactional_db, screen):
    volunteer = staff_who_can_log_in("relawan.ani", VOLUNTEER)
    sari = make_patient(name="Ibu Sari Wulandari", phone="+6281210000000", volunteer=volunteer)
    escalation = Escalation.objects.create(patient=sari, rule=Escalation.Rule.MISSED_IN_A_ROW, count=3,
                                           local_date=timezone.localdate())
    made = make_patient(name="Bapak Made Suarta", phone="+6281210000001", volunteer=volunteer)
    last_day = timezone.localdate() + timedelta(days=7)
    browser, problems = admin_browser, []
    browser.use_screen(screen)
    browser.log_in("relawan.ani", VOLUNTEER_PASSWORD)

    browser.click("li.today-escalation form.one-tap[action*='/act/mark_called/'] button",
                  ready="form.action-mark_called input[name=outcome]")
    check_page(browser, problems)
    browser.find("input[name=outcome][value=NOT_REACHED]").click()
    browser.type("note", "HP tidak aktif, coba lagi sore")
    browser.click("form.action-mark_called input[type=submit]", ready="body.today .messagelist .success")
    assert "Sudah dicoba 1 kali, tidak ada yang menjawab" in browser.find("li.today-escalation").text
    assert "Sudah dicoba, tidak ada yang menjawab" in browser.find("section.today-recorded").text
    check_page(browser, problems)
    browser.click("section.today-recorded form.one-tap button", ready="body.today .messagelist .success")
    assert not escalation.handlings.exists()
    assert not browser.driver.find_elements("css selector", "section.today-recorded")

    browser.click("li.today-escalation form.one-tap[action*='/act/mark_called/'] button",
                  ready="form.action-mark_called input[name=outcome]")
    browser.find("input[name=outcome][value=REACHED]").click()
    browser.click("form.action-mark_called input[type=submit]", ready="body.today .messagelist .success")
    assert not browser.driver.find_elements("css selector", "li.today-escalation")
    escalation.refresh_from_db()
    assert (escalation.handled_by, escalation.handling) == (volunteer, "REACHED")

    browser.open(f"reminders/patient/{made.pk}/change/", ready="body.change-form")
    browser.click("form.one-tap[action*='/act/pause_reminders/'] button", ready="form.action-pause_reminders")
    check_page(browser, problems)
    browser.find("input[name=kind][value=HOSPITAL]").click()
    browser.type("reason", "RSUP Sanglah")
    browser.driver.execute_script("document.querySelector('input[name=until]').value = arguments[0]",
                                  last_day.isoformat())
    browser.click("form.action-pause_reminders input[type=submit]", ready="body.change-form .messagelist .success")
    with translation.override("id"):
        said = f"Dijeda sampai {formats.date_format(last_day, 'j F Y')}: Dirawat di rumah sakit: RSUP Sanglah"
    assert said in browser.find(".field-reminders_paused").text
    check_page(browser, problems)
    browser.click(".prima-menu a:first-child", ready="body.today")
    assert said in browser.find("section.today-paused-patients").text
    check_page(browser, problems)
    made.refresh_from_db()
    assert (made.is_active, made.pause_kind, made.paused_until) == (False, Patient.PauseKind.HOSPITAL, last_day)
    assert problems == []
