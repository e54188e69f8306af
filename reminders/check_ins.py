"""The weekly check-in: once a week, at the patient's own day and time, PRIMA asks "how are you
this week?"; the answer is read as fine, not well or an emergency, and not well becomes an
escalation (docs/caregivers-and-escalations.md).

At most one check-in per patient and week, whatever a volunteer edits (a new day, a new time)
and however many processes run the tick: PostgreSQL holds it (`one_check_in_per_week`), and
the process whose insert wins queues the question in the same transaction. A check-in waits
for its answer CHECK_IN_ANSWER_HOURS after it was due; a reply is judged by when it was
received, like every reply.
"""
import logging
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from reminders.classifier import wellbeing
from reminders.models import TIME_ZONES, CheckIn, Message, Patient, PatientReply
from reminders.outbox import acknowledge, queue_message
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

Answer = CheckIn.Answer
# Check-ins created per tick at most (the rest, the next tick: the catch-up hours are ample).
BATCH = 500
# What a reply says to a reminder, not to "how are you?": unless it also says how the patient
# is, it goes to the dose it answers and leaves the check-in waiting.
DOSE_ANSWERS = {PatientReply.Intent.CONFIRM, PatientReply.Intent.NOT_YET, PatientReply.Intent.ATTENDING,
                PatientReply.Intent.LATE, PatientReply.Intent.CANCEL}


def ask(patient: Patient, due_at: datetime) -> CheckIn | None:
    """This week's check-in and its question, in one transaction; None when the patient has one
    this week already (made by another process a moment ago, too)."""
    local = due_at.astimezone(patient.zone)
    week = local.date() - timedelta(days=local.weekday())
    with transaction.atomic():
        try:
            with transaction.atomic():
                check_in = CheckIn.objects.create(
                    patient=patient, week=week, due_at=due_at,
                    answer_deadline=due_at + timedelta(hours=settings.CHECK_IN_ANSWER_HOURS),
                )
        except IntegrityError:
            return None
        queue_message(patient, "check_in", kind=Message.Kind.CHECK_IN, check_in=check_in)
    return check_in


def due_check_ins(now: datetime) -> list[tuple[Patient, datetime]]:
    """Patients whose check-in time has come today (within CHECK_IN_CATCH_UP_HOURS) and who
    have none this week, with the moment each was due; one query per time zone."""
    catch_up = timedelta(hours=settings.CHECK_IN_CATCH_UP_HOURS)
    due = []
    for zone_name, _label in TIME_ZONES:
        local = now.astimezone(ZoneInfo(zone_name))
        week = local.date() - timedelta(days=local.weekday())
        patients = Patient.objects.reachable().filter(
            time_zone=zone_name, check_in_day=local.weekday(), check_in_time__lte=local.time(),
        ).exclude(check_ins__week=week).order_by("check_in_time", "id")
        for patient in patients[:BATCH]:
            due_at = datetime.combine(local.date(), patient.check_in_time, tzinfo=local.tzinfo)
            if now - due_at <= catch_up:
                due.append((patient, due_at))
    return due


def ask_due_check_ins(now: datetime) -> Counter:
    """The tick's step: this week's questions due now, then the check-ins nobody answered in
    time closed as such. A patient whose question fails is logged and counted, never allowed to
    stop the others."""
    stats: Counter = Counter()
    for patient, due_at in due_check_ins(now):
        try:
            stats["check_ins"] += ask(patient, due_at) is not None
        except Exception:
            logger.exception("check-in patient_id=%s (%s) failed", patient.pk, mask_phone(patient.phone))
            stats["check_in_errors"] += 1
    stats["check_ins_unanswered"] += CheckIn.objects.filter(answer="", answer_deadline__lte=now).update(
        answer=Answer.NO_ANSWER)
    return stats


def waiting_check_in(patient: Patient, received_at: datetime) -> CheckIn | None:
    """The check-in a reply received at `received_at` may answer, locked: one not answered
    (or closed unanswered only after the reply was written), or answered fine (a problem
    told later in the window still counts)."""
    waiting = CheckIn.objects.filter(patient=patient, answer__in=["", Answer.NO_ANSWER, Answer.FINE])
    return waiting.answerable_at(received_at).select_for_update().order_by("-due_at").first()


def takes(check_in: CheckIn, reply: PatientReply) -> str | None:
    """The answer this reply gives the check-in, or None when it is for something else. Before
    any answer, a reply that says neither fine nor unwell (and answers no reminder) counts as
    unwell: a person reads it. After "fine", only a told problem changes the answer."""
    feeling = wellbeing(reply.text)
    if check_in.answer == Answer.FINE:
        return Answer.PROBLEM if feeling == Answer.PROBLEM else None
    if feeling is None and reply.intent in DOSE_ANSWERS:
        return None
    return feeling or Answer.PROBLEM


def answer(check_in: CheckIn, reply: PatientReply, feeling: str) -> str:
    """Record the answer and thank the patient; not well is flagged for the volunteers and
    raises an escalation at the next tick (reminders/escalations.py)."""
    CheckIn.objects.filter(id=check_in.id).update(answer=feeling, answered_at=reply.received_at)
    reply.check_in = check_in
    if feeling == Answer.FINE:
        acknowledge(reply, "check_in_fine")
        return "weekly check-in: fine"
    reply.needs_attention = True
    acknowledge(reply, "check_in_problem")
    return "weekly check-in: not well; the volunteer is alerted"


def record_emergency(reply: PatientReply) -> None:
    """An emergency written while a check-in waits is its answer, too."""
    check_in = waiting_check_in(reply.patient, reply.received_at)
    if check_in is not None:
        CheckIn.objects.filter(id=check_in.id).update(answer=Answer.EMERGENCY, answered_at=reply.received_at)
        reply.check_in = check_in
        reply.save(update_fields=["check_in"])
