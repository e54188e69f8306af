"""The doses: reminder schedules, the reminders (one a dose) they make, and the weekly check-ins."""
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from prima.clock import DatabaseNow
from reminders.clocks import patient_time, patient_time_of_day
from reminders.models.fields import DatabaseOwnedFields, ReminderOffsetsField, WeekdaysField, at_its_time, every_weekday
from reminders.models.outbox import Message
from reminders.models.people import Patient, why_no_caregiver_receives
from reminders.templating import template_problems

if TYPE_CHECKING:  # for an annotation only: replies imports this module (a reply answers a dose)
    from reminders.models.replies import PatientReply


def catch_up_start(now: datetime) -> datetime:
    """The oldest due time a reminder may still be sent at (REMINDER_CATCH_UP_MINUTES): catching
    up after our own outage is worth it, hours late a reminder risks a double dose."""
    return now - timedelta(minutes=settings.REMINDER_CATCH_UP_MINUTES)


def too_late_text(due_at: datetime, zone: ZoneInfo) -> str:
    """How a dose refused for the catch-up limit is described, to volunteers and in end_reason:
    when it was due on the patient's clock, named (reminders/workspace/outcomes.py reads it)."""
    return f"too late: due {timezone.localtime(due_at, zone):%Y-%m-%d %H:%M %Z}"


class ReminderScheduleQuerySet(models.QuerySet):
    def needing_scheduling(self) -> "ReminderScheduleQuerySet":
        """Schedules edited (or new) since the scheduler last worked out their next dose."""
        return self.filter(needs_scheduling=True)

    def due(self, now: datetime) -> "ReminderScheduleQuerySet":
        """Schedules whose next dose is due by `now`: what a tick turns into reminders."""
        return self.filter(next_due_at__lte=now, needs_scheduling=False, is_active=True)


class ReminderSchedule(DatabaseOwnedFields):
    """A rule that makes doses: a time of day on some weekdays between two dates, or on one
    appointment's own date; reminded at that time, or (an appointment) at each of its offsets
    before it. A dose is one reminder of one occurrence: (its date, its offset as `slot`).

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
        help_text=_("Placeholders: {nama} (the patient's name), {waktu} (the time), {tanggal} (the date).")
    )
    time_of_day = models.TimeField(_("time"), help_text=_(
        "In the patient's time zone. For an appointment, the appointment's own time: its reminders come before it."))
    appointment_date = models.DateField(_("appointment date"), null=True, blank=True, help_text=_(
        "The appointment's own day. Empty: it repeats on the days below."))
    # A database default too: rows inserted by SQL (imports, benchmarks) remind at their time.
    reminder_offsets = ReminderOffsetsField(verbose_name=_("remind"), default=at_its_time, db_default=[0], blank=True,
                                            help_text=_("When the patient is reminded of the appointment."))
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
        """"Obat 07:25 WITA untuk Ibu Sari": the time of day on the patient's clock, named."""
        return _("%(kind)s %(time)s for %(patient)s") % {
            "kind": self.get_kind_display(), "time": patient_time_of_day(self.time_of_day, self.patient),
            "patient": self.patient}

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

    def why_nobody_receives_at(self, moment: datetime) -> str | None:
        """Why a dose due at `moment` would reach nobody though it is meant to reach someone,
        as its `close_reason`: the schedule reminds the caregivers only, the patient is not
        paused, and none of the caregivers could receive it. None when one can, or when nobody
        is meant to: a paused patient, or a patient who opted out or is not verified, for a
        schedule that reminds them (their own state, shown where it is kept). Reads
        `patient.caregivers` (prefetch it)."""
        if self.reminds_patient or not self.patient.is_active:
            return None
        reasons = why_no_caregiver_receives(self.patient.caregivers.all(), moment)
        return f"{Reminder.NOBODY_CAN_RECEIVE}: {'; '.join(reasons)}"[:200] if reasons else None

    @property
    def first_day(self) -> date:
        return self.appointment_date or self.start_date

    @property
    def last_day(self) -> date | None:
        return self.appointment_date or self.end_date

    @property
    def days_ahead(self) -> int:
        """How many days before its occurrence a dose may be due (the longest offset)."""
        return -(-max(self.reminder_offsets, default=0) // (24 * 60))

    def occurs_on(self, local_date: date) -> bool:
        """The schedule's time falls on `local_date`: the appointment's own date, or a chosen
        weekday between the first and last dates."""
        if self.appointment_date is not None:
            return local_date == self.appointment_date
        if local_date < self.start_date or (self.end_date and local_date > self.end_date):
            return False
        return local_date.weekday() in self.weekdays

    def event_time(self, local_date: date) -> datetime:
        """The schedule's time on `local_date`, in the patient's zone: the dose's, or the
        appointment's (its reminders come before it)."""
        return datetime.combine(local_date, self.time_of_day, tzinfo=self.patient.zone)

    def dose_time(self, local_date: date, slot: int = 0) -> datetime | None:
        """When the dose of `local_date` reminded `slot` minutes before is due; None if the
        schedule makes no such dose."""
        if slot not in self.reminder_offsets or not self.occurs_on(local_date):
            return None
        return self.event_time(local_date) - timedelta(minutes=slot)

    def doses_due_at(self, due: datetime) -> list[tuple[date, int]]:
        """The doses (date, slot) due at the instant `due`: usually one; a repeating
        appointment reminded the day before and at its time has two."""
        found = []
        for slot in self.reminder_offsets:
            local_date = (due + timedelta(minutes=slot)).astimezone(self.patient.zone).date()
            if self.dose_time(local_date, slot) == due:
                found.append((local_date, slot))
        return found

    def clean(self) -> None:
        if not self.weekdays:
            raise ValidationError({"weekdays": _("Choose at least one weekday.")})
        if self.kind != self.Kind.APPOINTMENT or not self.reminder_offsets:
            self.reminder_offsets = at_its_time()  # an appointment with none chosen: at its time, as before
        if self.kind != self.Kind.APPOINTMENT:
            self.appointment_date = None
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

    def of_the_same_appointment(self, doses: "list[Reminder]") -> "ReminderQuerySet":
        """Every reminder of the occurrences these doses remind of (an appointment reminded the
        day before and two hours before is one appointment): one answer answers them all."""
        same = Q(pk__in=[])
        for dose in doses:
            same |= Q(schedule_id=dose.schedule_id, local_date=dose.local_date)
        return self.filter(same)

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
    # How a dose recorded at its time with nobody to receive it begins its close_reason
    # (`ReminderSchedule.why_nobody_receives_at`): closed CANCELLED, shown on Hari ini.
    NOBODY_CAN_RECEIVE = "nobody can receive it"

    class ConfirmationMethod(models.TextChoices):
        PATIENT_REPLY = "PATIENT_REPLY", _("Patient's reply")
        CAREGIVER_REPLY = "CAREGIVER_REPLY", _("Caregiver's reply")
        VISIT = "VISIT", _("Volunteer visit")
        CALL = "CALL", _("Phone call")
        MESSAGE = "MESSAGE", _("WhatsApp or text message from the patient or family")

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
            # Serves the escalation step: the doses closed as missed lately (reminders/workspace/escalations.py).
            models.Index(fields=["closed_at"], condition=Q(confirmation_status="MISSED"), name="reminder_missed_idx"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s for %(patient)s, due %(due)s") % {
            "kind": self.schedule.get_kind_display(), "patient": self.patient,
            "due": patient_time(self.due_at, self.patient)}

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


class CheckInQuerySet(models.QuerySet):
    def answerable_at(self, moment: datetime) -> "CheckInQuerySet":
        """Check-ins a reply received at `moment` may answer: asked (sent) before it, and
        still within the answer window then, however late the reply is processed."""
        return self.filter(answer_deadline__gt=moment, messages__kind=Message.Kind.CHECK_IN,
                           messages__sent_at__lte=moment)


class CheckIn(models.Model):
    """One weekly "how are you?" to a patient (reminders/conversation/check_ins.py): at most one per patient
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
