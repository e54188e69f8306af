"""The reminders domain: patients, their schedules, each reminder occurrence, and the outbox.

States are contracts (see ../shared/DESIGN.md); background code changes them only with
targeted conditional UPDATEs so that two processes can never both win a transition.
"""
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reminders.phones import normalise_phone

TIME_ZONES = [
    ("Asia/Jakarta", "WIB (Asia/Jakarta)"),
    ("Asia/Makassar", "WITA (Asia/Makassar)"),
    ("Asia/Jayapura", "WIT (Asia/Jayapura)"),
]

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def every_weekday() -> list[int]:
    return [day for day, _label in WEEKDAYS]


class PhoneNumberField(models.CharField):
    """A CharField that stores E.164 and rejects what `phonenumbers` cannot read."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalise_phone(value)

    def pre_save(self, model_instance, add):
        """Normalise on every save, so rows written by code are as clean as the admin's."""
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class WeekdaysField(ArrayField):
    """Weekdays as a Postgres int array, edited as checkboxes in the admin."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_field", models.PositiveSmallIntegerField(choices=WEEKDAYS))
        super().__init__(**kwargs)

    def formfield(self, **kwargs):
        from django import forms

        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": WEEKDAYS,
            "coerce": int,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class PatientQuerySet(models.QuerySet):
    def reachable(self) -> "PatientQuerySet":
        """Patients who may receive reminders: verified, active and not opted out."""
        return self.filter(
            verification_status=Patient.Verification.VERIFIED,
            is_active=True,
            opted_out_at__isnull=True,
        )


class Patient(models.Model):
    class Verification(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        VERIFIED = "VERIFIED", _("Verified")
        DECLINED = "DECLINED", _("Declined")
        EXPIRED = "EXPIRED", _("Expired")

    class ConsentMethod(models.TextChoices):
        PATIENT_REPLY = "PATIENT_REPLY", _("Patient's reply")
        VOLUNTEER = "VOLUNTEER", _("Volunteer")

    name = models.CharField(_("name"), max_length=200)
    phone = PhoneNumberField(_("phone"), unique=True, help_text=_("Any spelling: 0812…, 62812…, +62 812…"))
    time_zone = models.CharField(_("time zone"), max_length=32, choices=TIME_ZONES, default="Asia/Jakarta")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patients",
    )
    verification_status = models.CharField(
        _("verification"), max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    verification_answered_at = models.DateTimeField(null=True, blank=True)
    verification_expires_at = models.DateTimeField(null=True, blank=True)
    verification_attempts = models.PositiveSmallIntegerField(default=0)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    opt_out_method = models.CharField(max_length=16, choices=ConsentMethod.choices, blank=True)
    opted_in_at = models.DateTimeField(_("opted back in at"), null=True, blank=True)
    opt_in_method = models.CharField(max_length=16, choices=ConsentMethod.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        permissions = [("see_all_patients", _("Can see every patient and assign patients to volunteers"))]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def can_receive_reminders(self) -> bool:
        return (
            self.verification_status == self.Verification.VERIFIED
            and self.is_active
            and self.opted_out_at is None
        )


class ReminderSchedule(models.Model):
    class Kind(models.TextChoices):
        MEDICATION = "MEDICATION", _("Medication")
        APPOINTMENT = "APPOINTMENT", _("Appointment")
        OTHER = "OTHER", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="schedules")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MEDICATION)
    message_template = models.TextField(
        help_text=_("Placeholders: {nama} (the patient's name), {waktu} (the time).")
    )
    time_of_day = models.TimeField(help_text=_("In the patient's time zone."))
    weekdays = WeekdaysField(default=every_weekday)
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "time_of_day"]
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="schedule_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.time_of_day:%H:%M} for {self.patient}"

    def clean(self) -> None:
        if not self.weekdays:
            raise ValidationError({"weekdays": _("Choose at least one weekday.")})
        try:
            self.message_template.format(nama="", waktu="")
        except (KeyError, ValueError, IndexError, AttributeError, TypeError):
            raise ValidationError(
                {"message_template": _("Use only the placeholders {nama} and {waktu}, each in single braces.")}
            ) from None


class ReminderQuerySet(models.QuerySet):
    def needing_update(self) -> "ReminderQuerySet":
        """Sent reminders the patient has not confirmed (still waiting or missed): a volunteer
        may know the answer from a visit or a call."""
        return self.filter(
            reply_deadline__isnull=False,
            confirmation_status__in=[
                Reminder.Confirmation.PENDING, Reminder.Confirmation.NOT_YET, Reminder.Confirmation.MISSED
            ],
        )


class Reminder(models.Model):
    """One occurrence of a schedule: sent through its Message, then awaiting the reply."""

    class Confirmation(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        CONFIRMED = "CONFIRMED", _("Confirmed")
        NOT_YET = "NOT_YET", _("Not yet")
        MISSED = "MISSED", _("Missed")

    class ConfirmationMethod(models.TextChoices):
        PATIENT_REPLY = "PATIENT_REPLY", _("Patient's reply")
        VISIT = "VISIT", _("Volunteer visit")
        CALL = "CALL", _("Phone call")
        MESSAGE = "MESSAGE", _("Message")

    class AppointmentAnswer(models.TextChoices):
        ATTENDING = "ATTENDING", _("Attending")
        LATE = "LATE", _("Late")
        CANCELLED = "CANCELLED", _("Cancelled")

    schedule = models.ForeignKey(ReminderSchedule, on_delete=models.CASCADE, related_name="reminders")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(_("due at"))
    confirmation_status = models.CharField(
        _("confirmation"), max_length=16, choices=Confirmation.choices, default=Confirmation.PENDING
    )
    confirmation_method = models.CharField(max_length=16, choices=ConfirmationMethod.choices, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    reply_deadline = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when the reminder is sent; after it the reminder is missed.")
    )
    appointment_answer = models.CharField(max_length=16, choices=AppointmentAnswer.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The volunteer who recorded a manual confirmation."),
    )
    # Database defaults too: the scheduler inserts reminders with raw SQL that names only its columns.
    patient_condition = models.TextField(_("patient's condition"), blank=True, default="", db_default="")
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_at"], name="one_reminder_per_schedule_time"),
        ]
        indexes = [
            # Serves "the reminder waiting for this patient's reply" (webhooks).
            models.Index(
                fields=["patient", "-due_at"],
                condition=Q(confirmation_status__in=["PENDING", "NOT_YET"]),
                name="reminder_awaiting_reply_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule.get_kind_display()} for {self.patient} at {self.due_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    """The outbox: every outbound WhatsApp message, claimed with a lease before it is sent."""

    class Kind(models.TextChoices):
        REMINDER = "REMINDER", _("Reminder")
        FOLLOW_UP = "FOLLOW_UP", _("Follow-up")
        REPLY = "REPLY", _("Reply to the patient")
        VERIFICATION = "VERIFICATION", _("Verification")

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        SENDING = "SENDING", _("Sending")
        SENT = "SENT", _("Sent")
        DELIVERED = "DELIVERED", _("Delivered")
        READ = "READ", _("Read")
        FAILED = "FAILED", _("Failed")
        CANCELLED = "CANCELLED", _("Cancelled")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="messages")
    reminder = models.ForeignKey(
        Reminder, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    phone = PhoneNumberField()
    body = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REMINDER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    send_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    priority = models.PositiveSmallIntegerField(
        default=0, db_default=0, help_text=_("Higher goes out first, past the rate limits: emergency replies.")
    )
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    end_reason = models.TextField(blank=True, help_text=_("Why the message ended FAILED or CANCELLED."))
    provider_message_id = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["reminder"], condition=Q(kind="REMINDER"), name="one_delivery_per_reminder"
            ),
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
            # Serves the status webhook's lookup by the id Fonnte returned.
            models.Index(
                fields=["provider_message_id"], condition=~Q(provider_message_id=""), name="message_provider_id_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.patient} ({self.get_status_display()})"


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
        FREE_TEXT = "FREE_TEXT", _("Free text")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="replies")
    reminder = models.ForeignKey(Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies")
    text = models.TextField()
    intent = models.CharField(max_length=16, choices=Intent.choices)
    outcome = models.CharField(max_length=200, blank=True, help_text=_("What the reply changed, if anything."))
    received_at = models.DateTimeField(default=timezone.now)
    needs_attention = models.BooleanField(default=False)
    urgent = models.BooleanField(default=False)
    acknowledged = models.BooleanField(default=False, help_text=_("Whether we answered this reply."))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

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
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.text[:40]}"


class DeviceState(models.Model):
    """A Fonnte device: its connection, from its webhook (sending waits while it is down), and
    its remaining quota, from each /send answer (Fonnte stops sending at zero)."""

    device = models.CharField(max_length=32, unique=True, help_text=_("E.164 when the number parses."))
    connected = models.BooleanField(default=True)
    reason = models.CharField(max_length=200, blank=True)
    # Empty for a device known only from its quota: no connection change reported yet.
    changed_at = models.DateTimeField(null=True, blank=True, help_text=_("When Fonnte says the state changed."))
    last_connect_at = models.DateTimeField(null=True, blank=True)
    last_disconnect_at = models.DateTimeField(null=True, blank=True)
    quota_remaining = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Messages the device may still send, from Fonnte's last answer.")
    )
    quota_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.device}: {'connected' if self.connected else 'disconnected'}"

    @property
    def quota_is_low(self) -> bool:
        """The one rule for "alert: the quota runs out" (Fonnte stops sending at zero)."""
        return self.quota_remaining is not None and self.quota_remaining < settings.FONNTE_QUOTA_ALERT_BELOW


class SchedulerHeartbeat(models.Model):
    """One row: when the scheduler last finished a tick, so /healthz can tell a stopped one."""

    last_tick_at = models.DateTimeField()

    class Meta:
        verbose_name = _("system health")
        verbose_name_plural = _("system health")

    def __str__(self) -> str:
        return f"last tick at {self.last_tick_at:%Y-%m-%d %H:%M:%S}"
