"""Issue 29, item 7, in a real browser asking for Indonesian, on a phone and on a laptop: a
coordinator opens the volunteers page, adds a volunteer, prints a temporary password and sees
the volunteer's page; the
volunteer logs in with it and must choose their own before anything else; the login page's
"forgot password" asks for an email and answers the same whoever it belongs to. No page may
scroll sideways or show English (tests/browser.py)."""
import pytest
from django.core import mail

from reminders.models import StaffProfile
from reminders.workspace.roles import COORDINATOR, VOLUNTEER
from tests.admin.conftest import staff_who_can_log_in
from tests.factories import make_patient
from tests.browser import LAPTOP, PHONE, VOLUNTEER_PASSWORD, check_page, list_scrolls_sideways

NEW_PASSWORD = "Kopi-tubruk-2026"


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=lambda screen: screen.name)
def test_a_coordinator_adds_a_volunteer_who_then_chooses_a_password(admin_browser, transactional_db, screen):
    staff_who_can_log_in("koordinator", COORDINATOR)
    ani = staff_who_can_log_in("relawan.ani", VOLUNTEER)
    ani.first_name = "Ani Lestari"
    ani.save()
    StaffProfile.objects.create(user=ani, phone="+6281311110001")
    make_patient(name="Ibu Sari Wulandari", volunteer=ani)
    browser, problems = admin_browser, []
    browser.use_screen(screen)
    browser.log_in("koordinator", VOLUNTEER_PASSWORD)

    browser.click(".prima-menu a[href$='/reminders/volunteer/']", ready="body.change-list")
    check_page(browser, problems)
    if list_scrolls_sideways(browser):
        problems.append("the volunteers list scrolls sideways")
    browser.click("a.addlink", ready="body.change-form")
    check_page(browser, problems)
    for name, value in [("name", "Citra Maharani"), ("username", "relawan.citra"), ("email", "citra@example.org"),
                        ("phone", "0813 2222 0003")]:
        browser.type(name, value)
    browser.click("input[name=_save]", ready=".volunteer-password")
    check_page(browser, problems)
    browser.click(".volunteer-password input[value='Buat sandi sementara']", ready=".temporary-password")
    check_page(browser, problems)
    temporary = browser.find(".temporary-password code").text
    browser.click(".volunteer-password a.button", ready="body.change-form")  # the volunteer's own page
    check_page(browser, problems)
    browser.click(".field-password_link a.button", ready=".volunteer-password form")  # and back to a reset
    assert StaffProfile.objects.get(user__username="relawan.citra").phone == "+6281322220003"

    browser.driver.delete_all_cookies()
    browser.open("login/", ready="body.login")
    browser.type("username", "relawan.citra")
    browser.type("password", temporary)
    browser.click("input[type=submit]", ready="input[name=new_password1]")  # not today: the password first
    check_page(browser, problems)
    browser.type("old_password", temporary)
    browser.type("new_password1", NEW_PASSWORD)
    browser.type("new_password2", NEW_PASSWORD)
    browser.click("input[type=submit]", ready="#content")
    browser.open("", ready="body.dashboard.today")
    check_page(browser, problems)

    browser.driver.delete_all_cookies()
    browser.open("login/", ready="body.login")
    browser.click(".password-reset-link a", ready="input[name=email]")
    check_page(browser, problems)
    browser.type("email", "citra@example.org")
    browser.click("input[type=submit]", ready="#content")
    check_page(browser, problems)
    assert [email.to for email in mail.outbox] == [["citra@example.org"]]
    assert problems == []
