"""Recording what was done about an escalation or an emergency: the page between the button and
the record (the outcome, with no default that pretends, and a note), the undo, and the history
on the row's page (reminders/workspace/handling.py does the work)."""
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from prima.clock import database_now
from reminders.admin.scoping import action_form
from reminders.models import Escalation, HandlingOutcome
from reminders.workspace.handling import Row, record_handling, undo_latest, undoable_about
from reminders.workspace.today import Action, one_tap


class HandlingForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What happened?"), widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What was done or agreed, for whoever looks next."))

    def __init__(self, *args, outcomes: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(outcome, HandlingOutcome(outcome).label) for outcome in outcomes]
        if len(outcomes) == 1:  # the button said it already ("Visited")
            self.fields["outcome"].initial = outcomes[0]


def described(row: Row) -> str:
    """The row on the form, in a few words: what the rule saw, or what the patient wrote."""
    return row.what if isinstance(row, Escalation) else f"“{row.text}”"


def handled_by_text(row: Row) -> str:
    return _("%(who)s, %(when)s") % {"who": row.handled_by or "?", "when": localize(template_localtime(row.handled_at))}


class RecordsHandling(admin.ModelAdmin):
    """For the admin of escalations and replies (a VolunteerScopedAdmin): `record_step` behind
    each handling action, the `undo_handling` action, and `handlings`, the row's history."""

    def record_step(self, request: HttpRequest, queryset: QuerySet, action: str, title: str,
                    outcomes: list[str]) -> HttpResponse | None:
        """Two steps, like the other actions with a form: the page asking what happened, then
        the record, one transaction per row; a row a colleague closed meanwhile is said, not touched."""
        form = HandlingForm(request.POST if "apply" in request.POST else None, outcomes=outcomes)
        if not form.is_valid():
            rows = [(row.patient, row.pk, described(row)) for row in queryset.select_related("patient")]
            return action_form(self, request, rows, form, action, title, submit_label=_("Save"))
        outcome, note = form.cleaned_data["outcome"], form.cleaned_data["note"]
        recorded = 0
        for row in queryset.select_related("patient"):
            if record_handling(row, request.user, outcome, note) is None:
                self.message_user(request, _("%(row)s: already handled by %(by)s; nothing changed.") % {
                    "row": row.patient, "by": handled_by_text(row)}, messages.WARNING)
            else:
                recorded += 1
        if recorded:
            self.message_user(request, ngettext(
                "Recorded for %(count)d patient: %(outcome)s. You can undo it for %(minutes)d minutes.",
                "Recorded for %(count)d patients: %(outcome)s. You can undo it for %(minutes)d minutes.", recorded) % {
                "count": recorded, "outcome": HandlingOutcome(outcome).label,
                "minutes": settings.HANDLING_UNDO_MINUTES},
                messages.SUCCESS)
        if recorded and outcome == HandlingOutcome.NOT_REACHED:
            self.message_user(request, _("Still open: it stays on Hari ini until someone reaches the patient."),
                              messages.INFO)
        return None

    @admin.action(description=_("Undo what I just recorded"), permissions=["change"])
    def undo_handling(self, request: HttpRequest, queryset: QuerySet) -> None:
        undone = sum(undo_latest(row, request.user) for row in queryset)
        if undone:
            self.message_user(request, _("Undone: %(count)d, back as they were.") % {"count": undone},
                              messages.SUCCESS)
        else:
            self.message_user(request, _("Nothing to undo: only what you recorded in the last %(minutes)d minutes "
                                         "can be undone.") % {"minutes": settings.HANDLING_UNDO_MINUTES},
                              messages.WARNING)

    def undo_actions(self, request: HttpRequest, row: Row) -> list[Action]:
        """The undo button on the row's page, while what the user recorded may still be undone."""
        mine = undoable_about(row, request.user, database_now()).exists()
        return [one_tap(self.opts.model_name, row.pk, "undo_handling", _("Undo"))] if mine else []

    @admin.display(description=_("what was done"))
    def handlings(self, row: Row) -> str:
        """Every outcome recorded, attempts included, oldest first, with the note."""
        lines = [(localize(template_localtime(record.at)), record.by or "?", record.get_outcome_display(),
                  f" — {record.note}" if record.note else "")
                 for record in row.handlings.select_related("by")]
        return format_html_join(mark_safe("<br>"), "{} {}: {}{}", lines) or "—"
