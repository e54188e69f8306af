"""When a patient needs a person, a person knows: the escalation rules, raised by the tick and
told by WhatsApp to the patient's volunteer, then to every coordinator when nobody has handled
them in time (docs/caregivers-and-escalations.md).

Each rule finds its triggers: a patient and the moment the thing happened (the latest missed
dose, the verification's expiry, the last BELUM, the emergency). A trigger already covered by
an escalation of that rule raised after it, or on the patient's same day, is passed over: a
patient who stays in the same state is not reported again tomorrow, while a new miss after an
escalation raises a new one. PostgreSQL holds "at most one per patient, rule and day"
(`one_escalation_per_rule_day`) whatever the number of processes running this step: the one
whose insert wins queues the alerts, in the same transaction, through the outbox (its rate
limits, its retries, `one_alert_per_escalation_phone`).
"""
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from prima.clock import DatabaseNow
from reminders.models import (
    CheckIn, Escalation, Message, Patient, PatientReply, Reminder, StaffNotification, StaffProfile,
)
from reminders.outbox.notifications import COORDINATOR, VOLUNTEER, coordinators_on_whatsapp, staff_phone
from reminders.outbox.queue import queue_message
from reminders.phones import mask_phone
from reminders.templating import shortened
from reminders.workspace.today import IN_A_ROW_WINDOW

logger = logging.getLogger(__name__)

Rule = Escalation.Rule
# A trigger older than this is for the lists, not for an alert now.
LOOKBACK = timedelta(days=1)
# Escalations passed on to coordinators per tick at most (the rest, the next tick).
BATCH = 200
# An escalation nobody could be told for lack of a staff WhatsApp number is told when someone
# has one, up to this old: older ones stay on Hari ini and the list, not worth a WhatsApp now.
TELL_LATE_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class Trigger:
    """A patient a rule fires for, when what fired it happened, how many (doses, BELUMs), and
    what the patient wrote (the check-in's answer)."""

    patient_id: int
    at: datetime
    count: int = 0
    detail: str = ""


def missed_in_a_row(now: datetime) -> list[Trigger]:
    """ESCALATION_MISSED_IN_A_ROW doses or more missed with no confirmed dose since, the
    latest closed within LOOKBACK (the doses closed lately: an index)."""
    recent = Reminder.objects.filter(confirmation_status=Reminder.Confirmation.MISSED, closed_at__gte=now - LOOKBACK)
    latest = recent.filter(patient=OuterRef("pk")).order_by("-closed_at").values("closed_at")[:1]
    patients = Patient.objects.filter(id__in=recent.values("patient_id"), is_active=True).annotate(
        last_missed=Subquery(latest), in_a_row=Reminder.objects.missed_in_a_row(OuterRef("pk"), now - IN_A_ROW_WINDOW),
    ).filter(in_a_row__gte=settings.ESCALATION_MISSED_IN_A_ROW)
    return [Trigger(*row) for row in patients.values_list("id", "last_missed", "in_a_row")]


def verification_expired(now: datetime) -> list[Trigger]:
    """The verification question expired unanswered within LOOKBACK."""
    expired = Patient.objects.filter(
        is_active=True, opted_out_at__isnull=True, verification_status=Patient.Verification.EXPIRED,
        verification_expires_at__gte=now - LOOKBACK, verification_expires_at__lte=now,
    )
    return [Trigger(*row) for row in expired.values_list("id", "verification_expires_at", "verification_attempts")]


def not_yet_twice(now: datetime) -> list[Trigger]:
    """ESCALATION_NOT_YET_ON_ONE_DOSE BELUMs or more answering the same dose, counted by what
    they answered: the reminder, then each question sent after a BELUM (the follow-up). A BELUM
    and a "nanti ya" a minute later answer the same question: one BELUM."""
    asked = Message.objects.filter(reminder=OuterRef("reminder_id"), kind__in=Message.QUESTION_KINDS,
                                   sent_at__lte=OuterRef("received_at")).exclude(status=Message.Status.CANCELLED)
    replies = PatientReply.objects.filter(intent=PatientReply.Intent.NOT_YET, reminder__isnull=False,
                                          received_at__gte=now - LOOKBACK).annotate(
        question=Subquery(asked.order_by("-sent_at").values("id")[:1]))
    doses = replies.values("patient_id", "reminder_id").annotate(
        n=Count("question", distinct=True), last=Max("received_at")).filter(
        n__gte=settings.ESCALATION_NOT_YET_ON_ONE_DOSE)
    return [Trigger(row["patient_id"], row["last"], row["n"]) for row in doses]


def emergency_unhandled(now: datetime) -> list[Trigger]:
    """An emergency nobody marked handled ESCALATION_EMERGENCY_UNHANDLED_MINUTES after it
    reached us (our clock, never the time a payload claims)."""
    late = now - timedelta(minutes=settings.ESCALATION_EMERGENCY_UNHANDLED_MINUTES)
    emergencies = PatientReply.objects.needing_attention().filter(
        urgent=True, intent=PatientReply.Intent.EMERGENCY).annotate(  # a death is told at once, not escalated
        reached=Coalesce("arrived_at", "received_at")).filter(reached__gte=now - LOOKBACK, reached__lte=late)
    return [Trigger(*row) for row in emergencies.values_list("patient_id", "reached").order_by()]


def check_in_problem(now: datetime) -> list[Trigger]:
    """A weekly check-in answered "not well" by a reply that reached us within LOOKBACK (our
    clock: an answer written days ago and delivered late still raises one), with its words."""
    answers = PatientReply.objects.filter(check_in__answer=CheckIn.Answer.PROBLEM, check_in__isnull=False).annotate(
        reached=Coalesce("arrived_at", "received_at")).filter(reached__gte=now - LOOKBACK, reached__lte=now)
    return [Trigger(patient_id, at, detail=shortened(text))
            for patient_id, at, text in answers.values_list("patient_id", "reached", "text").order_by("reached")]


RULES: dict[str, Callable[[datetime], list[Trigger]]] = {
    Rule.MISSED_IN_A_ROW: missed_in_a_row,
    Rule.VERIFICATION_EXPIRED: verification_expired,
    Rule.NOT_YET_TWICE: not_yet_twice,
    Rule.EMERGENCY_UNHANDLED: emergency_unhandled,
    Rule.CHECK_IN_PROBLEM: check_in_problem,
}


def _alert(escalation: Escalation, user: AbstractBaseUser | None, phone: str, role: str,
           volunteer_failed: bool = False) -> StaffNotification:
    """One WhatsApp to a staff member about the escalation, with its notification, PENDING
    until the outbox has sent it (SENT, and the escalation's told-at written) or given it up
    (FAILED, with the reason): `notifications.settle_alerts`."""
    link = settings.SITE_URL + reverse("admin:reminders_escalation_change", args=[escalation.pk])
    volunteer = escalation.volunteer  # alerted first; empty when they had no number
    message = queue_message(
        escalation.patient, "escalation", kind=Message.Kind.ESCALATION, to=phone, escalation=escalation,
        rule=escalation.rule, jumlah=escalation.count, teks=escalation.detail, koordinator=role == COORDINATOR,
        tautan=link, menit=settings.ESCALATION_TO_COORDINATORS_MINUTES,
        relawan=volunteer.get_username() if volunteer else "", relawan_gagal=volunteer_failed,
    )
    return StaffNotification.objects.create(
        patient=escalation.patient, escalation=escalation, recipient=user, role=role,
        channel=StaffNotification.Channel.WHATSAPP, address=phone, message=message,
    )


def _tell_coordinators(escalation: Escalation) -> int:
    """Every coordinator with a number, but a number already alerted about this escalation.
    None with a number: said in the log, and on the escalation's page and Hari ini (not told,
    and why) until `tell_the_untold` finds one."""
    told = set(escalation.messages.filter(kind=Message.Kind.ESCALATION).values_list("phone", flat=True))
    team: dict[str, AbstractBaseUser] = {}
    for user in coordinators_on_whatsapp():
        team.setdefault(user.staff_profile.phone, user)
    if not team:
        logger.warning("escalation_id=%s patient_id=%s: no coordinator has a WhatsApp number; not passed on yet",
                       escalation.pk, escalation.patient_id)
    volunteer_failed = escalation.notifications.filter(role=VOLUNTEER, status=StaffNotification.Status.FAILED).exists()
    for phone in sorted(set(team) - told):
        _alert(escalation, team[phone], phone, COORDINATOR, volunteer_failed)
    return len(set(team) - told)


def raise_escalation(rule: str, trigger: Trigger, today: date | None = None) -> Escalation | None:
    """Raise one escalation and queue its alerts, in one transaction; None when this patient
    has one of this rule today already (raised by another process a moment ago, too). The
    volunteer is told on their own number; without one, every coordinator at once."""
    patient = Patient.objects.select_related("volunteer").get(id=trigger.patient_id)
    phone = staff_phone(patient.volunteer)
    local_date = today or trigger.at.astimezone(patient.zone).date()
    with transaction.atomic():
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    patient=patient, rule=rule, local_date=local_date, count=trigger.count, detail=trigger.detail,
                    volunteer=patient.volunteer if phone else None,
                    passed_on_at=None if phone else DatabaseNow(),
                )
        except IntegrityError:
            return None
        if phone:
            _alert(escalation, patient.volunteer, phone, VOLUNTEER)
            logger.info("escalation_id=%s rule=%s patient_id=%s alerting volunteer at %s", escalation.pk, rule,
                        patient.pk, mask_phone(phone))
        else:
            _tell_coordinators(escalation)
    return escalation


def _uncovered(rule: str, triggers: list[Trigger], now: datetime) -> list[tuple[Trigger, date]]:
    """The latest trigger of each patient, with the patient's today, unless an escalation of
    this rule was raised after it or on that day already."""
    latest: dict[int, Trigger] = {}
    for trigger in triggers:
        if trigger.patient_id not in latest or trigger.at > latest[trigger.patient_id].at:
            latest[trigger.patient_id] = trigger
    if not latest:
        return []
    covered = {
        row["patient_id"]: row for row in Escalation.objects.filter(rule=rule, patient_id__in=latest)
        .values("patient_id").annotate(raised=Max("raised_at"), day=Max("local_date"))
    }
    zones = dict(Patient.objects.filter(id__in=latest).values_list("id", "time_zone"))
    found = []
    for patient_id, trigger in latest.items():
        today = now.astimezone(ZoneInfo(zones[patient_id])).date()
        last = covered.get(patient_id)
        if last is None or (last["raised"] < trigger.at and last["day"] < today):
            found.append((trigger, today))
    return found


def raise_escalations(now: datetime) -> Counter:
    """The tick's step: every rule in ESCALATION_RULES, then the escalations nobody handled in
    time passed on to the coordinators, then those nobody could be told for lack of a number
    told to whoever has one now. A patient whose escalation fails is logged and counted, never
    allowed to stop the others."""
    stats: Counter = Counter()
    for rule, find in RULES.items():
        if rule not in settings.ESCALATION_RULES:
            continue
        for trigger, today in _uncovered(rule, find(now), now):
            try:
                stats["escalations"] += raise_escalation(rule, trigger, today) is not None
            except Exception:
                logger.exception("escalation rule=%s patient_id=%s failed", rule, trigger.patient_id)
                stats["escalation_errors"] += 1
    stats["escalations_to_coordinators"] += tell_coordinators(now)
    stats["escalations_told_late"] += tell_the_untold(now)
    return stats


def tell_coordinators(now: datetime) -> int:
    """Escalations nobody handled ESCALATION_TO_COORDINATORS_MINUTES after they were raised,
    or whose WhatsApp to the volunteer failed: each passed on once (a conditional UPDATE
    decides who does it), to every coordinator."""
    late = now - timedelta(minutes=settings.ESCALATION_TO_COORDINATORS_MINUTES)
    volunteer_failed = StaffNotification.objects.filter(  # failed, not withdrawn by a person
        escalation=OuterRef("pk"), role=VOLUNTEER, status=StaffNotification.Status.FAILED,
        message__status=Message.Status.FAILED)
    due = Escalation.objects.unhandled().filter(passed_on_at__isnull=True).filter(
        Q(raised_at__lte=late) | Q(Exists(volunteer_failed)))
    passed_on = 0
    for escalation in due.select_related("patient", "volunteer").order_by("raised_at")[:BATCH]:
        with transaction.atomic():
            won = Escalation.objects.unhandled().filter(id=escalation.pk, passed_on_at__isnull=True).update(
                passed_on_at=DatabaseNow())
            if won:
                _tell_coordinators(escalation)
                passed_on += 1
    return passed_on


def tell_the_untold(now: datetime) -> int:
    """Escalations passed on to the coordinators when none had a WhatsApp number, still
    unhandled and at most TELL_LATE_WITHIN old: told now to the coordinators who have a number
    since, and to the patient's volunteer when nobody was alerted at all and they have one now.
    One process tells each (the escalation's row lock, skipped by the others)."""
    if not StaffProfile.objects.exclude(phone="").exists():
        return 0  # nobody has a number yet: nothing to look for
    coordinator_alerted = StaffNotification.objects.filter(escalation=OuterRef("pk"), role=COORDINATOR)
    untold = Escalation.objects.unhandled().filter(passed_on_at__isnull=False, raised_at__gte=now - TELL_LATE_WITHIN
                                                   ).exclude(Exists(coordinator_alerted))
    team = coordinators_on_whatsapp().exists()
    if not team:  # only a volunteer who has a number now, of an escalation nobody was alerted about
        untold = untold.exclude(Exists(StaffNotification.objects.filter(escalation=OuterRef("pk")))).filter(
            patient__volunteer__is_active=True, patient__volunteer__staff_profile__phone__gt="")
    told = 0
    for escalation_id in untold.order_by("raised_at").values_list("id", flat=True)[:BATCH]:
        with transaction.atomic():
            escalation = (Escalation.objects.unhandled().select_for_update(skip_locked=True, of=("self",))
                          .select_related("patient__volunteer", "volunteer").filter(id=escalation_id)
                          .exclude(Exists(coordinator_alerted)).first())
            if escalation is None:
                continue
            nobody_alerted = not escalation.notifications.exists()
            alerts = _tell_coordinators(escalation) if team else 0
            volunteer, phone = escalation.patient.volunteer, staff_phone(escalation.patient.volunteer)
            if phone and nobody_alerted and not escalation.messages.filter(phone=phone).exists():
                Escalation.objects.filter(id=escalation.pk).update(volunteer=volunteer)
                escalation.volunteer = volunteer
                _alert(escalation, volunteer, phone, VOLUNTEER)
                alerts += 1
            told += bool(alerts)
    return told

