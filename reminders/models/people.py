"""The people: patients, their caregivers, and the staff members' WhatsApp numbers."""
from collections.abc import Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reminders.models.fields import (
    TIME_ZONES, WEEKDAYS, DatabaseOwnedFields, PhoneNumberField, validate_printable, validate_time_zone,
)
from reminders.models.senders import Device
from reminders.phones import validate_mobile


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

    class PauseKind(models.TextChoices):
        HOSPITAL = "HOSPITAL", _("In hospital")
        AWAY = "AWAY", _("Away from home")
        TREATMENT = "TREATMENT", _("Treatment stopped or changed by the doctor")
        ASKED = "ASKED", _("The patient or family asked")
        DIED = "DIED", _("The patient died")
        OTHER = "OTHER", _("Other reason")

    class ConsentMethod(models.TextChoices):
        PATIENT_REPLY = "PATIENT_REPLY", _("Patient's reply")
        VOLUNTEER = "VOLUNTEER", _("Volunteer")

    name = models.CharField(_("name"), max_length=200, validators=[validate_printable])
    phone = PhoneNumberField(_("phone"), unique=True, validators=[validate_mobile],
                             help_text=_("Any spelling: 0812…, 62812…, +62 812…"))
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
    pause_kind = models.CharField(_("why paused"), max_length=16, choices=PauseKind.choices, blank=True, default="",
                                  db_default="")
    pause_reason = models.CharField(_("about the pause"), max_length=200, blank=True, default="", db_default="",
                                    help_text=_("Why reminders stopped, in the words of whoever paused them."))
    paused_until = models.DateField(
        _("paused up to and including"), null=True, blank=True,
        help_text=_("The last day without reminders, in the patient's zone: they resume by themselves the day after. "
                    "Empty: until a volunteer resumes them."))
    # The weekly "how are you?" (reminders/conversation/check_ins.py): the patient's own weekday and time.
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
            # Serves the tick's look for pauses that have ended: only the patients paused with an end date.
            models.Index(fields=["paused_until"], condition=Q(paused_until__isnull=False),
                         name="patient_pause_ends_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def pause_text(self) -> str:
        """"Paused until 10 Dec 2026: In hospital: kidney" for the patient's page and Hari ini; "" when
        not paused."""
        if self.is_active:
            return ""
        why = ": ".join(str(part) for part in [self.get_pause_kind_display(), self.pause_reason] if part)
        if self.pause_kind == self.PauseKind.DIED:  # no "until": nothing resumes them by itself
            return why
        if self.paused_until:
            until = _("Paused until %(date)s") % {"date": formats.date_format(self.paused_until, "j F Y")}
        else:
            until = _("Paused until a volunteer resumes the reminders")
        return f"{until}: {why}" if why else str(until)

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


class CaregiverQuerySet(models.QuerySet):
    def receiving(self) -> "CaregiverQuerySet":
        """Caregivers who may get reminders now, whatever the patient's pause: the rule of
        `Caregiver.own_problem`, for a query."""
        return self.filter(is_active=True, opted_out_at__isnull=True, consented_at__isnull=False)


class Caregiver(models.Model):
    """A family member (pendamping) who gives the patient their medicine: gets the reminders of
    the schedules that name caregivers, and may answer for the patient. Consent and opt-out are
    each phone's own (reminders/conversation/caregivers.py): a BERHENTI stops every message to the phone that
    wrote it, and only to that phone. Never the patient's own number, nor twice one number for one
    patient: that phone would get each reminder twice and speak with two voices."""

    patient = models.ForeignKey(Patient, verbose_name=_("patient"), on_delete=models.CASCADE,
                                related_name="caregivers")
    name = models.CharField(_("name"), max_length=200, validators=[validate_printable])
    relation = models.CharField(_("relation"), max_length=100, blank=True, help_text=_("E.g. daughter, husband."))
    phone = PhoneNumberField(_("phone"), validators=[validate_mobile],
                             help_text=_("Any spelling: 0812…, 62812…, +62 812…"))
    consented_at = models.DateTimeField(
        _("agreed to reminders at"), null=True, blank=True,
        help_text=_("When the caregiver agreed to get reminders; empty: they get none yet."))
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CaregiverQuerySet.as_manager()

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
        if self.consented_at is not None and self.consented_at > timezone.now():  # a year typed wrong in December
            raise ValidationError({"consented_at": _("The caregiver's consent cannot be in the future: enter the day "
                                                     "they agreed.")})

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

    def own_problem(self, moment: datetime | None = None) -> str | None:
        """Why this caregiver, whatever the patient's pause, cannot get a dose due at `moment`
        (any dose, without one), as stored; None when they can. A form judges a schedule by
        it, and the tick a dose nobody can receive (`why_no_caregiver_receives`)."""
        if self.opted_out_at is not None:
            return "caregiver opted out"
        if not self.is_active:
            return "caregiver is not active"
        if self.consented_at is None:
            return "caregiver has not agreed to reminders"
        if self.consented_at > (moment or timezone.now()):
            return "caregiver agreed only after it was due"
        return None


NO_CAREGIVER = "the patient has no caregiver"


def why_no_caregiver_receives(caregivers: Iterable[Caregiver], moment: datetime | None = None) -> list[str]:
    """Why none of `caregivers` can get a dose due at `moment` (any dose, without one): one
    "<caregiver>: <why>" each, as stored; empty when one of them can."""
    reasons = []
    for caregiver in caregivers:
        problem = caregiver.own_problem(moment)
        if problem is None:
            return []
        reasons.append(f"{caregiver}: {problem}")
    return reasons or [NO_CAREGIVER]


class StaffProfile(models.Model):
    """What PRIMA needs to know of a staff member beyond Django's user: the WhatsApp number
    escalations about their patients go to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="staff_profile")
    phone = PhoneNumberField(_("WhatsApp number"), blank=True, validators=[validate_mobile],
                             help_text=_("Alerts about patients who need someone are sent here."))
    # Set with a password a coordinator printed for them: until they choose their own, every
    # admin page sends them to the password change (prima/admin_site.py).
    must_change_password = models.BooleanField(_("must change password"), default=False, db_default=False)

    class Meta:
        verbose_name = _("staff WhatsApp number")
        verbose_name_plural = _("staff WhatsApp numbers")

    def __str__(self) -> str:
        return str(self.user)


def staff_name(user) -> str:
    """A staff member as colleagues know them: their name, the username only when none was given."""
    return user.get_full_name() or user.get_username()


class Volunteer(User):
    """A volunteer as a coordinator manages them (reminders/admin/team.py): the same user row, with
    permissions of its own, so a coordinator runs the team without any power over users at large."""

    class Meta:
        proxy = True
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return staff_name(self)
