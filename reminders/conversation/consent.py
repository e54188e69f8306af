"""The patient's consent over time: the verification question and its answer, opting out and
back in (for the whole phone: `caregivers.opt_out_phone`). Reply handlers here run inside
`conversation.apply_reply`'s transaction."""
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from prima.clock import DatabaseNow, database_now
from reminders.conversation import caregivers
from reminders.conversation.classifier import clauses
from reminders.models import Message, Patient, PatientReply, Reminder
from reminders.outbox.queue import acknowledge, queue_message

Intent = PatientReply.Intent
Verification = Patient.Verification


def awaiting_verification(patient: Patient) -> bool:
    return patient.verification_sent_at is not None and patient.verification_status in (
        Verification.PENDING, Verification.EXPIRED
    )


def verification_answer(reply: PatientReply) -> str:
    patient, now = reply.patient, reply.received_at
    if patient.verification_status == Verification.EXPIRED or patient.verification_expires_at < now:
        patient.verification_status = Verification.EXPIRED
        patient.save(update_fields=["verification_status"])
        reply.needs_attention = True
        acknowledge(reply, "verification_expired")
        return "verification had expired; not verified"
    if reply.intent in (Intent.VERIFY_YES, Intent.VERIFY_NO):
        verified = reply.intent == Intent.VERIFY_YES
        patient.verification_status = Verification.VERIFIED if verified else Verification.DECLINED
        patient.verification_answered_at = now
        patient.save(update_fields=["verification_status", "verification_answered_at"])
        # A volunteer follows up on every refusal, and on a yes that asks for something more
        # ("ya, tolong kirim ke anak saya saja").
        reply.needs_attention = not verified or len(clauses(reply.text)) > 1
        acknowledge(reply, "welcome" if verified else "declined")
        return "verified" if verified else "declined verification"
    if reply.intent == Intent.MEDIA:  # a voice note may well be the answer: a volunteer listens
        reply.needs_attention = True
        acknowledge(reply, "media", cloud_api=reply.through_cloud_api)
        return "voice note or attachment; stored for volunteers"
    already_asked = patient.messages.filter(
        kind=Message.Kind.VERIFICATION, created_at__gte=patient.verification_sent_at
    ).count() > 1
    if already_asked:
        reply.needs_attention = True
        acknowledge(reply, "free_text")
        return "unclear verification answer; stored for volunteers"
    queue_message(patient, "verification_unclear", kind=Message.Kind.VERIFICATION)
    reply.acknowledged = True
    reply.needs_attention = True  # a question back ("ini dari mana?") is a person's to answer
    return "unclear verification answer; asked again"


def opt_out_by_reply(reply: PatientReply) -> str:
    """BERHENTI from the patient's own phone: the patient opts out, and so does every caregiver
    row with that number (typed in as the patient's caregiver too, or the patient caring for
    someone else): the phone gets nothing more. Answered once."""
    patient = reply.patient
    if patient.opted_out_at is None:
        patient.opted_out_at, patient.opt_out_method = reply.received_at, Patient.ConsentMethod.PATIENT_REPLY
        patient.save(update_fields=["opted_out_at", "opt_out_method"])
    cancelled = cancel_queued_messages(patient, "patient opted out")
    cancelled += caregivers.opt_out_phone(patient.phone, reply.received_at)
    caregivers.record_for_other_patients(reply, patient.phone, "caregiver opted out")
    acknowledge(reply, "goodbye")
    return f"opted out; {cancelled} queued message(s) cancelled"


def opt_in_by_reply(reply: PatientReply) -> str:
    """MULAI from the patient's own phone: the patient, and every caregiver row with that
    number, get reminders again. Answered once."""
    patient = reply.patient
    restored = caregivers.opt_in_phone(patient.phone)
    if patient.opted_out_at is None and not restored:
        acknowledge(reply, "already_active")
        return "already receiving reminders"
    if patient.opted_out_at is not None:
        opt_back_in(patient, Patient.ConsentMethod.PATIENT_REPLY, reply.received_at)
    caregivers.record_for_other_patients(reply, patient.phone, "caregiver opted back in")
    acknowledge(reply, "opted_in")
    return "opted back in"


def cancel_queued_messages(patient: Patient, reason: str) -> int:
    """Withdraw everything still waiting to go to the patient's own phone, except our replies
    to them; the doses not sent yet close as cancelled, but for those a caregiver still gets
    (consent is each phone's own) and alerts to staff about the patient."""
    queued = patient.messages.filter(status=Message.Status.QUEUED, caregiver__isnull=True).exclude(
        kind__in=[Message.Kind.REPLY, *Message.STAFF_KINDS])
    count = queued.count()
    for_caregivers = Message.objects.filter(reminder=OuterRef("pk"), kind=Message.Kind.REMINDER,
                                            caregiver__isnull=False, status=Message.Status.QUEUED)
    Reminder.objects.filter(patient=patient, sent_at__isnull=True).open().exclude(Exists(for_caregivers)).close(
        Reminder.Confirmation.CANCELLED, reason)
    queued.update(status=Message.Status.CANCELLED, end_reason=reason, updated_at=DatabaseNow())
    return count


def opt_back_in(patient: Patient, method: str, now: datetime) -> None:
    patient.opted_out_at = None
    patient.opted_in_at, patient.opt_in_method = now, method
    patient.save(update_fields=["opted_out_at", "opted_in_at", "opt_in_method"])


def send_verification(patient: Patient) -> Message | None:
    """Ask a PENDING (or, again, an EXPIRED) patient to agree to reminders; None when the
    patient is in neither state. The question expires after VERIFICATION_EXPIRY_HOURS."""
    now = database_now()
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(id=patient.id)
        if patient.verification_status not in (Verification.PENDING, Verification.EXPIRED):
            return None
        patient.verification_status = Verification.PENDING
        patient.verification_sent_at = now
        patient.verification_expires_at = now + timedelta(hours=settings.VERIFICATION_EXPIRY_HOURS)
        patient.verification_attempts += 1
        patient.save(update_fields=["verification_status", "verification_sent_at", "verification_expires_at",
                                    "verification_attempts"])
        return queue_message(patient, "verification", kind=Message.Kind.VERIFICATION)


def expire_verifications(now: datetime) -> int:
    """Questions unanswered past their expiry: the patient is EXPIRED, for volunteers to retry."""
    return Patient.objects.filter(
        verification_status=Verification.PENDING, verification_expires_at__lt=now
    ).update(verification_status=Verification.EXPIRED)


def verification_to_do(patients: QuerySet) -> QuerySet:
    """Patients a volunteer should help to a decision: not verified (never asked, asked and
    waiting, declined, expired), and neither paused nor opted out, since those are asked
    nothing (`Message.refusal`); pausing a patient who keeps declining ends the to-do."""
    return patients.exclude(verification_status=Verification.VERIFIED).filter(is_active=True, opted_out_at__isnull=True)


def note_line(user: AbstractBaseUser, now: datetime, text: str) -> str:
    """A line of the patient's notes: the volunteer's own moment, on the server's clock, named."""
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M %Z")
    return f"[{stamp} {user.get_username()}] {text}"


def set_verification_by_hand(patients: QuerySet, user: AbstractBaseUser, verified: bool, note: str,
                             now: datetime) -> int:
    """Verify (or record a refusal) for patients who answered a volunteer in person; who,
    when and why go into the patient's notes.

    `patients` may be any list's queryset, joins and all (the coordinators' patient list joins
    the volunteer, who may be nobody, and PostgreSQL locks no row on the nullable side of an
    outer join): the patient rows alone are locked, by id, in id order."""
    status = Verification.VERIFIED if verified else Verification.DECLINED
    what = _("Verified by hand") if verified else _("Declined by hand")
    line = note_line(user, now, f"{what}: {note}" if note else what)
    changed = 0
    chosen = list(patients.values_list("id", flat=True))
    with transaction.atomic():  # a patient already so keeps their own answer's time and notes untouched
        for patient in Patient.objects.filter(id__in=chosen).exclude(verification_status=status).order_by(
                "id").select_for_update():
            patient.verification_status = status
            patient.verification_answered_at = now
            patient.notes = f"{patient.notes}\n{line}".strip()
            patient.save(update_fields=["verification_status", "verification_answered_at", "notes"])
            changed += 1
    return changed
