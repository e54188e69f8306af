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
from django.db.models import Exists, Max, OuterRef

from reminders.conversation.classifier import Wellbeing, normalise_text, speaks_of_death
from reminders.models import TIME_ZONES, CheckIn, Escalation, Message, Patient, PatientReply
from reminders.outbox.queue import acknowledge, queue_message
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

Answer = CheckIn.Answer
# Check-ins created per tick at most (the rest, the next tick: the catch-up hours are ample).
BATCH = 500
# Never two questions closer than this: a day moved from Sunday to Monday waits a week.
MIN_GAP = timedelta(days=3)
# An unclear answer this short says nothing a later clear one does not; a longer one may ask for
# something ("biasa saja, tolong kirim obat"), so a volunteer still reads it.
SHORT_UNCLEAR_WORDS = 3


def ask(patient: Patient, due_at: datetime, now: datetime) -> CheckIn | None:
    """This week's check-in and its question, in one transaction; None when the patient has one
    this week already (made by another process a moment ago, too). The answer window runs from
    now, when it is asked, however late after its time that is."""
    local = due_at.astimezone(patient.zone)
    week = local.date() - timedelta(days=local.weekday())
    with transaction.atomic():
        try:
            with transaction.atomic():
                check_in = CheckIn.objects.create(
                    patient=patient, week=week, due_at=due_at,
                    answer_deadline=max(due_at, now) + timedelta(hours=settings.CHECK_IN_ANSWER_HOURS),
                )
        except IntegrityError:
            return None
        queue_message(patient, "check_in", kind=Message.Kind.CHECK_IN, check_in=check_in)
    return check_in


def due_check_ins(now: datetime) -> list[tuple[Patient, datetime]]:
    """Patients whose check-in time has come (at most CHECK_IN_CATCH_UP_HOURS ago, yesterday's
    too when the catch-up reaches back past midnight) and who have none that week, with the
    moment each was due; one query per time zone and day."""
    earliest = now - timedelta(hours=settings.CHECK_IN_CATCH_UP_HOURS)
    due = []
    for zone_name, _label in TIME_ZONES:
        local = now.astimezone(ZoneInfo(zone_name))
        for day in sorted({local.date(), earliest.astimezone(local.tzinfo).date()}):
            week = day - timedelta(days=day.weekday())
            patients = Patient.objects.reachable().filter(time_zone=zone_name, check_in_day=day.weekday())
            if day == local.date():
                patients = patients.filter(check_in_time__lte=local.time())
            start = earliest.astimezone(local.tzinfo)
            if day == start.date():  # the catch-up's bound in the query: later rows are never starved
                patients = patients.filter(check_in_time__gte=start.time())
            patients = patients.exclude(check_ins__week=week).annotate(last=Max("check_ins__due_at"))
            for patient in patients.order_by("check_in_time", "id")[:BATCH]:
                due_at = datetime.combine(day, patient.check_in_time, tzinfo=local.tzinfo)
                if earliest <= due_at <= now and (patient.last is None or patient.last <= due_at - MIN_GAP):
                    due.append((patient, due_at))
    return due


def next_check_in(patient: Patient, now: datetime) -> datetime | None:
    """When the patient will next be asked, by the rules of `due_check_ins` (now, when it is due
    and within the catch-up); None when they are not asked at all. For the volunteer who has just
    set or moved the day: this week's question may have gone out already."""
    if patient.check_in_day is None or not patient.can_receive_reminders:
        return None
    local = now.astimezone(patient.zone)
    monday = local.date() - timedelta(days=local.weekday())
    asked = dict(patient.check_ins.values_list("week", "due_at"))
    last = max(asked.values(), default=None)
    earliest = now - timedelta(hours=settings.CHECK_IN_CATCH_UP_HOURS)
    for weeks in range(3):
        week = monday + timedelta(weeks=weeks)
        due_at = datetime.combine(week + timedelta(days=patient.check_in_day), patient.check_in_time,
                                  tzinfo=local.tzinfo)
        if week in asked or due_at < earliest or (last is not None and last > due_at - MIN_GAP):
            continue
        return max(due_at, now)
    return None


def ask_due_check_ins(now: datetime) -> Counter:
    """The tick's step: this week's questions due now, then the check-ins nobody answered in
    time closed as such. A patient whose question fails is logged and counted, never allowed to
    stop the others."""
    stats: Counter = Counter()
    for patient, due_at in due_check_ins(now):
        try:
            stats["check_ins"] += ask(patient, due_at, now) is not None
        except Exception:
            logger.exception("check-in patient_id=%s (%s) failed", patient.pk, mask_phone(patient.phone))
            stats["check_in_errors"] += 1
    question = Message.objects.filter(check_in=OuterRef("pk"), kind=Message.Kind.CHECK_IN)
    asked = question.filter(sent_at__isnull=False).exclude(status__in=[Message.Status.FAILED, Message.Status.CANCELLED])
    # A question being sent this moment is left to the next tick: it may yet go out.
    over = CheckIn.objects.filter(answer="", answer_deadline__lte=now).exclude(
        Exists(question.filter(status=Message.Status.SENDING)))
    stats["check_ins_unanswered"] += over.filter(Exists(asked)).update(answer=Answer.NO_ANSWER)
    stats["check_ins_not_sent"] += over.update(answer=Answer.NOT_SENT)
    return stats


def waiting_check_in(patient: Patient, received_at: datetime) -> CheckIn | None:
    """The check-in a reply received at `received_at` may answer, locked: one not answered (or
    closed unanswered only after the reply was written), or answered in a way a later reply can
    still change (unclear; fine, when a problem is told later in the window)."""
    waiting = CheckIn.objects.filter(patient=patient, answer__in=["", Answer.NO_ANSWER, Answer.UNCLEAR, Answer.FINE])
    return waiting.answerable_at(received_at).select_for_update().order_by("-due_at").first()


def takes(check_in: CheckIn, reading: Wellbeing, answers_a_dose: bool) -> str | None:
    """The answer a reply gives the check-in, or None when it is for something else: a reply that
    answers a reminder waiting beside it and says nothing of how the patient is goes to the dose.
    Not answered yet, a reply that says neither fine nor unwell is UNCLEAR (a volunteer reads it);
    once answered, only a clear answer changes it (after fine, only a problem)."""
    feeling = reading.feeling
    if check_in.answer == Answer.FINE:
        return Answer.PROBLEM if feeling == Answer.PROBLEM else None
    if check_in.answer == Answer.UNCLEAR or answers_a_dose:
        return feeling
    return feeling or Answer.UNCLEAR


def answer(check_in: CheckIn, reply: PatientReply, feeling: str, reading: Wellbeing) -> str:
    """Record the answer and answer the patient. Not well raises an escalation at the next tick
    (reminders/workspace/escalations.py), which is how a volunteer hears of it (the reply is flagged only
    when that rule is off); unclear, or fine with more said ("baik, tapi obat habis"), is
    flagged for the volunteers. A patient already thanked for a dose in the same reply is not
    thanked twice for being fine."""
    CheckIn.objects.filter(id=check_in.id).update(answer=feeling, answered_at=reply.received_at)
    if check_in.answer == Answer.UNCLEAR:  # a short unclear reply ("biasa saja") has its answer now
        settled = [kept.id for kept in check_in.replies.filter(handled_at__isnull=True)
                   if len(normalise_text(kept.text).split()) <= SHORT_UNCLEAR_WORDS]
        PatientReply.objects.filter(id__in=settled).update(handled_at=reply.received_at)
    reply.check_in = check_in
    if feeling == Answer.PROBLEM:
        reply.needs_attention = Escalation.Rule.CHECK_IN_PROBLEM not in settings.ESCALATION_RULES
        acknowledge(reply, "condolences" if speaks_of_death(reply.text) else "check_in_problem", told="volunteer")
        return "weekly check-in: not well; the volunteer is alerted"
    if feeling == Answer.UNCLEAR:
        reply.needs_attention = True
        acknowledge(reply, "free_text")
        return "weekly check-in: unclear; stored for volunteers"
    if not reply.acknowledged:
        acknowledge(reply, "check_in_fine")
    if reading.says_more:
        reply.needs_attention = True
        return "weekly check-in: fine; the rest is for volunteers"
    return "weekly check-in: fine"


def record_emergency(reply: PatientReply) -> None:
    """An emergency written while a check-in waits is its answer, too."""
    check_in = waiting_check_in(reply.patient, reply.received_at)
    if check_in is not None:
        CheckIn.objects.filter(id=check_in.id).update(answer=Answer.EMERGENCY, answered_at=reply.received_at)
        reply.check_in = check_in
        reply.save(update_fields=["check_in"])
