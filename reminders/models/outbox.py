"""The outbox: every outbound WhatsApp message, why one may not go out, and what retention pruned."""
from datetime import datetime
from typing import NamedTuple

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prima.clock import DatabaseNow
from reminders.models.fields import PhoneNumberField
from reminders.models.people import Caregiver, Patient
from reminders.models.senders import Device
from reminders.templating import introduced


# Why a notice of a new number waits (its `last_error`) instead of being withdrawn: its
# recipient cannot receive messages now; it goes when they can (reminders/outbox/devices.py).
NOTICE_HELD = "held until they can receive messages"


class MessageQuerySet(models.QuerySet):
    def introduce_caregivers(self) -> int:
        """A caregiver's first message begins by saying who PRIMA is, whose reminders these are
        and how to stop: among these messages, the first to each caregiver who has no other
        message on its way or delivered (a withdrawn or failed one introduced nobody, nor did
        an urgent answer: the emergency numbers go alone). Call after queueing them, in the
        transaction that did. Returns how many were introduced."""
        mine = list(self.filter(caregiver__isnull=False, status=Message.Status.QUEUED)
                    .select_related("caregiver", "patient").order_by("caregiver_id", "send_after", "id"))
        firsts = {message.caregiver_id: message for message in reversed(mine)}
        others = Message.objects.filter(caregiver_id__in=firsts, priority=0).exclude(
            id__in=[m.id for m in mine]).exclude(status__in=[Message.Status.CANCELLED, Message.Status.FAILED])
        known = set(others.values_list("caregiver_id", flat=True))
        introducing = [message for caregiver_id, message in firsts.items() if caregiver_id not in known]
        for message in introducing:
            message.body = introduced(message.body, message.caregiver.name, message.patient.name)
        Message.objects.bulk_update(introducing, ["body"])
        return len(introducing)

    def going_through(self, device_id: int | None) -> "MessageQuerySet":
        """The messages that go through this device (None: the default sender), by the rule of
        `Message.sending_device_id`."""
        notice = models.Q(kind=Message.Kind.NOTICE)
        if device_id is None:
            return self.filter(notice & models.Q(device__isnull=True)
                               | ~notice & models.Q(patient__device__isnull=True))
        return self.filter(notice & models.Q(device_id=device_id) | ~notice & models.Q(patient__device_id=device_id))


class Message(models.Model):
    """The outbox: every outbound WhatsApp message, claimed with a lease before it is sent."""

    class Kind(models.TextChoices):
        REMINDER = "REMINDER", _("Reminder")
        FOLLOW_UP = "FOLLOW_UP", _("Follow-up")
        REPLY = "REPLY", _("Our answer to a reply")
        VERIFICATION = "VERIFICATION", _("Verification")
        NOTICE = "NOTICE", _("Notice of a new number")
        ESCALATION = "ESCALATION", _("Alert to staff")
        CHECK_IN = "CHECK_IN", _("Weekly check-in")
        STAFF_ALERT = "STAFF_ALERT", _("Urgent alert to staff")
        ASSIGNMENT = "ASSIGNMENT", _("Patient assigned, to staff")

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        SENDING = "SENDING", _("Sending")
        SENT = "SENT", _("Sent")
        DELIVERED = "DELIVERED", _("Delivered")
        READ = "READ", _("Read")
        FAILED = "FAILED", _("Failed")
        CANCELLED = "CANCELLED", _("Cancelled")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE, related_name="messages")
    reminder = models.ForeignKey(
        "Reminder", verbose_name=_("reminder"), on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    # The device it went through, recorded at each attempt (empty: the default sender). Only a
    # notice of a new number is pinned here before it is sent: to the number the patient knew.
    device = models.ForeignKey(Device, verbose_name=_("WhatsApp device"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="messages")
    # The escalation an alert to a volunteer or coordinator (kind ESCALATION) is about; such an
    # alert, like an urgent one (kind STAFF_ALERT), goes to `phone`, the staff member's number.
    # No index of its own: `one_alert_per_escalation_phone` serves the lookups (kind = ESCALATION).
    escalation = models.ForeignKey("Escalation", verbose_name=_("escalation"), on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="messages", db_index=False)
    # To one of the patient's caregivers instead of the patient (their reminders, our answers to them).
    # No index of its own: `one_delivery_per_recipient` serves the lookups.
    caregiver = models.ForeignKey(Caregiver, verbose_name=_("caregiver"), on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="messages", db_index=False)
    # The weekly check-in question this message asks (kind CHECK_IN).
    # No index of its own: `one_message_per_check_in` serves the lookups.
    check_in = models.ForeignKey("CheckIn", verbose_name=_("weekly check-in"), on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="messages", db_index=False)
    phone = PhoneNumberField(_("phone"))
    body = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REMINDER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    send_after = models.DateTimeField(_("send after"), db_default=DatabaseNow(),
                                      help_text=_("Not before (the database's now if not given)."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=5)
    priority = models.PositiveSmallIntegerField(_("priority"),
        default=0, db_default=0, help_text=_("Higher goes out first, past the rate limits: emergency replies.")
    )
    lease_token = models.UUIDField(_("lease token"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    # Set when this claim's send is tried (never when it is only claimed): a worker that dies
    # holding a batch spends an attempt only on the message it was sending.
    send_started_at = models.DateTimeField(_("send started at"), null=True, blank=True)
    # Waiting out a sending pause: lifting it makes the message due at once.
    held_by_pause = models.BooleanField(_("held by a pause"), default=False, db_default=False)
    last_error = models.TextField(_("last error"), blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True,
                                  help_text=_("Why the message ended FAILED or CANCELLED."))
    # Fonnte's id, or the Cloud API's wamid (long).
    provider_message_id = models.CharField(_("gateway message id"), max_length=128, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            # One reminder message per dose and recipient: the patient (no caregiver) or each caregiver.
            models.UniqueConstraint(
                fields=["reminder", "caregiver"], condition=Q(kind="REMINDER", reminder__isnull=False),
                nulls_distinct=False, name="one_delivery_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["reminder"], condition=Q(kind="FOLLOW_UP"), name="one_follow_up_per_reminder"
            ),
            models.UniqueConstraint(
                fields=["escalation", "phone"], condition=Q(kind="ESCALATION"), name="one_alert_per_escalation_phone"
            ),
            models.UniqueConstraint(fields=["check_in"], condition=Q(kind="CHECK_IN"), name="one_message_per_check_in"),
        ]
        indexes = [
            # Serves the claim: status = 'QUEUED' AND send_after <= now() ORDER BY priority DESC, send_after.
            models.Index(
                fields=["-priority", "send_after"], condition=Q(status="QUEUED"), name="message_claimable_idx"
            ),
            # Serves stale-lease recovery: status = 'SENDING' AND lease_expires_at < now().
            models.Index(
                fields=["lease_expires_at"], condition=Q(status="SENDING"), name="message_stale_lease_idx"
            ),
            # Serves lifting a pause: the messages it held back.
            models.Index(fields=["id"], condition=Q(held_by_pause=True), name="message_held_by_pause_idx"),
            # Serves the status webhook's lookup by the id Fonnte returned.
            models.Index(
                fields=["provider_message_id"], condition=~Q(provider_message_id=""), name="message_provider_id_idx"
            ),
            # Serves retention: the oldest messages first (reminders/retention.py).
            models.Index(fields=["created_at"], name="message_created_idx"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s to %(patient)s (%(status)s)") % {
            "kind": self.get_kind_display(), "patient": self.patient, "status": self.get_status_display()}

    objects = MessageQuerySet.as_manager()

    # The messages that belong to a dose: withdrawn when it closes.
    DOSE_KINDS = [Kind.REMINDER, Kind.FOLLOW_UP]
    # The messages that ask the patient for an answer: the same reply after one is a new answer.
    QUESTION_KINDS = [*DOSE_KINDS, Kind.CHECK_IN]
    # The messages to staff about the patient, on the staff member's own number.
    STAFF_KINDS = [Kind.ESCALATION, Kind.STAFF_ALERT, Kind.ASSIGNMENT]

    @property
    def sending_device_id(self) -> int | None:
        """The device this message goes through: the patient's as it is now (the sender reads it
        from the locked patient row), except the notice of a new number, pinned to the old one."""
        return self.device_id if self.kind == self.Kind.NOTICE else self.patient.device_id

    @property
    def sending_phone(self) -> str:
        """The number this message goes to: the patient's as it is now (a corrected number is
        used at once), except an alert to staff, which goes to the staff member's own number."""
        if self.kind in self.STAFF_KINDS:
            return self.phone
        return self.caregiver.phone if self.caregiver_id else self.patient.phone

    def reached_another_recipient(self) -> bool:
        """Another recipient's reminder of this dose was sent (this one not yet): it may still go."""
        return self.sent_at is None and Message.objects.filter(
            reminder_id=self.reminder_id, kind=self.Kind.REMINDER, sent_at__isnull=False).exclude(id=self.id).exists()

    def other_delivery_alive(self) -> bool:
        """Another recipient's reminder of this dose is on its way or sent: this one ending does
        not close the dose."""
        others = Message.objects.filter(reminder_id=self.reminder_id, kind=self.Kind.REMINDER).exclude(id=self.id)
        return others.exclude(status__in=[self.Status.FAILED, self.Status.CANCELLED]).exists()

    def recipient_problem(self) -> tuple[str, str] | None:
        """Why the patient, or the caregiver this goes to, may not get it now, as (code, text)."""
        if self.caregiver_id:
            return self.caregiver.reachability_problem()
        verification = Patient.Verification
        asked = verification.PENDING if self.kind == self.Kind.VERIFICATION else verification.VERIFIED
        return self.patient.reachability_problem(verification=asked)

    def held_for_recipient(self) -> str:
        """Why a notice of a new number must wait now ("" when it may go): its recipient cannot
        receive messages (paused, opted out, not verified). It is never withdrawn for that: it
        would be lost for good, and the patient would hear from a number they do not know."""
        if self.kind != self.Kind.NOTICE:
            return ""
        problem = self.recipient_problem()
        return f"{NOTICE_HELD}: {problem[1]}" if problem else ""

    def refusal(self, now: datetime) -> "Refusal | None":
        """The double-check, the one rule of "may this message go out now": why not, or None.
        Read from the patient and reminder rows as they are now (the sender locks them)."""
        if self.kind == self.Kind.REPLY:
            return None  # answers a message the patient just sent, goodbyes included
        if self.kind in self.STAFF_KINDS:
            return None  # to staff about the patient: the patient's consent, pause or verification is not asked
        problem = self.recipient_problem()
        if problem and self.kind != self.Kind.NOTICE:  # a notice waits instead: `held_for_recipient`
            return Refusal(*problem)
        if self.kind == self.Kind.CHECK_IN and self.check_in.answer:
            return Refusal("cancelled", f"weekly check-in is {self.check_in.answer}")
        if self.kind == self.Kind.CHECK_IN and now >= self.check_in.answer_deadline:
            return Refusal("cancelled", "weekly check-in is past its answer window")
        if self.kind == self.Kind.CHECK_IN and self.patient.check_in_day is None:
            return Refusal("cancelled", "weekly check-in turned off")
        reminder = self.reminder
        if reminder is None or self.kind == self.Kind.VERIFICATION:
            return None
        another = self.kind == self.Kind.REMINDER and reminder.sent_at is not None and self.reached_another_recipient()
        if not reminder.waits_for(self.kind, another):
            return Refusal("cancelled", f"reminder is {reminder.confirmation_status}")
        if self.kind == self.Kind.REMINDER and reminder.is_too_late(now):
            # Hours late, a medication reminder risks a double dose; volunteers see it as missed.
            return Refusal("too_late", reminder.too_late_text())
        return None


class Refusal(NamedTuple):
    """Why a message may not go out: a short code (counted in summaries) and the text kept
    in `end_reason`."""

    code: str
    text: str

    @property
    def dose_state(self) -> str:
        """How the dose closes when its reminder message is refused: too late is a dose the
        patient was due and did not get (missed); any other refusal withdraws it."""
        from reminders.models.doses import Reminder  # doses imports this module: a dose closing withdraws its messages

        return Reminder.Confirmation.MISSED if self.code == "too_late" else Reminder.Confirmation.CANCELLED


class PrunedMessageTally(models.Model):
    """One row: what retention deleted from the outbox, counted as /metrics counts the outbox
    (sent, failed, cancelled, attempts), so those counters never go down (reminders/retention.py)."""

    sent = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    cancelled = models.BigIntegerField(default=0)
    attempts = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("tally of pruned messages")  # named on a superuser's permission list
        verbose_name_plural = _("tallies of pruned messages")

    def __str__(self) -> str:
        return f"pruned: {self.sent} sent, {self.failed} failed, {self.cancelled} cancelled"
