"""Applying a patient's reply to the dose it answers: under the patient's lock, in the
caller's transaction, double-checked.

The caller (webhooks) holds the `patient:{id}` lock and opens the transaction, so two replies
from one patient are applied one after the other; inside, the patient and the dose rows are
locked and their state read again. A reply is judged by when it was received, not when it is
processed, and answers the doses of the kind it speaks about (`Reminder.objects.answered_by`).
Every reply that is understood is answered once, by a queued REPLY message.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection
from django.db.models import Q

from reminders.conversation import caregivers, check_ins, consent
from reminders.conversation.classifier import (
    Pending, Reading, bare_start, medication_answer, read, says_more_than_an_answer, topic, wellbeing,
)
from reminders.models import Caregiver, CheckIn, Message, Patient, PatientReply, Reminder, ReminderSchedule
from reminders.outbox.cloud_api import parse_button_payload
from reminders.outbox.queue import acknowledge, queue_message

Intent = PatientReply.Intent
Handler = Callable[[PatientReply], str]


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("apply inside the caller's transaction, holding the patient's lock")


def _answered(reply: PatientReply) -> list[Reminder] | None:
    """The doses this reply answers (see `ReminderQuerySet.answered_by`)."""
    answered = Reminder.objects.filter(patient=reply.patient).answered_by(reply, topic(reply.text, reply.intent))
    if answered:
        reply.reminder = answered[0]
    return answered


def _answered_or_why_not(reply: PatientReply) -> tuple[list[Reminder], str]:
    """The doses a SUDAH or BELUM answers; or none, with the outcome once the patient was told
    that nothing waits, or asked which reminder they mean (and a volunteer told)."""
    answered = _answered(reply)
    if answered is None:
        reply.needs_attention = True
        acknowledge(reply, "which_reminder")
        return [], "several kinds of reminder wait for an answer; asked which, stored for volunteers"
    if not answered:
        reply.needs_attention = True  # a SUDAH past its window still tells a volunteer the dose was taken
        acknowledge(reply, "nothing_waiting")
        return [], "no reminder waiting"
    return answered, ""


def _says_more(reply: PatientReply) -> bool:
    """The reply holds more than its answer: a person reads it, whatever it answered."""
    return says_more_than_an_answer(reply.text, name_words_of(reply.patient, reply.caregiver))


def name_words_of(patient: Patient, caregiver: Caregiver | None) -> frozenset[str]:
    """The words of the patient's (and the writing caregiver's) names: they say nothing more."""
    words = caregivers.name_words(patient.name)
    return frozenset(words | caregivers.name_words(caregiver.name) if caregiver else words)


def _who_answered(reply: PatientReply) -> str:
    return "caregiver answered" if reply.caregiver_id else "patient answered"


def _answered_through(reply: PatientReply) -> str:
    """A caregiver's confirmation counts as the patient's (compliance), and says it was theirs."""
    method = Reminder.ConfirmationMethod
    return method.CAREGIVER_REPLY if reply.caregiver_id else method.PATIENT_REPLY


def _confirm(reply: PatientReply) -> str:
    answered, why_not = _answered_or_why_not(reply)
    return why_not or _confirm_doses(reply, answered)


def _confirm_doses(reply: PatientReply, answered: list[Reminder]) -> str:
    Reminder.objects.filter(id__in=[dose.id for dose in answered]).close(
        Reminder.Confirmation.CONFIRMED, _who_answered(reply), confirmation_method=_answered_through(reply),
        confirmed_at=reply.received_at, responded_at=reply.received_at,
    )
    reply.needs_attention = _says_more(reply)  # "sudah, tapi obatnya tinggal dua"
    acknowledge(reply, "confirmed", dibaca=reply.needs_attention)
    return f"{len(answered)} reminder(s) confirmed"


def _not_yet(reply: PatientReply) -> str:
    answered, why_not = _answered_or_why_not(reply)
    return why_not or _not_yet_doses(reply, answered)


def _not_yet_doses(reply: PatientReply, answered: list[Reminder]) -> str:
    delay = timedelta(minutes=settings.FOLLOW_UP_DELAY_MINUTES)
    follow_ups = 0
    for dose in answered:
        # Still waiting, and answerable after the follow-up; a dose the tick closed a moment
        # before this in-time answer was processed is open again.
        deadline = max(dose.reply_deadline, reply.received_at + delay + timedelta(minutes=settings.REPLY_WINDOW_MINUTES))
        Reminder.objects.filter(id=dose.id).update(
            confirmation_status=Reminder.Confirmation.NOT_YET, responded_at=reply.received_at,
            reply_deadline=deadline, closed_at=None, close_reason="",
        )
        if not dose.messages.filter(kind=Message.Kind.FOLLOW_UP).exists():
            schedule = dose.schedule  # the follow-up names the dose, not the whole reminder again
            queue_message(reply.patient, "follow_up", kind=Message.Kind.FOLLOW_UP, reminder=dose,
                          send_after=reply.received_at + delay, caregiver=reply.caregiver,
                          obat=schedule.kind == ReminderSchedule.Kind.MEDICATION,
                          waktu=f"{schedule.event_time(dose.local_date):%H:%M}")
            follow_ups += 1
    reply.needs_attention = _says_more(reply)  # "belum, obatnya habis"
    reminded = Message.objects.filter(reminder__in=answered, kind=Message.Kind.FOLLOW_UP, status=Message.Status.QUEUED)
    if follow_ups or reminded.exists():
        acknowledge(reply, "not_yet", menit=settings.FOLLOW_UP_DELAY_MINUTES, dibaca=reply.needs_attention)
    else:  # the follow-up went out already: no promise of another, a person reads it
        reply.needs_attention = True
        acknowledge(reply, "free_text")
    return f"{len(answered)} reminder(s) not yet taken; {follow_ups} follow-up(s) queued"


# Why an appointment's reminders not sent yet are withdrawn once the patient has answered one:
# HADIR the day before is not asked again two hours before.
APPOINTMENT_ANSWERED = "appointment already answered"
APPOINTMENT_ANSWERS = {
    Intent.ATTENDING: (Reminder.AppointmentAnswer.ATTENDING, "appointment_attending"),
    Intent.LATE: (Reminder.AppointmentAnswer.LATE, "appointment_late"),
    Intent.CANCEL: (Reminder.AppointmentAnswer.CANCELLED, "appointment_cancelled"),
}


def _appointment(reply: PatientReply) -> str:
    answered = _answered(reply)
    if not answered:  # BATAL and friends mean nothing without an appointment waiting
        return for_volunteers(reply)
    return _appointment_doses(reply, answered)


def _appointment_doses(reply: PatientReply, answered: list[Reminder]) -> str:
    answer, template = APPOINTMENT_ANSWERS[reply.intent]
    appointment = Reminder.objects.of_the_same_appointment(answered)
    unanswered = Q(sent_at__isnull=False, confirmation_status__in=[*Reminder.OPEN, Reminder.Confirmation.MISSED])
    appointment.filter(Q(id__in=[dose.id for dose in answered]) | unanswered).close(
        Reminder.Confirmation.CONFIRMED, _who_answered(reply), confirmation_method=_answered_through(reply),
        confirmed_at=reply.received_at, responded_at=reply.received_at, appointment_answer=answer,
    )
    appointment.open().filter(sent_at__isnull=True).close(Reminder.Confirmation.CANCELLED, APPOINTMENT_ANSWERED)
    acknowledge(reply, template)
    reply.needs_attention = reply.intent == Intent.CANCEL or _says_more(reply)  # a new date is a person's to find
    return f"appointment answer recorded: {answer}"


def for_volunteers(reply: PatientReply) -> str:
    """Free text: a volunteer reads it, and its sender is told so, every message (nobody is left
    in silence); within FREE_TEXT_ACK_WINDOW_MINUTES of the last such answer, in a few words
    (a voice note or a picture: that a volunteer will listen to or look at it; through a Cloud API
    number, which is in no WhatsApp app and whose media PRIMA does not fetch: that nobody can play
    it here and a volunteer will call, `PatientReply.through_cloud_api`)."""
    reply.needs_attention = True
    window_start = reply.received_at - timedelta(minutes=settings.FREE_TEXT_ACK_WINDOW_MINUTES)
    told = [Intent.MEDIA] if reply.intent == Intent.MEDIA else [Intent.FREE_TEXT, Intent.OPT_IN, Intent.THANKS]
    again = reply.patient.replies.filter(acknowledged=True, intent__in=told, received_at__gte=window_start).exists()
    acknowledge(reply, "media" if reply.intent == Intent.MEDIA else "free_text", lagi=again,
                cloud_api=reply.through_cloud_api)
    return "stored for volunteers; acknowledged"


def thanked(reply: PatientReply) -> str:
    """A plain thanks or acknowledgement asks for nothing: no answer, nothing to do."""
    return "thanks or acknowledgement; nothing to do"


DOSE_HANDLERS: dict[str, Handler] = {
    Intent.CONFIRM: _confirm,
    Intent.NOT_YET: _not_yet,
    Intent.ATTENDING: _appointment,
    Intent.LATE: _appointment,
    Intent.CANCEL: _appointment,
}


def _a_dose_waits(patient: Patient, reply: PatientReply) -> bool:
    """A reminder waits for this answer (or several kinds do, and the patient will be asked)."""
    answered = Reminder.objects.filter(patient=patient).answered_by(reply, topic(reply.text, reply.intent))
    return answered is None or bool(answered)


def _both(first: Handler, second: Handler) -> Handler:
    """A reply that answers a dose and the weekly check-in at once ("baik, obat sudah diminum")."""
    return lambda reply: f"{first(reply)}; {second(reply)}"


def route(patient: Patient, reply: PatientReply, pending: Pending, check_in: CheckIn | None = None) -> Handler:
    """Which rule applies: opting out and in always, for the whole phone that wrote (the
    patient's own phone is also every caregiver row with that number: `consent`, `caregivers`);
    the patient's verification answer while one is awaited (never a caregiver's: consent is
    each phone's own); the weekly check-in's answer while one waits (`check_ins.takes`);
    otherwise the answers to reminders; thanks need nothing; anything else is for volunteers.
    SUDAH or BELUM while only an appointment waits answers nothing: a volunteer reads it."""
    intent, caregiver = reply.intent, reply.caregiver
    if intent == Intent.OPT_OUT:
        return caregivers.opt_out_by_reply if caregiver else consent.opt_out_by_reply
    if intent == Intent.OPT_IN and (caregiver or patient).opted_out_at is None and not bare_start(reply.text):
        return for_volunteers  # "bisa kirim lagi jadwalnya?" from someone who never stopped: a person reads it
    if intent == Intent.OPT_IN:
        return caregivers.opt_in_by_reply if caregiver else consent.opt_in_by_reply
    if pending.consent:
        return consent.verification_answer
    dose_handler = DOSE_HANDLERS.get(intent)
    if intent in (Intent.CONFIRM, Intent.NOT_YET) and pending.appointment and not pending.medication:
        dose_handler = None
    if check_in is not None:
        reading = wellbeing(reply.text, name_words_of(patient, caregiver))
        waits = dose_handler is not None and _a_dose_waits(patient, reply)
        feeling = check_ins.takes(check_in, reading, waits)
        if feeling:
            told = partial(check_ins.answer, check_in, feeling=feeling, reading=reading)
            return _both(dose_handler, told) if waits else told
    declined = patient.verification_status == Patient.Verification.DECLINED
    if dose_handler is None and intent == Intent.THANKS and not declined:
        return thanked  # from someone who declined, even an "ok" may be a change of mind: a person reads it
    return dose_handler or for_volunteers


def pending_for(patient: Patient, caregiver: Caregiver | None, received_at: datetime,
                arrived_at: datetime | None = None) -> Pending:
    """What the sender was asked and PRIMA still waits for, as the reply is read against it."""
    kinds = set(Reminder.objects.filter(patient=patient).answerable_at(received_at, arrived_at or received_at)
                .values_list("schedule__kind", flat=True))
    return Pending(consent=caregiver is None and consent.awaiting_verification(patient),
                   medication=ReminderSchedule.Kind.MEDICATION in kinds,
                   appointment=ReminderSchedule.Kind.APPOINTMENT in kinds, by_caregiver=caregiver is not None)


def reading_of(patient: Patient, text: str, received_at: datetime, arrived_at: datetime | None = None,
               caregiver: Caregiver | None = None) -> Reading:
    """What the message means, read against what its sender was asked."""
    pending = pending_for(patient, caregiver, received_at, arrived_at)
    return read(text, pending, name_words_of(patient, caregiver))


def apply_reply(patient: Patient, text: str, received_at: datetime, arrived_at: datetime | None = None,
                caregiver: Caregiver | None = None) -> PatientReply:
    """Record and act on one reply, in the caller's transaction, under the patient's lock;
    from the patient, or from one of their caregivers (answered on the caregiver's phone)."""
    _require_transaction()
    patient = Patient.objects.select_for_update().get(id=patient.id)
    pending = pending_for(patient, caregiver, received_at, arrived_at)
    reading = read(text, pending, name_words_of(patient, caregiver))
    reply = PatientReply(patient=patient, caregiver=caregiver, text=text, intent=reading.intent,
                         received_at=received_at, arrived_at=arrived_at or received_at)
    reply.outcome = route(patient, reply, pending, check_ins.waiting_check_in(patient, received_at))(reply)
    reply.save()
    caregivers.settle_asked_which(reply)
    return reply


@dataclass(frozen=True)
class Tap:
    """A button the sender tapped (a Cloud API quick reply or reply button): the answer it
    gives and the dose ("reminder") or consent question ("consent", a patient id) it names
    (reminders/outbox/cloud_api.py makes the payload)."""

    answer: str
    kind: str
    target_id: int

    @classmethod
    def of(cls, payload: str) -> "Tap | None":
        """The tap a payload of ours names; None for anything else (typed text, another tool's button)."""
        parsed = parse_button_payload(payload) if payload else None
        return cls(*parsed) if parsed else None


TAP_INTENTS = {"taken": Intent.CONFIRM, "later": Intent.NOT_YET, "attend": Intent.ATTENDING, "late": Intent.LATE,
               "cancel": Intent.CANCEL, "yes": Intent.VERIFY_YES, "no": Intent.VERIFY_NO}


def who_tapped(phone: str, tap: Tap) -> tuple[Patient, Caregiver | None] | None:
    """Whose answer a tap from `phone` is: the patient (and the caregiver writing) the tapped
    dose belongs to, when `phone` is theirs or one of their caregivers'; the consent question
    only from the patient's own phone (consent is each phone's own). None: not the sender's to
    answer (another patient's dose, a forged payload), so it is refused."""
    if tap.kind == "consent":
        patient = Patient.objects.filter(id=tap.target_id, phone=phone).first()
        return (patient, None) if patient else None
    dose = Reminder.objects.filter(id=tap.target_id).select_related("patient").first()
    if dose is None:
        return None
    if dose.patient.phone == phone:
        return dose.patient, None
    caregiver = dose.patient.caregivers.filter(phone=phone).first()
    return (dose.patient, caregiver) if caregiver else None


def apply_tap(patient: Patient, tap: Tap, text: str, received_at: datetime, arrived_at: datetime | None = None,
              caregiver: Caregiver | None = None) -> PatientReply:
    """Record and act on a tap (`who_tapped` said whose), in the caller's transaction, under the
    patient's lock, like a typed reply: but applied to the dose or question it names, never to
    another; one that no longer waits is answered so and changes nothing."""
    _require_transaction()
    patient = Patient.objects.select_for_update().get(id=patient.id)
    reply = PatientReply(patient=patient, caregiver=caregiver, text=text or tap.answer, intent=TAP_INTENTS[tap.answer],
                         received_at=received_at, arrived_at=arrived_at or received_at)
    reply.outcome = (_tapped_consent if tap.kind == "consent" else _tapped_dose)(reply, tap)
    reply.save()
    caregivers.settle_asked_which(reply)
    return reply


def _tapped_dose(reply: PatientReply, tap: Tap) -> str:
    """The dose the tap names, if it still waits for this kind of answer (judged by when the
    tap was made, as a typed reply is): locked and double-checked, then answered."""
    dose = (Reminder.objects.filter(id=tap.target_id, patient=reply.patient)
            .answerable_at(reply.received_at, reply.arrived_at).select_related("schedule")
            .select_for_update(of=("self",)).first())
    appointment = reply.intent in APPOINTMENT_ANSWERS
    if dose is None or (dose.schedule.kind == ReminderSchedule.Kind.APPOINTMENT) != appointment:
        reply.reminder = Reminder.objects.filter(id=tap.target_id).first()
        _tap_closed(reply)
        return TAPPED_OLD_TAKEN if reply.intent == Intent.CONFIRM else TAPPED_OLD
    reply.reminder = dose
    if appointment:
        return _appointment_doses(reply, [dose])
    return (_confirm_doses if reply.intent == Intent.CONFIRM else _not_yet_doses)(reply, [dose])


def _tapped_consent(reply: PatientReply, tap: Tap) -> str:
    if consent.awaiting_verification(reply.patient):
        return consent.verification_answer(reply)
    return _tap_closed(reply, persetujuan=True)


# A tap on a reminder that no longer waits (`_tapped_dose`): nothing recorded, "taken" least of all.
TAPPED_OLD_TAKEN = "tapped 'taken' on an old reminder that no longer waits for an answer; not recorded as taken"
TAPPED_OLD = "tapped a button on an old reminder that no longer waits for an answer; not recorded"


def _tap_closed(reply: PatientReply, **context) -> str:
    """A tap on a reminder or question that no longer waits (answered, closed, another day's):
    the sender is told so, and a volunteer reads it (it may say a dose was taken late)."""
    reply.needs_attention = True
    acknowledge(reply, "tap_closed", **context)
    return "tapped a reminder or question that no longer waits for an answer; not applied"


def record_dose_taken(reply: PatientReply) -> int:
    """An emergency that also says the medicine was taken ("sdh minum obat tp masih sesak"):
    the dose waiting is confirmed too, in the emergency's transaction; the safety answer is the
    answer. Returns how many doses it confirmed."""
    if medication_answer(reply.text, name_words_of(reply.patient, reply.caregiver)) != Intent.CONFIRM:
        return 0
    answered = Reminder.objects.filter(patient=reply.patient).answered_by(reply, ReminderSchedule.Kind.MEDICATION)
    Reminder.objects.filter(id__in=[dose.id for dose in answered]).close(
        Reminder.Confirmation.CONFIRMED, _who_answered(reply), confirmation_method=_answered_through(reply),
        confirmed_at=reply.received_at, responded_at=reply.received_at,
    )
    if answered:
        reply.reminder = answered[0]
        reply.save(update_fields=["reminder"])
    return len(answered)


def keep_unapplied_reply(patient: Patient, text: str, reason: str, received_at: datetime,
                         arrived_at: datetime | None = None, caregiver: Caregiver | None = None) -> PatientReply:
    """A reply we did not act on is still a patient (or their caregiver) speaking: a volunteer reads it."""
    return PatientReply.objects.create(
        patient=patient, caregiver=caregiver, text=text,
        intent=reading_of(patient, text, received_at, arrived_at, caregiver).intent, received_at=received_at,
        arrived_at=arrived_at or received_at, needs_attention=True, outcome=reason,
    )


def keep_unclear_reply(unclear: caregivers.Unclear, text: str, received_at: datetime,
                       arrived_at: datetime) -> list[PatientReply]:
    """A caregiver of several patients who did not say which: kept for each patient's
    volunteer, and the phone asked which patient it means. In the caller's transaction."""
    kept = [keep_unapplied_reply(caregiver.patient, text, caregivers.ASKED_WHICH, received_at, arrived_at, caregiver)
            for caregiver in unclear.caregivers]
    caregivers.ask_which(unclear)
    return kept
