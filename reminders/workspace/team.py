"""A coordinator's team: adding volunteers, giving them a password, and assigning patients.

A coordinator never chooses a password for someone else to keep: either PRIMA emails the
volunteer a one-time link (Django's password reset tokens: it works once, and not after the
password changed or PASSWORD_RESET_TIMEOUT passed), or it makes a temporary password for the
coordinator to hand over on paper, which the volunteer must replace at their first login
(`must_change_password`, enforced by prima/admin_site.py)."""
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from reminders.models import StaffProfile
from reminders.outbox.assignments import Telling, tell_assignment
from reminders.workspace.roles import VOLUNTEER

# The session's note that its user logged in with a temporary password.
TEMPORARY_PASSWORD = "prima_temporary_password"
# Letters and digits nobody misreads on paper (no 0/o, 1/l/i): three groups of four.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def enrol_volunteer(user: AbstractBaseUser, phone: str) -> None:
    """Save a new user as a volunteer and nothing more: staff (to log in to the admin), never a
    superuser, in the volunteer group only, with their staff WhatsApp number and no password yet
    (the coordinator gives one next: a link or a temporary password)."""
    with transaction.atomic():
        user.is_staff, user.is_superuser = True, False
        user.set_unusable_password()
        user.save()
        user.groups.set([Group.objects.get(name=VOLUNTEER)])
        StaffProfile.objects.create(user=user, phone=phone)


def set_staff_phone(user: AbstractBaseUser, phone: str) -> None:
    StaffProfile.objects.update_or_create(user=user, defaults={"phone": phone})


def set_temporary_password(user: AbstractBaseUser) -> str:
    """A new password to hand over on paper; the volunteer must choose their own at first login."""
    password = "-".join(get_random_string(4, READABLE) for _group in range(3))
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        StaffProfile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    return password


def must_change_password(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and StaffProfile.objects.filter(user=user, must_change_password=True).exists()


def remember_temporary_password(sender, request: HttpRequest, user: AbstractBaseUser, **kwargs) -> None:
    """At login (`user_logged_in`), whether the password is a temporary one, kept in the session:
    every page then asks the session, not the database. A temporary password set later changes
    the password's hash, which ends the volunteer's sessions, so they log in again and it is read."""
    if must_change_password(user):
        request.session[TEMPORARY_PASSWORD] = True


def on_temporary_password(request: HttpRequest) -> bool:
    return request.session.get(TEMPORARY_PASSWORD, False)


def password_chosen(request: HttpRequest, user: AbstractBaseUser) -> None:
    """The user set a password of their own (changed it, or followed a link): no longer temporary."""
    StaffProfile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    request.session.pop(TEMPORARY_PASSWORD, None)


def password_email_context() -> dict:
    """What the password email (reminders/email/password_link_*.txt) needs beyond Django's
    reset context, also for the login page's "forgot password" (prima/passwords.py): the link
    is built on SITE_URL, never on the Host a request claims."""
    return {"site_url": settings.SITE_URL.rstrip("/"), "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}


def send_password_link(user: AbstractBaseUser) -> None:
    """Email the user a one-time link to choose a password. Raises when the mail server refuses:
    the caller says it was not sent."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    context = {**password_email_context(), "user": user, "uid": uid,
               "token": default_token_generator.make_token(user)}
    subject = " ".join(render_to_string("reminders/email/password_link_subject.txt", context).split())
    send_mail(subject, render_to_string("reminders/email/password_link_body.txt", context), None, [user.email])


@dataclass
class Assignment:
    """What assigning patients changed: how many moved, and whom to tell about which."""

    moved: int = 0
    tellings: list[Telling] = field(default_factory=list)


def assign(patients: QuerySet, volunteer: AbstractBaseUser | None, by: AbstractBaseUser) -> Assignment:
    """Make these patients `volunteer`'s, each locked while it moves; a patient already theirs
    is left as it is and nobody is told about it."""
    done = Assignment()
    with transaction.atomic():
        for patient in patients.select_for_update(of=("self",)).select_related("volunteer"):
            previous = patient.volunteer
            if previous == volunteer:
                continue
            patient.volunteer = volunteer
            patient.save(update_fields=["volunteer"])
            done.moved += 1
            done.tellings += tell_assignment(patient, previous, by)
    return done
