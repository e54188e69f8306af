"""Caregivers (pendamping) who answer for the patient: whose patient a caregiver's reply is
about, and a phone's opt-out and opt-in (consent is each phone's own, whatever rows name it).

A reply from a caregiver's phone is applied to their patient exactly as the patient's own
(webhooks/services.py: the patient's lock, `apply_reply`'s double-check, the inbox's dedupe),
with the reply recording who wrote it. A phone that cares for several patients must say which
one (a patient's name in the reply, "SUDAH Sari"); otherwise it is asked, and the reply is kept
for each patient's volunteer (`conversation.keep_unclear_reply`). BERHENTI and MULAI are never
asked about: they speak for the phone, for every patient it receives for. Our answers go back
to the phone that wrote.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from prima.clock import DatabaseNow
from reminders.conversation.classifier import classify, normalise_text, says_more_than_an_answer
from reminders.models import Caregiver, Message, Patient, PatientReply, Reminder
from reminders.outbox.queue import acknowledge, queue_message

Intent = PatientReply.Intent

# Words of a name that do not tell one patient from another.
HONORIFICS = {"ibu", "bu", "bapak", "pak", "bpk", "nenek", "kakek", "mbah", "oma", "opa", "tante", "om", "nyonya",
              "tuan", "sdr", "hj", "h"}


# The outcome of a reply kept because the phone did not say which patient, and how long a later
# reply naming the patient settles it.
ASKED_WHICH = "from a caregiver of several patients; asked which"
ASKED_WHICH_SETTLED_WITHIN = timedelta(days=1)


@dataclass(frozen=True)
class Unclear:
    """A phone caring for several patients whose reply names none of them (or several)."""

    caregivers: list[Caregiver]


def name_words(name: str) -> set[str]:
    """The words of a name that tell one person from another (no honorifics)."""
    return {word for word in normalise_text(name).split() if word not in HONORIFICS and len(word) >= 3}


def caring_for(phone: str, paused_too: bool = False) -> QuerySet:
    """The active caregivers with this phone, of active patients (`paused_too`: of paused ones
    as well, since a family still writes after reminders stop), by the patient's name."""
    rows = Caregiver.objects.filter(phone=phone, is_active=True).select_related("patient")
    return (rows if paused_too else rows.filter(patient__is_active=True)).order_by("patient__name", "id")


def whose_reply(phone: str, text: str) -> Caregiver | Unclear | None:
    """The caregiver (and so the patient) a reply from `phone` speaks for; Unclear when the
    phone cares for several patients and the text names not exactly one; None when the phone
    is nobody's caregiver. A BERHENTI or MULAI is the phone's, never unclear: its first
    caregiver carries it (the handler applies it to every row with the phone)."""
    cared = list(caring_for(phone)) or list(caring_for(phone, paused_too=True))
    if len(cared) <= 1 or classify(text) in (Intent.OPT_OUT, Intent.OPT_IN):
        return cared[0] if cared else None
    words = set(normalise_text(text).split())
    named = [caregiver for caregiver in cared if name_words(caregiver.patient.name) & words]
    return named[0] if len(named) == 1 else Unclear(cared)


def named_caregiver(phone: str, text: str, own: Patient) -> Caregiver | None:
    """A patient's phone that also cares for others, naming exactly one of them and not the
    patient ("Bapak Budi sudah meninggal" from his wife, a patient herself): that caregiver
    speaks, for that patient."""
    words = set(normalise_text(text).split())
    if name_words(own.name) & words:
        return None
    named = [caregiver for caregiver in caring_for(phone, paused_too=True)
             if name_words(caregiver.patient.name) & words]
    return named[0] if len(named) == 1 else None


def patient_names(caregivers: Iterable[Caregiver]) -> str:
    """The patients of these caregiver rows, as our messages name them."""
    return ", ".join(caregiver.patient.name for caregiver in caregivers)


def ask_which(unclear: Unclear) -> Message:
    """Ask the phone to write again, naming the patient it means."""
    first = unclear.caregivers[0]
    example = sorted(name_words(first.patient.name)) or [first.patient.name]
    return queue_message(first.patient, "which_patient", caregiver=first, pasien=patient_names(unclear.caregivers),
                         contoh=example[0].capitalize())


def settle_asked_which(reply: PatientReply) -> int:
    """A reply from a caregiver that was understood (it named the patient) answers what their
    unclear reply of the day before it asked, when that said the same and nothing more: that one
    leaves this patient's to-do lists. The same reply kept for their other patients stays, until
    the phone names those too."""
    if reply.caregiver_id is None or reply.needs_attention:
        return 0
    kept = PatientReply.objects.needing_attention().filter(
        patient_id=reply.patient_id, caregiver_id=reply.caregiver_id, outcome=ASKED_WHICH, intent=reply.intent,
        received_at__lte=reply.received_at, received_at__gte=reply.received_at - ASKED_WHICH_SETTLED_WITHIN,
    )
    settled = [one.id for one in kept if not says_more_than_an_answer(one.text)]  # "obat habis, tolong telepon" stays
    return PatientReply.objects.filter(id__in=settled).update(handled_at=reply.received_at)


def opt_out_phone(phone: str, at: datetime) -> int:
    """BERHENTI from `phone` stops every message to it: every caregiver row with this number
    opts out, whichever patient it is for (a paused patient's too, and a row set inactive: made
    active again, it must not write to a phone that said stop). What is queued for them is
    withdrawn, and a dose whose only delivery left that was with it; the patients' own messages
    and other phones' go on. Returns how many messages were withdrawn.

    The caller holds one patient's lock, not the other patients': their rows change only by
    conditional UPDATEs, doses before caregivers as the sender locks them, so a send or a reply
    of theirs at the same moment waits for this one or goes before it."""
    reason = "caregiver opted out"
    to_phone = Q(caregiver__phone=phone, status=Message.Status.QUEUED)
    queued = Message.objects.filter(to_phone).exclude(kind=Message.Kind.REPLY)
    withdrawn = queued.count()
    delivered_elsewhere = Message.objects.filter(reminder=OuterRef("pk"), kind=Message.Kind.REMINDER).exclude(
        status__in=[Message.Status.FAILED, Message.Status.CANCELLED]).exclude(to_phone)
    Reminder.objects.filter(id__in=queued.filter(kind=Message.Kind.REMINDER).values("reminder_id"),
                            sent_at__isnull=True).exclude(Exists(delivered_elsewhere)).open().close(
        Reminder.Confirmation.CANCELLED, reason)
    queued.update(status=Message.Status.CANCELLED, end_reason=reason, updated_at=DatabaseNow())
    Caregiver.objects.filter(phone=phone, opted_out_at__isnull=True).update(opted_out_at=at)
    return withdrawn


def opt_in_phone(phone: str) -> int:
    """MULAI from `phone`: every caregiver row with this number that had opted out gets
    reminders again from the next dose. Returns how many had opted out."""
    return Caregiver.objects.filter(phone=phone, opted_out_at__isnull=False).update(opted_out_at=None)


def record_for_other_patients(reply: PatientReply, phone: str, outcome: str) -> list[PatientReply]:
    """A BERHENTI or MULAI speaks for every patient the phone receives for: each other patient's
    volunteer finds it in that patient's replies too, answered by the one answer to `reply`."""
    return PatientReply.objects.bulk_create(
        PatientReply(patient=caregiver.patient, caregiver=caregiver, text=reply.text, intent=reply.intent,
                     received_at=reply.received_at, arrived_at=reply.arrived_at, outcome=outcome, acknowledged=True)
        for caregiver in caring_for(phone).exclude(patient_id=reply.patient_id))


def opt_out_by_reply(reply: PatientReply) -> str:
    """BERHENTI from a caregiver's phone: it gets nothing more, for any of the patients it cares
    for, without asking which; answered once."""
    phone = reply.caregiver.phone
    cancelled = opt_out_phone(phone, reply.received_at)
    record_for_other_patients(reply, phone, "caregiver opted out")
    acknowledge(reply, "caregiver_goodbye", pasien=patient_names(caring_for(phone)))
    return f"caregiver opted out; {cancelled} queued message(s) cancelled"


def opt_in_by_reply(reply: PatientReply) -> str:
    """MULAI from a caregiver's phone that had opted out: reminders for each of its patients come
    again from the next dose; answered once."""
    phone = reply.caregiver.phone
    names = patient_names(caring_for(phone))
    if not opt_in_phone(phone):
        acknowledge(reply, "already_active", pasien=names)
        return "caregiver already receiving reminders"
    record_for_other_patients(reply, phone, "caregiver opted back in")
    acknowledge(reply, "opted_in", pasien=names)
    return "caregiver opted back in"
