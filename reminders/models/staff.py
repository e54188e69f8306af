"""Telling staff: notifications to volunteers and coordinators, and escalations of patients who need a person."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from prima.clock import DatabaseNow
from reminders.models.people import Patient


class StaffNotification(models.Model):
    """Telling a volunteer or coordinator about a patient, by a channel, and whether it
    worked: stored before it is tried, so "the volunteer was told" is never claimed
    before it happened, and a send that failed is retried or passed on. About a reply (an
    emergency, a death told) or an escalation."""

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", _("Email")
        WHATSAPP = "WHATSAPP", _("WhatsApp")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Not sent yet")
        SENT = "SENT", _("Sent")
        FAILED = "FAILED", _("Failed")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE,
                                related_name="staff_notifications")
    reply = models.ForeignKey("PatientReply", verbose_name=_("reply"), on_delete=models.CASCADE, null=True, blank=True,
                              related_name="notifications")
    escalation = models.ForeignKey("Escalation", verbose_name=_("escalation"), on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.SET_NULL,
                                  null=True, related_name="+")
    role = models.CharField(_("as"), max_length=32, help_text=_("Why this person was told."))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    message = models.ForeignKey("Message", verbose_name=_("WhatsApp message"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="staff_notifications",
                                help_text=_("The alert sent through the outbox, for a WhatsApp notification."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    tried_at = models.DateTimeField(_("last tried at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        indexes = [
            # Serves the retry of notifications not sent yet.
            models.Index(fields=["created_at"], condition=Q(status="PENDING"), name="notification_pending_idx"),
        ]

    def __str__(self) -> str:
        return capfirst(_("%(channel)s to %(whom)s (%(status)s)") % {
            "channel": self.get_channel_display(), "whom": self.recipient or self.address,
            "status": self.get_status_display()})


class HandlingOutcome(models.TextChoices):
    """What a person did about an escalation or an emergency, and how it went. NOT_REACHED is an
    attempt: the row stays open. CALLED is how a handling was stored before the outcome was
    asked (it closed the row; whether anybody answered is not known)."""

    REACHED = "REACHED", _("Reached the patient or family")
    NOT_REACHED = "NOT_REACHED", _("Tried, nobody answered")
    VISITED = "VISITED", _("Visited the patient")
    RESOLVED = "RESOLVED", _("Resolved")
    CALLED = "CALLED", _("Called the patient (outcome not recorded)")


class EscalationQuerySet(models.QuerySet):
    def unhandled(self) -> "EscalationQuerySet":
        return self.filter(handled_at__isnull=True)


class Escalation(models.Model):
    """A patient who needs a person now, by one rule (reminders/workspace/escalations.py): at most one
    per patient, rule and the patient's day (`one_escalation_per_rule_day`), told to the
    volunteer by WhatsApp and, when nobody handles it in time, to every coordinator."""

    class Rule(models.TextChoices):
        MISSED_IN_A_ROW = "MISSED_IN_A_ROW", _("Doses missed in a row")
        VERIFICATION_EXPIRED = "VERIFICATION_EXPIRED", _("Verification question unanswered")
        NOT_YET_TWICE = "NOT_YET_TWICE", _("Said not yet twice")
        EMERGENCY_UNHANDLED = "EMERGENCY_UNHANDLED", _("Emergency not handled")
        CHECK_IN_PROBLEM = "CHECK_IN_PROBLEM", _("Weekly check-in: not well")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE,
                                related_name="escalations")
    rule = models.CharField(_("rule"), max_length=32, choices=Rule.choices)
    local_date = models.DateField(_("date"), help_text=_("The patient's own date when it was raised."))
    count = models.PositiveSmallIntegerField(_("how many"), default=0,
                                             help_text=_("Doses missed in a row, or times the patient said not yet."))
    detail = models.CharField(_("what the patient wrote"), max_length=200, blank=True,
                              help_text=_("The answer to the weekly check-in."))
    raised_at = models.DateTimeField(_("raised at"), db_default=DatabaseNow())
    # Who was told is written after the fact (`notifications.settle_alerts`), from the outbox
    # message's end: the alert went out (told at) or not (its notification says why).
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("volunteer alerted"),
                                  on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  help_text=_("The patient's volunteer, alerted first; empty when they had no staff "
                                              "WhatsApp number."))
    volunteer_told_at = models.DateTimeField(_("volunteer told at"), null=True, blank=True,
                                             help_text=_("When the WhatsApp to the volunteer went out."))
    passed_on_at = models.DateTimeField(_("passed on to coordinators at"), null=True, blank=True,
                                        help_text=_("When PRIMA turned to the coordinators: nobody handled it in "
                                                    "time, or the volunteer could not be told."))
    coordinators_told_at = models.DateTimeField(_("coordinators told at"), null=True, blank=True,
                                                help_text=_("When the first WhatsApp to a coordinator went out."))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handling = models.CharField(_("how it was handled"), max_length=16, choices=HandlingOutcome.choices, blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["patient", "rule", "local_date"], name="one_escalation_per_rule_day"),
        ]
        indexes = [
            # Serves the today page and the tick's look for escalations nobody handled in time.
            models.Index(fields=["raised_at"], condition=Q(handled_at__isnull=True), name="escalation_unhandled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.patient}"

    @property
    def what(self) -> str:
        """What happened, in a few plain words, for the today page and the admin."""
        if self.rule == self.Rule.MISSED_IN_A_ROW:
            return _("%(count)d doses in a row missed") % {"count": self.count}
        if self.rule == self.Rule.NOT_YET_TWICE:
            return _("Said not yet %(count)d times to one dose") % {"count": self.count}
        if self.rule == self.Rule.EMERGENCY_UNHANDLED:
            return _("Emergency not marked handled for %(minutes)d minutes") % {
                "minutes": settings.ESCALATION_EMERGENCY_UNHANDLED_MINUTES}
        if self.rule == self.Rule.CHECK_IN_PROBLEM:
            return _("Weekly check-in: “%(text)s”") % {"text": self.detail}
        return str(self.get_rule_display())


class HandlingRecord(models.Model):
    """One thing a person did about an escalation or an urgent reply: the outcome, a note, who
    and when. An outcome that closes the row writes its handled_* too, in the same transaction;
    NOT_REACHED is an attempt and leaves it open. Undone within HANDLING_UNDO_MINUTES by deleting
    this record and (when it closed the row) opening the row again (reminders/workspace/handling.py)."""

    escalation = models.ForeignKey(Escalation, verbose_name=_("escalation"), on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="handlings")
    reply = models.ForeignKey("PatientReply", verbose_name=_("reply"), on_delete=models.CASCADE, null=True,
                              blank=True, related_name="handlings")
    outcome = models.CharField(_("outcome"), max_length=16, choices=HandlingOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    closed = models.BooleanField(_("closed it"), help_text=_("False for an attempt: the row stayed open."))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
                           related_name="+")
    at = models.DateTimeField(_("at"), db_default=DatabaseNow())

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("handling")
        verbose_name_plural = _("handlings")
        constraints = [
            models.CheckConstraint(condition=Q(escalation__isnull=True) ^ Q(reply__isnull=True),
                                   name="handling_of_one_row"),
        ]
        indexes = [
            # Serves Hari ini's "just recorded, undo" for the user.
            models.Index(fields=["by", "at"], name="handling_by_at_idx"),
        ]

    def __str__(self) -> str:
        return str(self.get_outcome_display())
