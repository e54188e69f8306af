"""The reminders domain: patients, their schedules, each reminder occurrence, and the outbox.

States are contracts (see ../shared/DESIGN.md); background code changes them only with
targeted conditional UPDATEs so that two processes can never both win a transition.
"""
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from prima.clock import DatabaseNow
from reminders.phones import PhoneFormField, normalise_phone
from reminders.templating import template_problems

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

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneFormField, **kwargs})


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


ZONE_NAMES = [name for name, _label in TIME_ZONES]


def catch_up_start(now: datetime) -> datetime:
    """The oldest due time a reminder may still be sent at (REMINDER_CATCH_UP_MINUTES): catching
    up after our own outage is worth it, hours late a reminder risks a double dose."""
    return now - timedelta(minutes=settings.REMINDER_CATCH_UP_MINUTES)


def too_late_text(due_at: datetime, zone: ZoneInfo) -> str:
    """How a dose refused for the catch-up limit is described, to volunteers and in end_reason."""
    return f"too late: due {timezone.localtime(due_at, zone):%Y-%m-%d %H:%M}"


def validate_printable(value: str) -> None:
    """No control characters (a newline, a tab, an escape): a name goes into email headers and
    WhatsApp texts, where they break the first and garble the second."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise ValidationError(_("Use letters, digits and punctuation only; no line breaks or control characters."),
                              code="control_characters")


def validate_time_zone(value: str) -> None:
    if value not in ZONE_NAMES:
        raise ValidationError(
            _("%(value)s is not a time zone PRIMA knows; choose one of %(zones)s."),
            code="invalid_time_zone",
            params={"value": value, "zones": ", ".join(ZONE_NAMES)},
        )


class DatabaseOwnedFields(models.Model):
    """A model some of whose columns only the scheduler and the triggers write: an edit
    saved from a form (loaded before they changed) must not write its stale copy back."""

    database_owned_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.database_owned_fields
            ]
        super().save(*args, **kwargs)


class DeviceQuerySet(models.QuerySet):
    def least_loaded(self) -> "Device | None":
        """Where a new patient goes: the active device with the fewest patients."""
        return self.filter(is_active=True).annotate(load=models.Count("patients")).order_by("load", "id").first()


class Device(models.Model):
    """A WhatsApp number linked to Fonnte, with its own token, rate limit, connection state
    (`DeviceState`, by its number), quota and sending pause. Each patient is pinned to one and
    always hears from it. The token is a secret: kept encrypted (reminders/devices.py, with a
    key derived from SECRET_KEY), never shown back, logged or written into a webhook event."""

    number = PhoneNumberField(_("number"), unique=True, help_text=_("The device's WhatsApp number."))
    label = models.CharField(_("label"), max_length=100, blank=True)
    token_encrypted = models.TextField(editable=False, blank=True)
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("New patients are given active devices only."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("WhatsApp device")
        verbose_name_plural = _("WhatsApp devices")

    def __str__(self) -> str:
        return f"{self.label} ({self.number})" if self.label else self.number


class PatientQuerySet(models.QuerySet):
    def reachable(self) -> "PatientQuerySet":
        """Patients who may receive reminders now (the rule of `Patient.can_receive_reminders`)."""
        return self.filter(**Patient.REACHABLE)


class Patient(DatabaseOwnedFields):
    database_owned_fields = ("reachable_since",)

    class Verification(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        VERIFIED = "VERIFIED", _("Verified")
        DECLINED = "DECLINED", _("Declined")
        EXPIRED = "EXPIRED", _("Expired")

    class ConsentMethod(models.TextChoices):
        PATIENT_REPLY = "PATIENT_REPLY", _("Patient's reply")
        VOLUNTEER = "VOLUNTEER", _("Volunteer")

    name = models.CharField(_("name"), max_length=200, validators=[validate_printable])
    phone = PhoneNumberField(_("phone"), unique=True, help_text=_("Any spelling: 0812…, 62812…, +62 812…"))
    time_zone = models.CharField(
        _("time zone"), max_length=32, choices=TIME_ZONES, default="Asia/Jakarta", validators=[validate_time_zone]
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patients",
    )
    device = models.ForeignKey(
        Device, verbose_name=_("WhatsApp device"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="patients", help_text=_("The number the patient hears from; empty: the one set by FONNTE_TOKEN."),
    )
    verification_status = models.CharField(
        _("verification"), max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verification_sent_at = models.DateTimeField(_("verification sent at"), null=True, blank=True)
    verification_answered_at = models.DateTimeField(_("verification answered at"), null=True, blank=True)
    verification_expires_at = models.DateTimeField(_("verification expires at"), null=True, blank=True)
    verification_attempts = models.PositiveSmallIntegerField(_("verification attempts"), default=0)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    opt_out_method = models.CharField(_("opted out by"), max_length=16, choices=ConsentMethod.choices, blank=True)
    opted_in_at = models.DateTimeField(_("opted back in at"), null=True, blank=True)
    opt_in_method = models.CharField(_("opted back in by"), max_length=16, choices=ConsentMethod.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    pause_reason = models.CharField(_("why paused"), max_length=200, blank=True, default="", db_default="",
                                    help_text=_("Why reminders stopped, when PRIMA paused them itself."))
    # The weekly "how are you?" (reminders/check_ins.py): the patient's own weekday and time.
    check_in_day = models.PositiveSmallIntegerField(
        _("weekly check-in day"), choices=WEEKDAYS, null=True, blank=True,
        help_text=_("Once a week PRIMA asks the patient how they are; empty: never."))
    check_in_time = models.TimeField(_("weekly check-in time"), default=time(10, 0), db_default=time(10, 0),
                                     help_text=_("In the patient's time zone."))
    # Written by a database trigger (migration 0006) whenever the patient becomes reachable,
    # by any path: a dose due before it is never sent late (docs/doses.md).
    reachable_since = models.DateTimeField(
        _("receiving reminders since"), null=True, blank=True, editable=False,
        help_text=_("When the patient last became verified, active and not opted out."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PatientQuerySet.as_manager()

    # Who may receive reminders: as a lookup for querysets, and as `can_receive_reminders`.
    REACHABLE = {"verification_status": "VERIFIED", "is_active": True, "opted_out_at__isnull": True}

    class Meta:
        ordering = ["name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        permissions = [("see_all_patients", _("Can see every patient and assign patients to volunteers"))]
        indexes = [
            # Serves the tick's expiry of unanswered verification questions, whatever the programme's size.
            models.Index(fields=["verification_expires_at"], condition=Q(verification_status="PENDING"),
                         name="patient_verification_due_idx"),
            # Serves the tick's look for weekly check-ins due: only the patients who have one.
            models.Index(fields=["check_in_day", "time_zone", "check_in_time"], condition=Q(check_in_day__isnull=False),
                         name="patient_check_in_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def reachability_problem(self, verification: str = "VERIFIED") -> tuple[str, str] | None:
        """Why the patient may not get our messages now, as (code, text); None when they may.
        `Patient.REACHABLE` for a row in hand (the verification question itself needs PENDING)."""
        if self.opted_out_at is not None:
            return "opted_out", "patient opted out"
        if not self.is_active:
            return "cancelled", "patient is not active"
        if self.verification_status != verification:
            return "cancelled", f"patient verification is {self.verification_status}"
        return None

    @property
    def can_receive_reminders(self) -> bool:
        return self.reachability_problem() is None

    def was_reachable_at(self, moment: datetime) -> bool:
        """Reachable now and already at `moment`: only then is a dose due at `moment` sent."""
        return self.can_receive_reminders and self.reachable_since is not None and self.reachable_since <= moment

    def save(self, *args, **kwargs) -> None:
        # Whatever path saves it: a zone the scheduler cannot read, or a name that breaks the
        # emails about the patient, never reaches the table. A save of other fields (an opt-out,
        # a consent) goes through even for a row stored before these rules.
        fields = kwargs.get("update_fields")
        if fields is None or "time_zone" in fields:
            validate_time_zone(self.time_zone)
        if fields is None or "name" in fields:
            validate_printable(self.name)
        if self._state.adding and self.device_id is None:
            self.device = Device.objects.least_loaded()
        super().save(*args, **kwargs)


# One phone, one voice: a number is a patient's caregiver once (see `Caregiver`).
CAREGIVER_PHONE_TAKEN = _("This number is already one of this patient's caregivers.")


class Caregiver(models.Model):
    """A family member (pendamping) who gives the patient their medicine: gets the reminders of
    the schedules that name caregivers, and may answer for the patient. Consent and opt-out are
    each phone's own (reminders/caregivers.py): a BERHENTI stops every message to the phone that
    wrote it, and only to that phone. Never the patient's own number, nor twice one number for one
    patient: that phone would get each reminder twice and speak with two voices."""

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE,
                                related_name="caregivers")
    name = models.CharField(_("name"), max_length=200, validators=[validate_printable])
    relation = models.CharField(_("relation"), max_length=100, blank=True, help_text=_("E.g. daughter, husband."))
    phone = PhoneNumberField(_("phone"), help_text=_("Any spelling: 0812…, 62812…, +62 812…"))
    consented_at = models.DateTimeField(
        _("agreed to reminders at"), null=True, blank=True,
        help_text=_("When the caregiver agreed to get reminders; empty: they get none yet."))
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["patient", "name"]
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")
        constraints = [models.UniqueConstraint(fields=["patient", "phone"], name="one_caregiver_phone_per_patient",
                                               violation_error_message=CAREGIVER_PHONE_TAKEN)]
        indexes = [models.Index(fields=["phone"], name="caregiver_phone_idx")]  # the incoming webhook's lookup

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})" if self.relation else self.name

    def clean(self) -> None:
        """The patient's own number gets the patient's messages already: a caregiver row with it
        would be a second voice for one phone, with a consent of its own to keep in step. The
        patient may not be saved yet (a new patient's page)."""
        patient = getattr(self, "patient", None)
        if patient is not None and self.phone == patient.phone:
            raise ValidationError({"phone": _("This is the patient's own number: the patient gets the reminders on it "
                                              "already. Enter the caregiver's own number.")})

    def reachability_problem(self) -> tuple[str, str] | None:
        """Why this caregiver may not get reminders now, as (code, text); None when they may."""
        if self.opted_out_at is not None:
            return "opted_out", "caregiver opted out"
        if not self.is_active or not self.patient.is_active:
            return "cancelled", "caregiver or patient is not active"
        if self.consented_at is None:
            return "cancelled", "caregiver has not agreed to reminders"
        return None

    def was_reachable_at(self, moment: datetime) -> bool:
        return self.reachability_problem() is None and self.consented_at <= moment


class ReminderScheduleQuerySet(models.QuerySet):
    def needing_scheduling(self) -> "ReminderScheduleQuerySet":
        """Schedules edited (or new) since the scheduler last worked out their next dose."""
        return self.filter(needs_scheduling=True)

    def due(self, now: datetime) -> "ReminderScheduleQuerySet":
        """Schedules whose next dose is due by `now`: what a tick turns into reminders."""
        return self.filter(next_due_at__lte=now, needs_scheduling=False, is_active=True)


class ReminderSchedule(DatabaseOwnedFields):
    """A rule that makes doses: a time of day on some weekdays between two dates.

    The scheduler keeps `next_due_at`, the next dose not yet created, so a tick reads only
    the schedules with a dose due instead of every schedule. Any change to the rule (time,
    weekdays, dates, active), or to the patient's time zone, sets `needs_scheduling` through
    a database trigger, whatever path made it; the next tick moves the doses not yet sent
    and works `next_due_at` out again (docs/doses.md).
    """

    database_owned_fields = ("active_since", "next_due_at", "needs_scheduling", "scheduling_problem")

    class Kind(models.TextChoices):
        MEDICATION = "MEDICATION", _("Medication")
        APPOINTMENT = "APPOINTMENT", _("Appointment")
        OTHER = "OTHER", _("Other")

    class Recipients(models.TextChoices):
        PATIENT = "PATIENT", _("The patient")
        CAREGIVERS = "CAREGIVERS", _("The caregivers")
        BOTH = "BOTH", _("The patient and the caregivers")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE, related_name="schedules")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MEDICATION)
    message_template = models.TextField(_("message"), 
        help_text=_("Placeholders: {nama} (the patient's name), {waktu} (the time).")
    )
    time_of_day = models.TimeField(_("time"), help_text=_("In the patient's time zone."))
    weekdays = WeekdaysField(verbose_name=_("days"), default=every_weekday)
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)
    recipients = models.CharField(_("send to"), max_length=16, choices=Recipients.choices, default=Recipients.PATIENT,
                                  db_default=Recipients.PATIENT)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Kept by the scheduler and the triggers of migration 0006, never by a form.
    active_since = models.DateTimeField(_("active since"), null=True, blank=True, editable=False)
    next_due_at = models.DateTimeField(_("next dose at"), null=True, blank=True, editable=False)
    needs_scheduling = models.BooleanField(_("needs scheduling"), default=True, db_default=True, editable=False)
    scheduling_problem = models.TextField(
        _("scheduling problem"), blank=True, db_default="", editable=False,
        help_text=_("Why the scheduler could not work out this schedule's doses; empty when all is well."),
    )

    objects = ReminderScheduleQuerySet.as_manager()

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
        indexes = [
            # Serves the tick: next_due_at <= now AND NOT needs_scheduling AND is_active.
            models.Index(fields=["next_due_at"], condition=Q(is_active=True, needs_scheduling=False),
                         name="schedule_next_due_idx"),
            # Serves the tick's first step: schedules edited since it last looked.
            models.Index(fields=["id"], condition=Q(needs_scheduling=True), name="schedule_needs_scheduling_idx"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s %(time)s for %(patient)s") % {
            "kind": self.get_kind_display(), "time": f"{self.time_of_day:%H:%M}", "patient": self.patient}

    @property
    def reminds_patient(self) -> bool:
        return self.recipients != self.Recipients.CAREGIVERS

    @property
    def reminds_caregivers(self) -> bool:
        return self.recipients != self.Recipients.PATIENT

    def has_recipient_at(self, moment: datetime) -> bool:
        """Someone this schedule reminds could receive a dose due at `moment` (the patient, or
        a caregiver who had agreed by then); reads `patient.caregivers` (prefetch it)."""
        if self.reminds_patient and self.patient.was_reachable_at(moment):
            return True
        return self.reminds_caregivers and self.patient.is_active and any(
            caregiver.was_reachable_at(moment) for caregiver in self.patient.caregivers.all())

    def dose_time(self, local_date: date) -> datetime | None:
        """When the dose of `local_date` is due, in the patient's zone; None if the schedule
        makes no dose that day."""
        if local_date < self.start_date or (self.end_date and local_date > self.end_date):
            return None
        if local_date.weekday() not in self.weekdays:
            return None
        return datetime.combine(local_date, self.time_of_day, tzinfo=self.patient.zone)

    def clean(self) -> None:
        if not self.weekdays:
            raise ValidationError({"weekdays": _("Choose at least one weekday.")})
        problems = template_problems(self.message_template)
        if problems:
            raise ValidationError({"message_template": problems})


class ReminderQuerySet(models.QuerySet):
    """The rules about doses, each written once (docs/doses.md)."""

    def open(self) -> "ReminderQuerySet":
        return self.filter(confirmation_status__in=Reminder.OPEN)

    def answerable_at(self, received_at: datetime, arrived_at: datetime | None = None) -> "ReminderQuerySet":
        """Doses a reply may answer: sent before it reached us (`arrived_at`, our clock), and
        the reply written inside the window (`received_at`: Fonnte's time when it gives one,
        never later than the arrival). A reply judged by its processing time would be a lost
        "SUDAH"; so a dose the tick already closed as MISSED still takes one written in time."""
        return self.filter(
            confirmation_status__in=[*Reminder.OPEN, Reminder.Confirmation.MISSED],
            sent_at__lte=arrived_at or received_at,
            reply_deadline__gte=received_at,
        )

    def answered_by(self, reply: "PatientReply", kind: str | None) -> "list[Reminder] | None":
        """The doses `reply` answers: of the kind it speaks about (any kind, when it names
        none), the newest waiting, and every dose due at that same time (two medicines at
        08:00 take one "SUDAH"). None when the reply names no kind and doses of several kinds
        wait: that is for a volunteer, not a guess. Evaluates and locks the rows (a list, not
        a queryset); call inside a transaction."""
        waiting = self.answerable_at(reply.received_at, reply.arrived_at).select_related("schedule").select_for_update(
            of=("self",)
        )
        if kind:
            waiting = waiting.filter(schedule__kind=kind)
        found = list(waiting.order_by("-due_at", "id"))
        if len({reminder.schedule.kind for reminder in found}) > 1:
            return None
        return [reminder for reminder in found if reminder.due_at == found[0].due_at]

    def needing_update(self) -> "ReminderQuerySet":
        """Doses a volunteer may settle by hand (a visit, a call): sent and not confirmed,
        or closed as missed for any reason (no answer, not deliverable, too late)."""
        return self.filter(Reminder.NEEDS_UPDATE)

    def with_needs_update(self) -> "ReminderQuerySet":
        """`needs_update` on each row, by the same rule, for lists that show it."""
        return self.annotate(needs_update=ExpressionWrapper(Reminder.NEEDS_UPDATE, output_field=models.BooleanField()))

    def decided(self) -> "ReminderQuerySet":
        """What compliance counts: doses confirmed, or missed. Both are final (a late manual
        confirmation only moves a dose from missed to confirmed)."""
        return self.filter(confirmation_status__in=[Reminder.Confirmation.CONFIRMED, Reminder.Confirmation.MISSED])

    def missed_in_a_row(self, patient: models.Expression, since: datetime) -> models.Subquery:
        """How many of the patient's doses due since `since` were missed with no confirmed dose
        after them: a subquery for `patient` (an OuterRef), for the today page and escalations."""
        confirmed_later = Reminder.objects.filter(patient=OuterRef("patient"), due_at__gt=OuterRef("due_at"),
                                                  confirmation_status=Reminder.Confirmation.CONFIRMED)
        missed = self.filter(patient=patient, confirmation_status=Reminder.Confirmation.MISSED, due_at__gte=since)
        return models.Subquery(missed.exclude(models.Exists(confirmed_later)).order_by().values("patient")
                               .annotate(n=models.Count("id")).values("n"))

    def overdue(self, now: datetime) -> "ReminderQuerySet":
        """Open doses past their time: sent and unanswered past the reply window, or never
        sent and past the catch-up limit (after which sending them risks a double dose)."""
        return self.open().filter(Q(reply_deadline__lt=now) | Q(sent_at__isnull=True, due_at__lt=catch_up_start(now)))

    def close(self, state: str, reason: str, **fields) -> list[int]:
        """The one way a dose closes: its state, when and why, and its reminder and follow-up
        still queued withdrawn with the same reason (our answers to the patient still go).
        Returns the ids closed. The rows are locked first; one another transaction changed
        meanwhile is judged again by the conditions on its own columns (not on joined rows)."""
        if state not in Reminder.CLOSED:
            raise ValueError(f"{state!r} is not a closed state")
        with transaction.atomic():
            ids = list(self.select_for_update(of=("self",)).values_list("id", flat=True))
            if ids:
                Reminder.objects.filter(id__in=ids).update(
                    confirmation_status=state, closed_at=DatabaseNow(), close_reason=reason[:200], **fields
                )
                Message.objects.filter(
                    reminder_id__in=ids, status=Message.Status.QUEUED, kind__in=Message.DOSE_KINDS
                ).update(status=Message.Status.CANCELLED, end_reason=reason, lease_token=None,
                         updated_at=DatabaseNow())
        return ids

    def reopen(self, state: str = "PENDING", **fields) -> int:
        """A dose closed without being confirmed (missed, cancelled) that waits again: a
        volunteer's resend, a reminder that went out after all, an in-time reply processed late.
        One conditional UPDATE, so a confirmation committed a moment earlier wins."""
        return self.filter(confirmation_status__in=[Reminder.Confirmation.MISSED, Reminder.Confirmation.CANCELLED]).update(
            confirmation_status=state, closed_at=None, close_reason="", **fields
        )


class Reminder(models.Model):
    """One dose: the occurrence of a schedule on one of the patient's local days.

    Its identity is (schedule, local_date, slot), not its time, so editing the schedule moves
    a dose not yet sent instead of making a second one, and a dose sent or answered is never
    created again. PostgreSQL holds that promise (`one_dose_per_schedule_day`), and
    `one_delivery_per_recipient` on Message holds "one reminder message per dose and recipient".
    """

    class Confirmation(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        CONFIRMED = "CONFIRMED", _("Confirmed")
        NOT_YET = "NOT_YET", _("Not yet")
        MISSED = "MISSED", _("Missed")
        CANCELLED = "CANCELLED", _("Cancelled")

    OPEN = [Confirmation.PENDING, Confirmation.NOT_YET]
    CLOSED = [Confirmation.CONFIRMED, Confirmation.MISSED, Confirmation.CANCELLED]
    NEEDS_UPDATE = Q(confirmation_status=Confirmation.MISSED) | Q(confirmation_status__in=OPEN, sent_at__isnull=False)

    class ConfirmationMethod(models.TextChoices):
        PATIENT_REPLY = "PATIENT_REPLY", _("Patient's reply")
        CAREGIVER_REPLY = "CAREGIVER_REPLY", _("Caregiver's reply")
        VISIT = "VISIT", _("Volunteer visit")
        CALL = "CALL", _("Phone call")
        MESSAGE = "MESSAGE", _("Message")

    class AppointmentAnswer(models.TextChoices):
        ATTENDING = "ATTENDING", _("Attending")
        LATE = "LATE", _("Late")
        CANCELLED = "CANCELLED", _("Cancelled")

    schedule = models.ForeignKey(ReminderSchedule, verbose_name=_("schedule"), on_delete=models.CASCADE,
                                 related_name="reminders")
    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE, related_name="reminders")
    local_date = models.DateField(_("date"), help_text=_("The patient's own date of this dose."))
    # Doses of one schedule on one day are numbered: 0 always, except rows older than
    # the dose identity, where duplicates were made (migration 0006 numbers them).
    slot = models.PositiveSmallIntegerField(_("slot"), default=0, db_default=0)
    due_at = models.DateTimeField(_("due at"))
    confirmation_status = models.CharField(
        _("confirmation"), max_length=16, choices=Confirmation.choices, default=Confirmation.PENDING
    )
    confirmation_method = models.CharField(_("confirmed through"), max_length=16, choices=ConfirmationMethod.choices,
                                           blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True,
                                   help_text=_("When the reminder message went out; empty while it has not."))
    reply_deadline = models.DateTimeField(_("answer awaited until"), 
        null=True, blank=True, help_text=_("Until when a reply answers this dose; set when it is sent.")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("why closed"), max_length=200, blank=True, db_default="")
    appointment_answer = models.CharField(_("appointment answer"), max_length=16, choices=AppointmentAnswer.choices,
                                          blank=True)
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "local_date", "slot"], name="one_dose_per_schedule_day"),
        ]
        indexes = [
            # Serves "the doses this patient's reply may answer" (answerable_at: reply_deadline >= t).
            models.Index(fields=["patient", "reply_deadline"], condition=Q(reply_deadline__isnull=False),
                         name="reminder_answerable_idx"),
            # Serves the tick's overdue sweep: open doses by deadline and by due time.
            models.Index(fields=["reply_deadline"], condition=Q(confirmation_status__in=["PENDING", "NOT_YET"]),
                         name="reminder_open_deadline_idx"),
            models.Index(fields=["due_at"], condition=Q(confirmation_status__in=["PENDING", "NOT_YET"],
                                                        sent_at__isnull=True),
                         name="reminder_open_unsent_idx"),
            # Serves the escalation step: the doses closed as missed lately (reminders/escalations.py).
            models.Index(fields=["closed_at"], condition=Q(confirmation_status="MISSED"), name="reminder_missed_idx"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s for %(patient)s, due %(due)s") % {
            "kind": self.schedule.get_kind_display(), "patient": self.patient,
            "due": formats.date_format(timezone.localtime(self.due_at), "DATETIME_FORMAT")}

    def is_too_late(self, now: datetime) -> bool:
        """Past the catch-up limit, a reminder risks a double dose: it is not sent any more."""
        return self.due_at < catch_up_start(now)

    def too_late_text(self) -> str:
        return too_late_text(self.due_at, self.patient.zone)

    def save(self, *args, **kwargs) -> None:
        if self.local_date is None and self.due_at is not None:
            self.local_date = self.due_at.astimezone(self.patient.zone).date()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.confirmation_status in self.OPEN

    def waits_for(self, message_kind: str, reached_another_recipient: bool = False) -> bool:
        """May a message of this kind still go out for this dose? The reminder itself only
        before it was sent (to this recipient: a dose whose reminder reached the patient may
        still go to the caregiver, and the other way round); the follow-up only while the
        patient has not answered."""
        if message_kind == Message.Kind.REMINDER:
            return self.confirmation_status == self.Confirmation.PENDING and (
                self.sent_at is None or reached_another_recipient)
        if message_kind == Message.Kind.FOLLOW_UP:
            return self.is_open
        return True


class MessageQuerySet(models.QuerySet):
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
        Reminder, verbose_name=_("reminder"), on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
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
    provider_message_id = models.CharField(_("Fonnte message id"), max_length=64, blank=True)
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
    STAFF_KINDS = [Kind.ESCALATION, Kind.STAFF_ALERT]

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

    def refusal(self, now: datetime) -> "Refusal | None":
        """The double-check, the one rule of "may this message go out now": why not, or None.
        Read from the patient and reminder rows as they are now (the sender locks them)."""
        if self.kind == self.Kind.REPLY:
            return None  # answers a message the patient just sent, goodbyes included
        if self.kind in self.STAFF_KINDS:
            return None  # to staff about the patient: the patient's consent, pause or verification is not asked
        if self.caregiver_id:
            problem = self.caregiver.reachability_problem()
        else:
            verification = Patient.Verification
            asked = verification.PENDING if self.kind == self.Kind.VERIFICATION else verification.VERIFIED
            problem = self.patient.reachability_problem(verification=asked)
        if problem:
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
        return Reminder.Confirmation.MISSED if self.code == "too_late" else Reminder.Confirmation.CANCELLED


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


class PrunedMessageTally(models.Model):
    """One row: what retention deleted from the outbox, counted as /metrics counts the outbox
    (sent, failed, cancelled, attempts), so those counters never go down (reminders/retention.py)."""

    sent = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    cancelled = models.BigIntegerField(default=0)
    attempts = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"pruned: {self.sent} sent, {self.failed} failed, {self.cancelled} cancelled"


class DeviceState(models.Model):
    """A Fonnte device: its connection, from its webhook (sending waits while it is down), and
    its remaining quota, from each /send answer (Fonnte stops sending at zero)."""

    device = models.CharField(_("device"), max_length=32, unique=True, help_text=_("E.164 when the number parses."))
    connected = models.BooleanField(_("connected"), default=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Empty for a device known only from its quota: no connection change reported yet.
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True,
                                      help_text=_("When Fonnte says the state changed."))
    last_connect_at = models.DateTimeField(_("last connected at"), null=True, blank=True)
    last_disconnect_at = models.DateTimeField(_("last disconnected at"), null=True, blank=True)
    quota_remaining = models.PositiveIntegerField(_("quota left"), 
        null=True, blank=True, help_text=_("Messages the device may still send, from Fonnte's last answer.")
    )
    quota_seen_at = models.DateTimeField(_("quota reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device state")
        verbose_name_plural = _("device states")

    def __str__(self) -> str:
        return f"{self.device}: {'connected' if self.connected else 'disconnected'}"

    @property
    def quota_is_low(self) -> bool:
        """The one rule for "alert: the quota runs out" (Fonnte stops sending at zero)."""
        return self.quota_remaining is not None and self.quota_remaining < settings.FONNTE_QUOTA_ALERT_BELOW


class SendingPause(models.Model):
    """Sending stopped for a reason no retry of one message can fix: the device is
    disconnected, or Fonnte refused the account (token, quota). While a pause holds, due
    messages wait without spending attempts; at `probe_at` one send is tried, and its success
    lifts the pause. An account pause holds only for the token it was refused for, so fixing
    FONNTE_TOKEN resumes sending at once."""

    class Kind(models.TextChoices):
        DEVICE = "DEVICE", _("Device disconnected")
        ACCOUNT = "ACCOUNT", _("Account refused")

    scope = models.CharField(_("scope"), max_length=64, unique=True, help_text=_("What is paused: the Fonnte sender."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    since = models.DateTimeField(_("since"))
    probe_at = models.DateTimeField(_("next try at"), help_text=_("When one send is tried again."))
    token_fingerprint = models.CharField(_("token fingerprint"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("sending pause")
        verbose_name_plural = _("sending pauses")

    def __str__(self) -> str:
        return f"{self.scope}: {self.reason}"


class StaffNotification(models.Model):
    """Telling a volunteer or coordinator about a patient, by a channel, and whether it
    worked: stored before it is tried, so "the volunteer was told" is never claimed
    before it happened, and a send that failed is retried or passed on."""

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
        return f"{self.get_channel_display()} to {self.recipient or self.address} ({self.get_status_display()})"


class SchedulerHeartbeat(models.Model):
    """One row: when the scheduler last finished a tick, so /healthz can tell a stopped one."""

    last_tick_at = models.DateTimeField(_("last tick at"), null=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    last_failure = models.TextField(_("last failure"), blank=True, db_default="",
                                    help_text=_("Why the last failed tick failed."))

    class Meta:
        verbose_name = _("system health")
        verbose_name_plural = _("system health")

    def __str__(self) -> str:
        return f"last tick at {self.last_tick_at:%Y-%m-%d %H:%M:%S}" if self.last_tick_at else "no tick yet"


class StaffProfile(models.Model):
    """What PRIMA needs to know of a staff member beyond Django's user: the WhatsApp number
    escalations about their patients go to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="staff_profile")
    phone = PhoneNumberField(_("WhatsApp number"), blank=True,
                             help_text=_("Alerts about patients who need someone are sent here."))

    class Meta:
        verbose_name = _("staff WhatsApp number")
        verbose_name_plural = _("staff WhatsApp numbers")

    def __str__(self) -> str:
        return str(self.user)


class EscalationQuerySet(models.QuerySet):
    def unhandled(self) -> "EscalationQuerySet":
        return self.filter(handled_at__isnull=True)


class Escalation(models.Model):
    """A patient who needs a person now, by one rule (reminders/escalations.py): at most one
    per patient, rule and the patient's day (`one_escalation_per_rule_day`), told to the
    volunteer by WhatsApp and, when nobody handles it in time, to every coordinator."""

    class Rule(models.TextChoices):
        MISSED_IN_A_ROW = "MISSED_IN_A_ROW", _("Doses missed in a row")
        VERIFICATION_EXPIRED = "VERIFICATION_EXPIRED", _("Verification question unanswered")
        NOT_YET_TWICE = "NOT_YET_TWICE", _("Said not yet twice")
        EMERGENCY_UNHANDLED = "EMERGENCY_UNHANDLED", _("Emergency not handled")
        CHECK_IN_PROBLEM = "CHECK_IN_PROBLEM", _("Weekly check-in: not well")

    class Handling(models.TextChoices):
        CALLED = "CALLED", _("Called the patient")
        VISITED = "VISITED", _("Visited the patient")
        RESOLVED = "RESOLVED", _("Resolved")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE,
                                related_name="escalations")
    rule = models.CharField(_("rule"), max_length=32, choices=Rule.choices)
    local_date = models.DateField(_("date"), help_text=_("The patient's own date when it was raised."))
    count = models.PositiveSmallIntegerField(_("how many"), default=0,
                                             help_text=_("Doses missed in a row, or times the patient said not yet."))
    detail = models.CharField(_("what the patient wrote"), max_length=200, blank=True,
                              help_text=_("The answer to the weekly check-in."))
    raised_at = models.DateTimeField(_("raised at"), db_default=DatabaseNow())
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("volunteer told"),
                                  on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    coordinators_told_at = models.DateTimeField(_("coordinators told at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handling = models.CharField(_("how it was handled"), max_length=16, choices=Handling.choices, blank=True)

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


class CheckInQuerySet(models.QuerySet):
    def answerable_at(self, moment: datetime) -> "CheckInQuerySet":
        """Check-ins a reply received at `moment` may answer: asked (sent) before it, and
        still within the answer window then, however late the reply is processed."""
        return self.filter(answer_deadline__gt=moment, messages__kind=Message.Kind.CHECK_IN,
                           messages__sent_at__lte=moment)


class CheckIn(models.Model):
    """One weekly "how are you?" to a patient (reminders/check_ins.py): at most one per patient
    and week (`one_check_in_per_week`), whatever is edited, and whatever runs the tick at once."""

    class Answer(models.TextChoices):
        FINE = "FINE", _("Fine")
        PROBLEM = "PROBLEM", _("Not well")
        UNCLEAR = "UNCLEAR", _("Unclear: for a volunteer to read")
        EMERGENCY = "EMERGENCY", _("Emergency")
        NO_ANSWER = "NO_ANSWER", _("No answer")
        NOT_SENT = "NOT_SENT", _("Not sent")

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE,
                                related_name="check_ins")
    week = models.DateField(_("week of"), help_text=_("The Monday of the patient's week."))
    due_at = models.DateTimeField(_("asked for"), help_text=_("The patient's day and time for it."))
    answer_deadline = models.DateTimeField(_("answer expected by"))
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices, blank=True,
                              help_text=_("Empty: waiting for the answer."))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("weekly check-in")
        verbose_name_plural = _("weekly check-ins")
        constraints = [models.UniqueConstraint(fields=["patient", "week"], name="one_check_in_per_week")]
        indexes = [
            # Serves the tick's closing of check-ins nobody answered.
            models.Index(fields=["answer_deadline"], condition=Q(answer=""), name="check_in_waiting_idx"),
        ]

    def __str__(self) -> str:
        return _("Weekly check-in of %(patient)s, week of %(week)s") % {
            "patient": self.patient, "week": formats.date_format(self.week)}
