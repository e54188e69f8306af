"""What needs a volunteer now ("Hari ini"), most urgent first.

Each kind of row comes from one source: a function from the patients the user may see and
the time to the rows it finds, built on the named rules (`needing_attention`,
`needing_update`, `consent.verification_to_do`) and never on copies of them. Every source is
one query, whatever the number of patients, and returns at most ROWS_PER_KIND rows (the full
list is one link away). A new kind of row is one more function in SOURCES.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reminders.clocks import patient_time, patient_zone
from reminders.conversation.consent import verification_to_do
from reminders.conversation.replies import TAPPED_OLD, TAPPED_OLD_TAKEN
from reminders.models import (
    NOTICE_HELD, Caregiver, Escalation, Message, Patient, PatientReply, Reminder, ReminderSchedule, StaffNotification,
)
from reminders.outbox.notifications import COORDINATOR
from reminders.workspace.handling import undoable, with_attempts
from reminders.workspace.outcomes import describe
from reminders.phones import call_url, whatsapp_url

# What happened since yesterday: older missed doses and failures are in the lists, not here.
RECENT = timedelta(days=2)
# A patient whose last MISSED_IN_A_ROW doses (within IN_A_ROW_WINDOW) were all missed comes
# before single missed doses: someone should call.
MISSED_IN_A_ROW = 3
IN_A_ROW_WINDOW = timedelta(days=14)
ROWS_PER_KIND = 50


@dataclass(frozen=True)
class Action:
    """One tap: a link, or (`post`) a button that runs a list action on this one row."""

    label: str
    url: str
    post: bool = False
    primary: bool = False
    comes_back: bool = False  # a link to a page of ours that returns to where the button was (`next`)


@dataclass(frozen=True)
class Row:
    kind: str  # the kind of row, also its CSS class: emergency, reply, in_a_row, missed, …
    urgency: int  # lower comes first
    patient: Patient
    when: datetime
    what: str  # what happened, in a few plain words
    detail: str = ""  # what the patient wrote, the dose, …
    actions: list[Action] = field(default_factory=list)
    note: str = ""  # what was tried already ("nobody answered")


@dataclass(frozen=True)
class More:
    """A kind with more rows than the page shows: where the whole list is."""

    label: str
    url: str


@dataclass
class Today:
    rows: list[Row] = field(default_factory=list)
    more: list[More] = field(default_factory=list)


Source = Callable[[QuerySet, datetime], tuple[list[Row], More | None]]


def contact_actions(patient: Patient, primary: bool = False) -> list[Action]:
    """Call or write to the patient, from the phone in the volunteer's hand."""
    return [Action(_("Call"), call_url(patient.phone), primary=primary),
            Action(_("WhatsApp"), whatsapp_url(patient.phone))]


def writer_actions(reply: PatientReply, primary: bool = False) -> list[Action]:
    """Call or write to whoever wrote the reply: the patient, or the caregiver who wrote for them
    (a death told by a daughter is answered by calling the daughter, not the patient's phone)."""
    if reply.caregiver_id is None:
        return contact_actions(reply.patient, primary=primary)
    phone, name = reply.caregiver.phone, reply.caregiver.name
    return [Action(_("Call %(name)s") % {"name": name}, call_url(phone), primary=primary),
            Action(_("WhatsApp %(name)s") % {"name": name}, whatsapp_url(phone))]


def written_by(reply: PatientReply) -> str:
    """Who wrote, when it was not the patient: "Rina (anak)"."""
    if reply.caregiver_id is None:
        return ""
    caregiver = reply.caregiver
    return f"{caregiver.name} ({caregiver.relation})" if caregiver.relation else caregiver.name


def reply_words(reply: PatientReply) -> str:
    """What the reply said, as a volunteer reads it on a card: the words, or what came instead."""
    if reply.intent == PatientReply.Intent.MEDIA and not reply.text.strip():
        if reply.through_cloud_api:  # in no WhatsApp app, and PRIMA does not fetch it
            return str(_("(a voice note or an attachment, through the WhatsApp Cloud API number: nobody can "
                         "listen to it or open it, call the patient)"))
        return str(_("(a voice note or an attachment: listen to it or open it in WhatsApp)"))
    who = written_by(reply)
    return f"{who}: {reply.text}" if who else reply.text


def one_tap(model: str, pk: int, action: str, label: str, primary: bool = False) -> Action:
    """A button running the list action `action` of `model`'s admin on one row (scoping.py)."""
    return Action(label, reverse(f"admin:reminders_{model}_act", args=[pk, action]), post=True, primary=primary)


def _capped(found: QuerySet, more: More) -> tuple[list, More | None]:
    """At most ROWS_PER_KIND rows, read as one more to know whether there are others."""
    rows = list(found[:ROWS_PER_KIND + 1])
    return rows[:ROWS_PER_KIND], more if len(rows) > ROWS_PER_KIND else None


def _changelist(model: str, **query) -> str:
    url = reverse(f"admin:reminders_{model}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def _replies(patients: QuerySet, urgent: bool) -> QuerySet:
    replies = PatientReply.objects.needing_attention().filter(patient__in=patients, urgent=urgent).select_related(
        "patient__volunteer", "patient__device", "caregiver", "reminder__schedule")
    return with_attempts(replies, "reply") if urgent else replies


def attempts_text(row: Escalation | PatientReply) -> str:
    """What was tried already on a row still open (one from `with_attempts`): "" when nothing."""
    if not getattr(row, "attempts", 0):
        return ""
    # On the patient's clock, named (14.08 WITA), as the row's other times and the row's page say it.
    last = timezone.localtime(row.last_attempt_at, patient_zone(row.patient))
    return _("Tried %(count)d time(s), nobody answered; last at %(when)s") % {
        "count": row.attempts, "when": formats.date_format(last, "H.i T")}


def _reply_row(kind: str, urgency: int, reply: PatientReply, what: str, primary: bool = False) -> Row:
    """A reply's row: what it is, the words, and calling whoever wrote, opening it, marking it handled."""
    return Row(kind, urgency, reply.patient, reply.received_at, what, detail=reply_words(reply), actions=[
        *writer_actions(reply, primary=primary),
        Action(_("Open"), reverse("admin:reminders_patientreply_change", args=[reply.pk])),
        one_tap("patientreply", reply.pk, "mark_handled", _("Mark as handled")),
    ], note=attempts_text(reply))


def emergencies(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Emergencies nobody has marked handled yet: call first, then mark handled."""
    found, more = _capped(_replies(patients, urgent=True), More(_("All emergencies"), _changelist("patientreply")))
    return [_reply_row("emergency", 0, reply, urgent_what(reply), primary=True) for reply in found], more


def urgent_what(reply: PatientReply) -> str:
    """An urgent row's heading: a death told, or an emergency, and by whom."""
    if reply.intent == PatientReply.Intent.DEATH:
        return str(_("The family says the patient has died"))
    if reply.caregiver_id:
        return str(_("Emergency: the caregiver asked for help"))
    return str(_("Emergency: the patient asked for help"))


def reply_what(reply: PatientReply) -> str:
    """A reply row's heading, in a few plain words."""
    if reply.check_in_id:
        return str(_("Answered the weekly check-in"))
    if reply.intent == PatientReply.Intent.VERIFY_NO:
        return str(_("Declined the reminders"))
    if reply.outcome in (TAPPED_OLD_TAKEN, TAPPED_OLD):  # never a dose taken today: it was not recorded
        old = reply.reminder
        which = {"dose": old.schedule.get_kind_display() if old else "?",
                 "due": patient_time(old.due_at, reply.patient) if old else "?"}
        if reply.outcome == TAPPED_OLD_TAKEN:
            return str(_("Tapped “taken” on an old reminder (%(dose)s, %(due)s): NOT recorded as taken; "
                         "ask whether today's dose was taken") % which)
        return str(_("Tapped a button on an old reminder (%(dose)s, %(due)s): nothing recorded") % which)
    if reply.intent == PatientReply.Intent.MEDIA:
        if reply.through_cloud_api:
            return str(_("Sent a voice note or an attachment to the Cloud API number: it cannot be listened to; "
                         "call the patient"))
        return str(_("Sent a voice note or an attachment"))
    return str(_("Wrote to us"))


def escalation_actions(escalation: Escalation) -> list[Action]:
    """Record, in one tap, how the escalation was handled."""
    return [one_tap("escalation", escalation.pk, action, label) for action, label in [
        ("mark_called", _("Called")), ("mark_visited", _("Visited")), ("mark_resolved", _("Resolved"))]]


def with_telling(escalations: QuerySet) -> QuerySet:
    """Each escalation with what became of its WhatsApp alerts to staff, for `escalation_told`:
    how many there are, to whom, sent, waiting, and the last failure's reason; one query."""
    notification = StaffNotification.Status
    failures = StaffNotification.objects.filter(escalation=OuterRef("pk"), status=notification.FAILED).order_by("-id")
    return escalations.annotate(
        alerts=Count("notifications"),
        coordinator_alerts=Count("notifications", filter=Q(notifications__role=COORDINATOR)),
        alerts_sent=Count("notifications", filter=Q(notifications__status=notification.SENT)),
        alerts_waiting=Count("notifications", filter=Q(notifications__status=notification.PENDING)),
        alert_failure=Subquery(failures.values("error")[:1]),
    )


def escalation_told(escalation: Escalation) -> str:
    """What became of the escalation's WhatsApp to staff, as far as a reader needs to know
    (an escalation from `with_telling`): nothing when the volunteer got it; otherwise who was not
    told and why, the staff's own numbers (not the patient's) being the usual reason."""
    if not escalation.alerts:
        return str(_("Not sent: neither the volunteer nor any coordinator has a staff WhatsApp number"))
    if escalation.coordinators_told_at:
        return str(_("coordinators told"))
    if escalation.passed_on_at and not escalation.coordinator_alerts:
        return str(_("Coordinators not told: none has a staff WhatsApp number"))
    if escalation.alerts_sent:
        return ""
    if escalation.alerts_waiting:
        return str(_("WhatsApp to staff not sent yet"))
    return str(_("WhatsApp to staff not sent: %(reason)s") % {"reason": describe(escalation.alert_failure or "")})


def escalations(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Patients an escalation rule says need a person, until someone records what they did."""
    found, more = _capped(
        with_attempts(with_telling(Escalation.objects.unhandled().filter(patient__in=patients)), "escalation")
        .select_related("patient__volunteer").order_by("raised_at"),
        More(_("All escalations"), _changelist("escalation")),
    )
    return [
        Row("escalation", 1, escalation.patient, escalation.raised_at, escalation.what,
            detail=escalation_told(escalation),
            actions=[*contact_actions(escalation.patient, primary=True), *escalation_actions(escalation)],
            note=attempts_text(escalation))
        for escalation in found
    ], more


def replies_to_read(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Replies only a person can answer: free text, a refusal, an unclear or late answer."""
    found, more = _capped(_replies(patients, urgent=False), More(_("All replies to read"), _changelist("patientreply")))
    return [_reply_row("reply", 2, reply, reply_what(reply)) for reply in found], more


def _dose(reminder: Reminder) -> str:
    return reminder.schedule.get_kind_display()


def _confirm(reminder: Reminder, primary: bool = False) -> Action:
    return Action(_("Record a confirmation"), reverse("admin:reminders_reminder_confirm", args=[reminder.pk]),
                  primary=primary, comes_back=True)


def missed_doses(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """One row per patient with a dose missed lately: the latest, and how many in a row were
    missed since their last confirmed dose (several in a row come first)."""
    missed = Reminder.objects.needing_update().filter(patient__in=patients,
                                                      confirmation_status=Reminder.Confirmation.MISSED)
    in_a_row = Reminder.objects.missed_in_a_row(OuterRef("patient"), now - IN_A_ROW_WINDOW)
    latest = missed.filter(due_at__gte=now - RECENT).order_by("patient_id", "-due_at").distinct("patient_id")
    found, more = _capped(
        Reminder.objects.filter(id__in=latest.values("id")).annotate(in_a_row=in_a_row)
        .select_related("patient__volunteer", "schedule").order_by("-in_a_row", "-due_at"),
        More(_("All missed doses"), _changelist("reminder", needs_update="yes", confirmation_status__exact="MISSED")),
    )
    rows = []
    for dose in found:
        several = (dose.in_a_row or 0) >= MISSED_IN_A_ROW
        what = (_("%(count)d doses in a row missed") % {"count": dose.in_a_row} if several else _("Dose missed"))
        actions = [*contact_actions(dose.patient), _confirm(dose, primary=not several)]
        rows.append(Row("in_a_row" if several else "missed", 3 if several else 4, dose.patient, dose.due_at, what,
                        detail=_dose(dose), actions=actions))
    return rows, more


def unreceivable_doses(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Doses that came due with nobody to receive them (a schedule for the caregivers only,
    none of whom could: opted out, not agreed, set inactive): one row per schedule, its latest,
    with why, until the schedule can reach someone again (a caregiver agreed, the patient is
    reminded too) or is switched off."""
    nobody = Reminder.objects.filter(
        patient__in=patients, confirmation_status=Reminder.Confirmation.CANCELLED, due_at__gte=now - RECENT,
        close_reason__startswith=Reminder.NOBODY_CAN_RECEIVE,
        schedule__is_active=True, schedule__recipients=ReminderSchedule.Recipients.CAREGIVERS,
    ).exclude(Exists(Caregiver.objects.receiving().filter(patient=OuterRef("patient"))))
    latest = nobody.order_by("schedule_id", "-due_at").distinct("schedule_id")
    found, more = _capped(
        Reminder.objects.filter(id__in=latest.values("id")).select_related("patient__volunteer", "schedule")
        .order_by("-due_at"),
        More(_("All doses nobody could receive"), _changelist("reminder", confirmation_status__exact="CANCELLED")),
    )
    return [
        Row("unreceivable", 4, dose.patient, dose.due_at, capfirst(describe(dose.close_reason)), detail=_dose(dose),
            actions=[Action(_("Open the patient's page"), reverse("admin:reminders_patient_change",
                                                                   args=[dose.patient_id]), primary=True),
                     *contact_actions(dose.patient)])
        for dose in found
    ], more


def waiting_for_update(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Doses sent and still waiting for the patient's answer (or a BELUM): a volunteer who
    knows from a visit or a call records it."""
    found, more = _capped(
        Reminder.objects.needing_update().open().filter(patient__in=patients, due_at__gte=now - RECENT)
        .select_related("patient__volunteer", "schedule").order_by("due_at"),
        More(_("All reminders waiting for an answer"), _changelist("reminder", needs_update="yes")),
    )
    return [
        Row("update", 5, dose.patient, dose.due_at,
            _("Said not yet") if dose.confirmation_status == Reminder.Confirmation.NOT_YET else _("No answer yet"),
            detail=_dose(dose), actions=[_confirm(dose, primary=True), *contact_actions(dose.patient)])
        for dose in found
    ], more


def verification_actions(patient: Patient) -> list[Action]:
    """What can be done about the patient's consent in their state: ask (again), record it by
    hand with a note, or pause a patient who keeps saying no."""
    state, asked = patient.verification_status, patient.verification_sent_at is not None
    if state == Patient.Verification.VERIFIED:
        return []
    by_hand = one_tap("patient", patient.pk, "verify_by_hand", _("Verify by hand"))
    if state == Patient.Verification.DECLINED:
        return [by_hand, one_tap("patient", patient.pk, "pause_reminders", _("Pause reminders"))]
    ask = one_tap("patient", patient.pk, "send_verification_question",
                  _("Send the question again") if asked else _("Send the verification question"), primary=True)
    return [ask, by_hand]


# Each closed state of the question: what to say, and the moment it came to that.
VERIFICATION_TO_DO = {
    Patient.Verification.DECLINED: (
        gettext_lazy("Declined the reminders: call to check; pause them if the patient still says no"),
        "verification_answered_at"),
    Patient.Verification.EXPIRED: (gettext_lazy("Did not answer the verification question in time"),
                                   "verification_expires_at"),
}


def _verification_row(patient: Patient) -> Row:
    if patient.verification_status in VERIFICATION_TO_DO:
        what, moment = VERIFICATION_TO_DO[patient.verification_status]
        when = getattr(patient, moment)
    elif patient.verification_sent_at is None:
        what, when = _("Not asked for consent yet"), patient.created_at
    else:
        what, when = _("Has not answered the verification question yet"), patient.verification_sent_at
    return Row("verification", 6, patient, when or patient.created_at, str(what),
               actions=[*verification_actions(patient), *contact_actions(patient)])


def verification(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Patients not verified yet: ask them, ask again, or record their consent by hand."""
    found, more = _capped(verification_to_do(patients).select_related("volunteer").order_by("created_at"),
                          More(_("All patients not verified"), _changelist("patient")))
    return [_verification_row(patient) for patient in found], more


def failed_messages(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Messages that will not go out by themselves any more."""
    found, more = _capped(
        Message.objects.filter(patient__in=patients, status=Message.Status.FAILED, updated_at__gte=now - RECENT)
        .select_related("patient__volunteer").order_by("-updated_at"),
        More(_("All failed messages"), _changelist("message", status__exact="FAILED")),
    )
    return [
        Row("failed", 7, message.patient, message.updated_at, _("Message not sent"), detail=message.get_kind_display(),
            actions=[one_tap("message", message.pk, "retry", _("Send again"), primary=True),
                     *contact_actions(message.patient),
                     Action(_("Open"), reverse("admin:reminders_message_change", args=[message.pk]))])
        for message in found
    ], more


def notices_held(patients: QuerySet, now: datetime) -> tuple[list[Row], More | None]:
    """Patients moved to another number who cannot be told it yet (paused, opted out): the
    notice goes when they can receive messages again, before anything from the new number."""
    held = Message.objects.filter(patient__in=patients, kind=Message.Kind.NOTICE, status=Message.Status.QUEUED,
                                  last_error__startswith=NOTICE_HELD)
    found, more = _capped(
        held.filter(id__in=held.order_by("patient_id", "created_at", F("caregiver_id").asc(nulls_first=True), "id")
                       .distinct("patient_id").values("id"))
        .select_related("patient__volunteer").order_by("created_at"),
        More(_("All notices of a new number not sent yet"),
             _changelist("message", kind__exact=Message.Kind.NOTICE, status__exact=Message.Status.QUEUED)),
    )
    return [
        Row("notice", 6, notice.patient, notice.created_at, _("Not told of their new WhatsApp number yet"),
            detail=describe(notice.last_error), actions=contact_actions(notice.patient))
        for notice in found
    ], more


SOURCES: list[Source] = [emergencies, escalations, replies_to_read, missed_doses, unreceivable_doses,
                         waiting_for_update, verification, notices_held, failed_messages]


def today(patients: QuerySet, now: datetime) -> Today:
    """Every row for these patients, most urgent first, the oldest first within a kind."""
    result = Today()
    for source in SOURCES:
        rows, more = source(patients, now)
        result.rows += rows
        if more:
            result.more.append(more)
    result.rows.sort(key=lambda row: (row.urgency, row.when))
    return result


def paused(patients: QuerySet) -> list[Patient]:
    """The patients whose reminders are paused, each with why and until when (`Patient.pause_text`),
    the pauses ending first on top; not those PRIMA paused because the family told of a death."""
    return list(patients.filter(is_active=False).exclude(pause_kind=Patient.PauseKind.DIED)
                .order_by(F("paused_until").asc(nulls_last=True), "name")[:ROWS_PER_KIND])


@dataclass(frozen=True)
class Recorded:
    """Something the user recorded a moment ago, and the button that undoes it."""

    patient: Patient
    what: str
    at: datetime
    actions: list[Action]  # its undo


def just_recorded(user: AbstractBaseUser, now: datetime) -> list[Recorded]:
    """What the user recorded about escalations and emergencies that they may still undo: the
    latest about each row (the one its undo takes back)."""
    found, seen = [], set()
    for record in undoable(user, now).select_related("escalation__patient", "reply__patient"):
        row, model = (record.escalation, "escalation") if record.escalation_id else (record.reply, "patientreply")
        if (model, row.pk) in seen:
            continue
        seen.add((model, row.pk))
        found.append(Recorded(row.patient, str(record.get_outcome_display()), record.at,
                              [one_tap(model, row.pk, "undo_handling", _("Undo"))]))
    return found


@dataclass(frozen=True)
class VolunteerRows:
    volunteer: AbstractBaseUser | None
    rows: list[Row]


def by_volunteer(rows: list[Row]) -> list[VolunteerRows]:
    """A coordinator's view: the rows of each volunteer together, the volunteer with the most
    urgent row first; patients nobody is assigned to, as one more group."""
    groups: dict[int | None, VolunteerRows] = {}
    for row in rows:  # already most urgent first
        volunteer = row.patient.volunteer
        key = volunteer.pk if volunteer else None
        groups.setdefault(key, VolunteerRows(volunteer, [])).rows.append(row)
    return list(groups.values())
