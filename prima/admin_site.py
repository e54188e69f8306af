"""PRIMA's admin site: the volunteers' and coordinators' whole interface.

Its first page is "Hari ini" (today): what needs the user now (reminders/workspace/today.py), and for
those who may see the system's health, that health in one line (monitoring/status.py).
"""
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from monitoring.status import health_line


# Django's own words whose Indonesian reads as jargon or wrongly ("Lupa kredensial masuk?", "150
# karakter atau sedikit"): named here so makemessages keeps them in PRIMA's catalogue (locale/),
# which is read before Django's, and says them plainly.
DJANGO_WORDS_SAID_PLAINLY = [
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
]


class LoginForm(AdminAuthenticationForm):
    """Django's own words for a wrong password name the field inside a sentence that already
    names it ("Masukkan nama pengguna nama pengguna dan sandi…"): ours say it once, plainly."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Capital and small letters count."),
    }


class PrimaAdminSite(admin.AdminSite):
    site_header = site_title = "PRIMA"
    index_title = _("Today")
    index_template = "admin/reminders/today.html"
    site_url = None  # there is no public site to go back to
    empty_value_display = "—"
    # One line of the volunteers' pages under the header instead (admin/base_site.html): the side
    # bar took a fifth of a laptop's width from the lists, and a phone hides it anyway.
    enable_nav_sidebar = False
    login_form = LoginForm

    # The pages a user with a temporary password may still open: the one where they replace it.
    WHILE_TEMPORARY = {"password_change", "password_change_done", "logout", "jsi18n"}

    def admin_view(self, view, cacheable: bool = False):
        """Every admin page but the password change sends a user still on the temporary password
        a coordinator printed for them to that change first (reminders/workspace/team.py)."""
        from reminders.workspace.team import on_temporary_password

        guarded = super().admin_view(view, cacheable)

        @never_cache
        @wraps(guarded)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            page = request.resolver_match.url_name if request.resolver_match else None
            if page not in self.WHILE_TEMPORARY and on_temporary_password(request):
                messages.warning(request, _("You logged in with a temporary password: choose your own first."))
                return HttpResponseRedirect(reverse("admin:password_change", current_app=self.name))
            return guarded(request, *args, **kwargs)

        return inner

    def password_change(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """A password the user chose themselves ends a temporary one's "must change"."""
        from reminders.workspace.team import password_chosen

        response = super().password_change(request, extra_context)
        if request.method == "POST" and response.status_code == 302:
            password_chosen(request, request.user)
        return response

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        """The page after login answers "what do I need to do today?" without a click."""
        # Imported here: this class is loaded while the apps' admin modules register with it.
        from reminders.admin.today import today_context

        context = today_context(request)
        if request.user.has_perm("reminders.view_schedulerheartbeat"):
            context["health"] = health_line()
        return super().index(request, {**context, **(extra_context or {})})
