"""Password recovery from the login page, by email: Django's password reset views, in the
admin's look and PRIMA's Indonesian email (reminders/workspace/team.py sends the same one when
a coordinator asks for it).

Nothing tells whether an address belongs to an account: every request ends on the same "check
your email" page, whether a mail went or not. Mails to one address are rate-limited
(`password_reset_email`), silently for the same reason. Following the link ends a temporary
password's "must change" too: the volunteer chose their own."""
import hashlib
import logging

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import path

from ratelimit.services import check as check_rate_limit
from reminders.workspace.team import password_chosen, password_email_context

logger = logging.getLogger(__name__)
RESET_LIMIT = "password_reset_email"


class AdminLook:
    """The admin's header and branding on a page outside the admin site's own views."""

    def get_context_data(self, **kwargs) -> dict:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class PasswordResetView(AdminLook, auth_views.PasswordResetView):
    email_template_name = "reminders/email/password_link_body.txt"
    subject_template_name = "reminders/email/password_link_subject.txt"

    def form_valid(self, form):
        address = hashlib.sha256(form.cleaned_data["email"].strip().lower().encode()).hexdigest()[:16]
        if not check_rate_limit(RESET_LIMIT, address).allowed:
            logger.warning("password reset mail not sent: over %s for address hash %s", RESET_LIMIT, address)
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = password_email_context()
        return super().form_valid(form)


class PasswordResetConfirmView(AdminLook, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        password_chosen(self.request, form.user)
        return super().form_valid(form)


class PasswordResetDoneView(AdminLook, auth_views.PasswordResetDoneView):
    pass


class PasswordResetCompleteView(AdminLook, auth_views.PasswordResetCompleteView):
    pass


def password_urls(prefix: str) -> list:
    """The four pages under the admin's URL; the names are those Django's admin login page and
    its templates look for."""
    return [
        path(f"{prefix}password_reset/", PasswordResetView.as_view(), name="admin_password_reset"),
        path(f"{prefix}password_reset/done/", PasswordResetDoneView.as_view(), name="password_reset_done"),
        path(f"{prefix}reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
        path(f"{prefix}reset/done/", PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    ]
