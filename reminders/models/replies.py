"""The replies: every inbound text from a patient or a caregiver, what it was understood as, who read it."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reminders.models.doses import Reminder
from reminders.models.people import Caregiver, Patient


class PatientReplyQuerySet(models.QuerySet):
    def needing_attention(self) -> "PatientReplyQuerySet":
        """Unhandled replies a volunteer must read, emergencies first."""
        return self.filter(needs_attention=True, handled_at__isnull=True).order_by("-urgent", "received_at")


class PatientReply(models.Model):
    """Every inbound text from a patient, what we understood it as, and who looked at it."""

    class Intent(models.TextChoices):
        CONFIRM = "CONFIRM", _("Confirmed taking it")
        NOT_YET = "NOT_YET", _("Not yet")
        VERIFY_YES = "VERIFY_YES", _("Verification: yes")
        VERIFY_NO = "VERIFY_NO", _("Verification: no")
        OPT_OUT = "OPT_OUT", _("Opt out")
        OPT_IN = "OPT_IN", _("Opt back in")
        ATTENDING = "ATTENDING", _("Appointment: attending")
        LATE = "LATE", _("Appointment: late")
        CANCEL = "CANCEL", _("Appointment: cancelled")
        EMERGENCY = "EMERGENCY", _("Emergency")
        DEATH = "DEATH", _("Death told")
        THANKS = "THANKS", _("Thanks or acknowledgement")
        MEDIA = "MEDIA", _("Voice note or attachment")
        FREE_TEXT = "FREE_TEXT", _("Free text")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE, related_name="replies")
    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="replies")
    caregiver = models.ForeignKey(Caregiver, verbose_name=_("from caregiver"), on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="replies",
                                  help_text=_("Written by this caregiver; empty: by the patient."))
    # Indexed by `reply_check_in_idx` (only the replies that answered one).
    check_in = models.ForeignKey("CheckIn", verbose_name=_("answers the weekly check-in"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="replies", db_index=False)
    text = models.TextField(_("text"))
    intent = models.CharField(_("understood as"), max_length=16, choices=Intent.choices)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True,
                               help_text=_("What the reply changed, if anything."))
    received_at = models.DateTimeField(
        _("received at"), default=timezone.now,
        help_text=_("When the patient wrote it (Fonnte's time, never after it reached us)."),
    )
    arrived_at = models.DateTimeField(_("reached us at"), null=True, blank=True)
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    urgent = models.BooleanField(_("urgent"), default=False)
    acknowledged = models.BooleanField(_("answered"), default=False, help_text=_("Whether we answered this reply."))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    objects = PatientReplyQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("patient reply")
        verbose_name_plural = _("patient replies")
        indexes = [
            # Serves the volunteers' "needs attention" list.
            models.Index(
                fields=["-urgent", "received_at"],
                condition=Q(needs_attention=True, handled_at__isnull=True),
                name="reply_needs_attention_idx",
            ),
            # Serves retention: the oldest replies first (reminders/retention.py).
            models.Index(fields=["received_at"], name="reply_received_idx"),
            # Serves the check-in's replies (its page, its list).
            models.Index(fields=["check_in"], condition=Q(check_in__isnull=False), name="reply_check_in_idx"),
            # Serves the check-in's escalation: the answers that reached us lately.
            models.Index(fields=["arrived_at"], condition=Q(check_in__isnull=False), name="reply_check_in_arrived_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.text[:40]}"

    @property
    def through_cloud_api(self) -> bool:
        """Whether it came to the patient's WhatsApp Cloud API number: a voice note or an
        attachment there is in no WhatsApp app, and PRIMA does not fetch it, so nobody can listen."""
        device = self.patient.device
        return device is not None and device.is_cloud_api
