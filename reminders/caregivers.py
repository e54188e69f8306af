"""Caregivers (pendamping) who answer for the patient: whose patient a caregiver's reply is
about, and a caregiver's own opt-out and opt-in (consent is each phone's own).

A reply from a caregiver's phone is applied to their patient exactly as the patient's own
(webhooks/services.py: the patient's lock, `apply_reply`'s double-check, the inbox's dedupe),
with the reply recording who wrote it. A phone that cares for several patients must say which
one (a patient's name in the reply, "SUDAH Sari"); otherwise it is asked, and the reply is kept
for each patient's volunteer (`conversation.keep_unclear_reply`). Our answers go back to the
phone that wrote.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from reminders.classifier import normalise_text, says_more_than_an_answer
from reminders.models import Caregiver, Message, PatientReply, Reminder
from reminders.outbox import acknowledge, queue_message

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


def caring_for(phone: str) -> QuerySet:
    """The active caregivers with this phone, of active patients."""
    return Caregiver.objects.filter(phone=phone, is_active=True, patient__is_active=True).select_related("patient")


def whose_reply(phone: str, text: str) -> Caregiver | Unclear | None:
    """The caregiver (and so the patient) a reply from `phone` speaks for; Unclear when the
    phone cares for several patients and the text names not exactly one; None when the phone
    is nobody's caregiver."""
    cared = list(caring_for(phone).order_by("patient__name", "id"))
    if len(cared) <= 1:
        return cared[0] if cared else None
    words = set(normalise_text(text).split())
    named = [caregiver for caregiver in cared if name_words(caregiver.patient.name) & words]
    return named[0] if len(named) == 1 else Unclear(cared)


def ask_which(unclear: Unclear) -> Message:
    """Ask the phone to write again, naming the patient it means."""
    first = unclear.caregivers[0]
    names = ", ".join(caregiver.patient.name for caregiver in unclear.caregivers)
    example = sorted(name_words(first.patient.name)) or [first.patient.name]
    return queue_message(first.patient, "which_patient", caregiver=first, pasien=names, contoh=example[0].capitalize())


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


def opt_out_by_reply(reply: PatientReply) -> str:
    """BERHENTI from a caregiver: this phone gets no more reminders for this patient; the
    patient's own, and other caregivers', go on. A dose whose only delivery was this one is
    withdrawn."""
    caregiver = Caregiver.objects.select_for_update().get(id=reply.caregiver_id)
    if caregiver.opted_out_at is None:
        caregiver.opted_out_at = reply.received_at
        caregiver.save(update_fields=["opted_out_at"])
    queued = caregiver.messages.filter(status=Message.Status.QUEUED).exclude(kind=Message.Kind.REPLY)
    alone = [message.reminder_id for message in queued.filter(kind=Message.Kind.REMINDER)
             if not message.other_delivery_alive()]
    reason = "caregiver opted out"
    Reminder.objects.filter(id__in=alone, sent_at__isnull=True).open().close(Reminder.Confirmation.CANCELLED, reason)
    cancelled = queued.update(status=Message.Status.CANCELLED, end_reason=reason)
    acknowledge(reply, "caregiver_goodbye")
    return f"caregiver opted out; {cancelled} queued message(s) cancelled"


def opt_in_by_reply(reply: PatientReply) -> str:
    """MULAI from a caregiver who had opted out: their reminders come again from the next dose."""
    caregiver = Caregiver.objects.select_for_update().get(id=reply.caregiver_id)
    if caregiver.opted_out_at is None:
        acknowledge(reply, "already_active")
        return "caregiver already receiving reminders"
    caregiver.opted_out_at = None
    caregiver.save(update_fields=["opted_out_at"])
    acknowledge(reply, "opted_in")
    return "caregiver opted back in"
