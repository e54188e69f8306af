"""Issue 29, item 7: coordinators run their team from an Indonesian page — volunteers added,
deactivated, given a password by a one-time link or a temporary one to change at first login,
patients assigned and their volunteer told by WhatsApp — and nobody recovers a password by
guessing addresses. Over HTTP, asking for Indonesian."""
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from reminders.models import Message, Patient, StaffNotification, StaffProfile, Volunteer
from reminders.workspace.roles import COORDINATOR, VOLUNTEER
from tests.admin.conftest import make_staff
from tests.admin.english import english_words, visible_text
from tests.factories import make_patient
from tests.reminders.test_sending import drain_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]
ID = {"Accept-Language": "id"}
NEW_PASSWORD = "Kopi-tubruk-2026"


def named(username: str, role: str, name: str, phone: str = "", email: str = ""):
    user = make_staff(username, role)
    user.first_name, user.email = name, email
    user.save()
    if phone:
        StaffProfile.objects.create(user=user, phone=phone)
    return user


@pytest.fixture
def ani(db):
    return named("relawan.ani", VOLUNTEER, "Ani Lestari", "+6281311110001", "ani@example.org")


@pytest.fixture
def budi(db):
    return named("relawan.budi", VOLUNTEER, "Budi Santoso", "+6281311110002")


@pytest.fixture
def coordinator(db):
    return named("koordinator", COORDINATOR, "Dewi Koordinator", "+6281311110009")


def page(client, url: str, **kwargs):
    return client.get(url, headers=ID, **kwargs)


def text(response) -> str:
    return response.content.decode()


# The volunteers page --------------------------------------------------------------------------

def test_a_coordinator_lists_their_volunteers_by_name_and_no_one_above_them(coordinator_client, ani, budi):
    get_user_model().objects.create_superuser("admin", "", "x")
    make_patient(name="Ibu Sari", volunteer=ani)
    response = page(coordinator_client, reverse("admin:reminders_volunteer_changelist"))
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(str(volunteer), volunteer.patient_count) for volunteer in rows] == [("Ani Lestari", 1), ("Budi Santoso", 0)]
    body = text(response)
    assert "+6281311110001" in body and "Relawan" in body and "Tambahkan relawan" in body
    assert "admin" not in [volunteer.username for volunteer in rows]


def test_a_coordinator_adds_a_volunteer_who_is_a_volunteer_and_nothing_more(coordinator_client, coordinator):
    coordinators = Group.objects.get(name=COORDINATOR)
    response = coordinator_client.post(reverse("admin:reminders_volunteer_add"), {
        "name": "Citra Maharani", "username": "relawan.citra", "email": "citra@example.org", "phone": "0813 2222 0003",
        # what a hostile form could add: none of it is a field of this page
        "is_superuser": "on", "groups": [coordinators.pk], "user_permissions": ["1"],
    }, headers=ID)
    citra = get_user_model().objects.get(username="relawan.citra")
    assert response.status_code == 302
    assert response.url == reverse("admin:reminders_volunteer_password", args=[citra.pk])
    assert (citra.first_name, citra.email, citra.is_staff, citra.is_superuser) == (
        "Citra Maharani", "citra@example.org", True, False)
    assert list(citra.groups.values_list("name", flat=True)) == [VOLUNTEER]
    assert not citra.user_permissions.exists() and not citra.has_usable_password()
    assert citra.staff_profile.phone == "+6281322220003"
    assert not citra.has_perm("reminders.see_all_patients")


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_a_coordinator_cannot_touch_another_coordinator_or_a_superuser(coordinator_client, who):
    other = (named("koordinator.eko", COORDINATOR, "Eko") if who == "coordinator"
             else get_user_model().objects.create_superuser("admin", "", "x"))
    other.groups.add(Group.objects.get(name=VOLUNTEER))  # even one who is also in the volunteer group
    for url in [reverse("admin:reminders_volunteer_change", args=[other.pk]),
                reverse("admin:reminders_volunteer_password", args=[other.pk])]:
        response = coordinator_client.get(url, headers=ID)
        assert response.status_code in (302, 404)
        assert "password" not in response.headers.get("Location", "")
    coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[other.pk]), {"how": "temporary"})
    coordinator_client.post(reverse("admin:reminders_volunteer_changelist"),
                            {"action": "deactivate", ACTION_CHECKBOX_NAME: [other.pk]})
    other.refresh_from_db()
    assert other.is_active and other.check_password("x")
    assert coordinator_client.get(reverse("admin:auth_user_add"), headers=ID).status_code == 403


def test_a_volunteer_has_no_team_page(ani_client):
    assert ani_client.get(reverse("admin:reminders_volunteer_changelist")).status_code == 403


def test_a_refusal_is_said_in_indonesian_with_the_way_to_the_team_page(coordinator_client):
    response = coordinator_client.get(reverse("admin:auth_user_add"), headers=ID)
    assert response.status_code == 403
    assert "Tidak diizinkan" in text(response) and reverse("admin:reminders_volunteer_changelist") in text(response)
    assert "403 Forbidden" not in text(response)


def test_deactivating_a_volunteer_says_who_still_has_patients(coordinator_client, ani, budi):
    make_patient(name="Ibu Sari", volunteer=ani)
    response = coordinator_client.post(reverse("admin:reminders_volunteer_changelist"), {
        "action": "deactivate", ACTION_CHECKBOX_NAME: [ani.pk, budi.pk]}, headers=ID, follow=True)
    ani.refresh_from_db(), budi.refresh_from_db()
    assert not ani.is_active and not budi.is_active
    said = [str(message) for message in response.context["messages"]]
    assert said[0] == "2 relawan dinonaktifkan."
    assert said[1].startswith("Ani Lestari masih punya 1 pasien") and len(said) == 2


# Passwords ------------------------------------------------------------------------------------

def test_a_temporary_password_is_shown_once_and_must_be_changed_at_first_login(client, coordinator_client, ani):
    response = coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[ani.pk]),
                                       {"how": "temporary"}, headers=ID)
    password = response.context["password"]
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password) and password in text(response)
    assert "Sandi sementara untuk Ani Lestari" in text(response)
    coordinator_client.logout()

    log_in(client, "relawan.ani", password)
    for url in [reverse("admin:index"), reverse("admin:reminders_patient_changelist")]:
        response = client.get(url, headers=ID)
        assert response.status_code == 302 and response.url == reverse("admin:password_change")
    change = client.get(reverse("admin:password_change"), headers=ID)
    assert "Anda masuk dengan sandi sementara" in text(change)
    client.post(reverse("admin:password_change"), {"old_password": password, "new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})
    assert client.get(reverse("admin:index"), headers=ID).status_code == 200
    ani.refresh_from_db()
    assert ani.check_password(NEW_PASSWORD) and not ani.staff_profile.must_change_password


def log_in(client, username: str, password: str) -> None:
    """As a person does, through the login form (django-axes wants the request)."""
    response = client.post(reverse("admin:login"), {"username": username, "password": password})
    assert response.status_code == 302, "the login was refused"


def follow_link(client, body: str, password: str):
    """The link in an email, followed as a browser does: Django swaps the token for a session
    and redirects to the form."""
    link = re.search(r"http://testserver(/\S+)", body) or re.search(r"https?://[^/\s]+(/\S+)", body)
    form = client.get(link.group(1), follow=True, headers=ID)
    assert form.context["validlink"], "the link was refused"
    return client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password},
                       headers=ID)


def test_a_link_by_email_works_once_and_ends_a_temporary_password(client, coordinator_client, ani):
    coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[ani.pk]), {"how": "temporary"})
    response = coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[ani.pk]), {"how": "link"},
                                       headers=ID, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Tautan untuk membuat sandi sudah dikirim ke ani@example.org. Tautan hanya bisa dipakai sekali."]
    [email] = mail.outbox
    assert email.to == ["ani@example.org"] and "Buat sandi baru" in email.subject and "relawan.ani" in email.body
    coordinator_client.logout()

    done = follow_link(client, email.body, NEW_PASSWORD)
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    ani.refresh_from_db()
    assert ani.check_password(NEW_PASSWORD) and not ani.staff_profile.must_change_password
    again = client.get(re.search(r"https?://[^/\s]+(/\S+)", email.body).group(1), follow=True)
    assert not again.context["validlink"]  # once only


def test_no_email_address_means_no_link_and_it_says_so(coordinator_client, budi):
    response = coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[budi.pk]), {"how": "link"},
                                       headers=ID, follow=True)
    assert not mail.outbox
    assert "Budi Santoso tidak punya alamat email" in [str(m) for m in response.context["messages"]][0]


def test_a_mail_server_that_refuses_is_reported_not_hidden(coordinator_client, ani, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused at once
    response = coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[ani.pk]), {"how": "link"},
                                       headers=ID, follow=True)
    assert "tidak dapat dikirim" in [str(m) for m in response.context["messages"]][0]


def test_the_login_page_recovers_a_password_by_email_without_telling_who_has_an_account(client, ani):
    login = page(client, reverse("admin:login"))
    assert reverse("admin_password_reset") in text(login)
    form = page(client, reverse("admin_password_reset"))
    assert form.status_code == 200 and "PRIMA" in text(form)

    known = client.post(reverse("admin_password_reset"), {"email": "ANI@example.org"}, headers=ID)
    unknown = client.post(reverse("admin_password_reset"), {"email": "siapa@example.org"}, headers=ID)
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, reverse("password_reset_done"))
    [email] = mail.outbox
    assert email.to == ["ani@example.org"] and "http://127.0.0.1:8000/" in email.body  # SITE_URL, not the Host
    done = follow_link(client, email.body, NEW_PASSWORD)
    assert done.status_code == 302
    log_in(client, "relawan.ani", NEW_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200


def test_password_mails_to_one_address_are_limited_silently(client, ani, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_email": {"limit": 2, "window": 3600.0}}
    answers = {client.post(reverse("admin_password_reset"), {"email": "ani@example.org"}).url for _try in range(4)}
    assert answers == {reverse("password_reset_done")} and len(mail.outbox) == 2


# Assigning patients and telling the volunteer ---------------------------------------------------

def test_the_volunteer_picker_lists_active_volunteers_by_name_only(coordinator_client, ani, budi, coordinator):
    get_user_model().objects.create_superuser("admin", "", "x")
    named("relawan.lama", VOLUNTEER, "Lama Sekali").__class__.objects.filter(username="relawan.lama").update(
        is_active=False)
    patient = make_patient(name="Ibu Sari")
    response = page(coordinator_client, reverse("admin:reminders_patient_change", args=[patient.pk]))
    field = response.context["adminform"].form.fields["volunteer"]
    assert [label for _value, label in field.choices] == ["---------", "Ani Lestari", "Budi Santoso"]
    listing = page(coordinator_client, reverse("admin:reminders_patient_changelist"))
    volunteer_filter = next(spec for spec in listing.context["cl"].filter_specs if getattr(spec, "parameter_name", "") == "volunteer")
    assert [label for _value, label in volunteer_filter.lookup_choices] == [
        "Belum ada", "Ani Lestari", "Budi Santoso", "Lama Sekali"]


def test_a_patient_assigned_or_moved_tells_both_volunteers_after_the_fact(coordinator_client, ani, budi, outbox):
    patient = make_patient(name="Ibu Sari", volunteer=ani)
    url = reverse("admin:reminders_patient_change", args=[patient.pk])
    form = page(coordinator_client, url).context["adminform"].form
    data = {**{name: value for name, value in form.initial.items() if value is not None and name in form.fields},
            "volunteer": budi.pk, "caregivers-TOTAL_FORMS": 0, "caregivers-INITIAL_FORMS": 0,
            "schedules-TOTAL_FORMS": 0, "schedules-INITIAL_FORMS": 0, "check_in_day": ""}
    data.pop("device", None)
    response = coordinator_client.post(url, data, headers=ID, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert "Budi Santoso akan diberi tahu lewat WhatsApp bahwa Ibu Sari kini pasiennya." in said
    assert "Ani Lestari akan diberi tahu lewat WhatsApp bahwa Ibu Sari kini didampingi orang lain." in said
    patient.refresh_from_db()
    assert patient.volunteer == budi
    notices = StaffNotification.objects.filter(patient=patient).order_by("id")
    assert [(n.recipient, n.role, n.status) for n in notices] == [(budi, "assigned", "PENDING"),
                                                                    (ani, "moved away", "PENDING")]

    drain_all()
    bodies = {entry.phone: entry.body for entry in outbox}
    assert sorted(bodies) == ["+6281311110001", "+6281311110002"]
    assert set(StaffNotification.objects.filter(patient=patient).values_list("status", flat=True)) == {"SENT"}
    assert "kini didampingi oleh Anda" in bodies["+6281311110002"] and patient.phone in bodies["+6281311110002"]
    assert "kini didampingi relawan Budi Santoso" in bodies["+6281311110001"]

    coordinator_client.post(url, data, headers=ID)  # saved again, nothing changed
    assert Message.objects.filter(kind=Message.Kind.ASSIGNMENT).count() == 2


def test_a_volunteer_with_no_staff_number_is_not_told_and_the_coordinator_hears_so(coordinator_client, ani):
    """Assigned from the list of patients nobody has, as the volunteer's page links to it."""
    nomor_kosong = named("relawan.eka", VOLUNTEER, "Eka Putri")
    patients = [make_patient(name="Ibu Sari"), make_patient(name="Bapak Made")]
    response = coordinator_client.post(reverse("admin:reminders_patient_changelist") + "?volunteer=none", {
        "action": "assign_to_volunteer", "apply": "1", "volunteer": nomor_kosong.pk,
        ACTION_CHECKBOX_NAME: [p.pk for p in patients]}, headers=ID, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert said[0] == "2 pasien ditugaskan ke Eka Putri; 0 memang sudah pasiennya."
    assert said[1].startswith("Eka Putri tidak diberi tahu tentang Ibu Sari, Bapak Made lewat WhatsApp") or \
        said[1].startswith("Eka Putri tidak diberi tahu tentang Bapak Made, Ibu Sari lewat WhatsApp")
    assert set(Patient.objects.values_list("volunteer", flat=True)) == {nomor_kosong.pk}
    assert not Message.objects.filter(kind=Message.Kind.ASSIGNMENT).exists()
    assert not StaffNotification.objects.exists()


def test_assigning_patients_from_the_list_asks_for_the_volunteer_first(coordinator_client, ani, budi):
    patient = make_patient(name="Ibu Sari", volunteer=ani)
    response = coordinator_client.post(reverse("admin:reminders_patient_changelist"), {
        "action": "assign_to_volunteer", ACTION_CHECKBOX_NAME: [patient.pk]}, headers=ID)
    assert response.status_code == 200 and "<strong>Ibu Sari</strong>: Ani Lestari" in text(response)
    assert not Message.objects.exists()
    coordinator_client.post(reverse("admin:reminders_patient_changelist"), {
        "action": "assign_to_volunteer", "apply": "1", "volunteer": ani.pk, ACTION_CHECKBOX_NAME: [patient.pk]})
    assert not Message.objects.exists()  # already hers: nobody told


def test_a_volunteer_cannot_assign_patients(ani_client, ani, budi):
    patient = make_patient(name="Ibu Sari", volunteer=ani)
    ani_client.post(reverse("admin:reminders_patient_changelist"), {
        "action": "assign_to_volunteer", "apply": "1", "volunteer": budi.pk, ACTION_CHECKBOX_NAME: [patient.pk]})
    patient.refresh_from_db()
    assert patient.volunteer == ani


# The superuser's user page ------------------------------------------------------------------------

def test_a_superusers_user_page_names_permissions_and_groups_in_indonesian(client, ani):
    client.force_login(get_user_model().objects.create_superuser("admin", "", "x"))
    response = page(client, reverse("admin:auth_user_change", args=[ani.pk]))
    form = response.context["adminform"].form
    groups = {label for _value, label in form.fields["groups"].choices}
    assert {"Koordinator", "Relawan"} <= groups and "coordinator" not in groups
    permissions = {label for _value, label in form.fields["user_permissions"].choices}
    assert "Administrasi | Dapat menambah entri pencatatan" in permissions
    assert not [label for label in permissions if "Can " in label or "pruned" in label]
    listing = page(client, reverse("admin:auth_group_changelist"))
    assert "Koordinator" in text(listing) and ">coordinator<" not in text(listing)
    assert Group.objects.filter(name=COORDINATOR).exists()  # the stored names are untouched
    assert Volunteer.objects.filter(pk=ani.pk).exists()


def test_every_page_of_the_team_and_of_password_recovery_speaks_indonesian(client, coordinator_client, ani):
    patient = make_patient(name="Ibu Sari", volunteer=ani)
    pages = {
        "list": page(coordinator_client, reverse("admin:reminders_volunteer_changelist")),
        "add": page(coordinator_client, reverse("admin:reminders_volunteer_add")),
        "change": page(coordinator_client, reverse("admin:reminders_volunteer_change", args=[ani.pk])),
        "password": page(coordinator_client, reverse("admin:reminders_volunteer_password", args=[ani.pk])),
        "temporary": coordinator_client.post(reverse("admin:reminders_volunteer_password", args=[ani.pk]),
                                             {"how": "temporary"}, headers=ID),
        "assign": coordinator_client.post(reverse("admin:reminders_patient_changelist"), {
            "action": "assign_to_volunteer", ACTION_CHECKBOX_NAME: [patient.pk]}, headers=ID),
        "refused": coordinator_client.get(reverse("admin:auth_user_add"), headers=ID),
        "forgot": page(client, reverse("admin_password_reset")),
        "sent": page(client, reverse("password_reset_done")),
        "bad link": page(client, reverse("password_reset_confirm", args=["MQ", "set-password"])),
        "set": page(client, reverse("password_reset_complete")),
    }
    english = {name: english_words(visible_text(text(response))) for name, response in pages.items()}
    assert {name: words for name, words in english.items() if words} == {}
