"""What PRIMA stored about what happened, told in the reader's language.

A reply's outcome, why a dose closed or a message ended, why a send was refused: these are
stored as short English texts (data that logs, tests and the webhook inbox read as they are),
written by the conversation, consent, sending and volunteers' paths. Shown to a volunteer they
go through this one table, so the inbox says "berhenti; 2 pesan dalam antrean dibatalkan" to an
Indonesian reader. A text the table does not know is shown as stored, never hidden.
"""
import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reminders.clocks import zone_name
from reminders.models import ZONE_NAMES, CheckIn, Patient, PatientReply, Reminder


def _label(choices) -> Callable[[str], str]:
    return lambda value: str(choices(value).label) if value in choices.values else value


# The zones PRIMA knows by the names a stored moment gives them (WIB, WITA, WIT).
ZONES_BY_NAME = {zone_name(name): ZoneInfo(name) for name in ZONE_NAMES}


def _moment(stored: str) -> str:
    """A time stored as "2026-11-23 08:00 WITA" (the patient's own clock, named), in the locale's
    format; as stored when it does not name a zone PRIMA knows (rows older than the names)."""
    moment, _space, name = stored.rpartition(" ")
    try:
        naive = datetime.strptime(moment, "%Y-%m-%d %H:%M")
    except ValueError:
        return stored
    if name not in ZONES_BY_NAME:
        return stored
    return formats.date_format(naive.replace(tzinfo=ZONES_BY_NAME[name]), "DATETIME_FORMAT")


ROLES = {"volunteer": _("volunteer"), "coordinator": _("coordinator"), "fallback address": _("fallback address")}
CHANNELS = {"email": _("(%(role)s) by email"), "whatsapp": _("(%(role)s) by WhatsApp")}


def _told(stored: str) -> str:
    """"ani (volunteer) by whatsapp, ani (volunteer) by email, …" as written by
    reminders/conversation/emergencies.py."""
    return re.sub(r"\((volunteer|coordinator|fallback address)\) by (email|whatsapp)",
                  lambda match: str(CHANNELS[match.group(2)] % {"role": ROLES[match.group(1)]}), stored)


# (the stored text as a pattern, its translation with the pattern's groups as placeholders)
PHRASES = [
    # A reply's outcome (reminders/conversation/replies.py, consent.py, emergencies.py; webhooks/services.py)
    (r"verified", _("verified")),
    (r"declined verification", _("declined verification")),
    (r"verification had expired; not verified", _("verification had expired; not verified")),
    (r"unclear verification answer; stored for volunteers", _("unclear verification answer; stored for volunteers")),
    (r"unclear verification answer; asked again", _("unclear verification answer; asked again")),
    (r"opted out; (?P<count>\d+) queued message\(s\) cancelled", _("opted out; %(count)s queued message(s) cancelled")),
    (r"already receiving reminders", _("already receiving reminders")),
    (r"opted back in", _("opted back in")),
    (r"(?P<count>\d+) reminder\(s\) confirmed", _("%(count)s reminder(s) confirmed")),
    (r"(?P<count>\d+) reminder\(s\) not yet taken; (?P<follow_ups>\d+) follow-up\(s\) queued",
     _("%(count)s reminder(s) not yet taken; %(follow_ups)s follow-up(s) queued")),
    (r"appointment answer recorded: (?P<answer>\w+)", _("appointment answer recorded: %(answer)s")),
    (r"stored for volunteers", _("stored for volunteers")),
    (r"thanks or acknowledgement; nothing to do", _("thanks or acknowledgement; nothing to do")),
    (r"voice note or attachment; stored for volunteers", _("voice note or attachment; stored for volunteers")),
    # A death told (reminders/conversation/deaths.py)
    (r"reminders paused; (?P<doses>\d+) open dose\(s\) cancelled; condolences queued; (?P<count>\d+) staff "
     r"notification\(s\)", _("reminders paused; %(doses)s open dose(s) cancelled; condolences queued; %(count)s staff "
                             "notification(s)")),
    (r"condolences queued; (?P<count>\d+) staff notification\(s\)",
     _("condolences queued; %(count)s staff notification(s)")),
    (r"(?P<count>\d+) staff notification\(s\)", _("%(count)s staff notification(s)")),
    (r"answered and told already", _("answered and told already")),
    (r"stored for volunteers; acknowledged", _("stored for volunteers; acknowledged")),
    (r"several kinds of reminder wait for an answer; asked which, stored for volunteers",
     _("several kinds of reminder wait for an answer; asked which, stored for volunteers")),
    (r"no reminder waiting", _("no reminder waiting")),
    (r"weekly check-in: fine", _("weekly check-in: fine")),
    (r"weekly check-in: fine; the rest is for volunteers", _("weekly check-in: fine; the rest is for volunteers")),
    (r"weekly check-in: not well; the volunteer is alerted", _("weekly check-in: not well; the volunteer is alerted")),
    (r"weekly check-in: unclear; stored for volunteers", _("weekly check-in: unclear; stored for volunteers")),
    # A reply that answered a dose and the weekly check-in at once (conversation._both)
    (r"(?P<dose>.+?); (?P<check_in>weekly check-in: .+)", _("%(dose)s; %(check_in)s")),
    (r"emergency stored and flagged; answered and notified already for reply (?P<reply>\d+)",
     _("emergency stored and flagged; answered and notified already for reply %(reply)s")),
    (r"safety reply queued; notifying (?P<told>.+)", _("safety reply queued; notifying %(told)s")),
    (r"safety reply sent for another patient of this phone; notifying (?P<told>.+)",
     _("safety reply sent for another patient of this phone; notifying %(told)s")),
    (r"safety reply queued; no volunteer or coordinator has a WhatsApp number or an email address: nobody notified",
     _("safety reply queued; no volunteer or coordinator has a WhatsApp number or an email address: nobody notified")),
    (r"not applied: over the response limit", _("not applied: over the response limit")),
    # Why a send was refused, a dose closed or a message ended (Message.refusal, doses/materialise.py,
    # outbox/sending.py, …)
    (r"patient opted out", _("patient opted out")),
    (r"patient is not active", _("patient is paused")),
    (r"patient verification is (?P<verification>\w+)", _("patient verification is %(verification)s")),
    (r"reminder is (?P<confirmation>\w+)", _("reminder is %(confirmation)s")),
    (r"weekly check-in is (?P<check_in_answer>\w+)", _("weekly check-in is %(check_in_answer)s")),
    (r"weekly check-in turned off", _("weekly check-in turned off")),
    (r"weekly check-in is past its answer window", _("weekly check-in is past its answer window")),
    (r"too late: due (?P<due>.+)", _("too late: due %(due)s")),
    (r"patient answered", _("patient answered")),
    (r"caregiver answered", _("caregiver answered")),
    (r"caregiver opted out", _("caregiver opted out")),
    (r"caregiver opted out; (?P<count>\d+) queued message\(s\) cancelled",
     _("caregiver opted out; %(count)s queued message(s) cancelled")),
    (r"caregiver opted back in", _("caregiver opted back in")),
    # Why nobody can receive a dose, or a schedule (ReminderSchedule.why_nobody_receives_at, Caregiver.own_problem)
    (r"nobody can receive it: (?P<caregivers>.+)", _("nobody can receive this reminder: %(caregivers)s")),
    (r"the patient has no caregiver", _("the patient has no caregiver")),
    (r"caregiver is not active", _("caregiver is not active")),
    (r"caregiver has not agreed to reminders", _("caregiver has not agreed to reminders (no consent date)")),
    (r"caregiver agreed only after it was due", _("caregiver agreed only after it was due")),
    # Why "send today's reminders now" did not queue a dose of today (reminders/workspace/volunteer_actions.py)
    (r"no reminder schedule is active", _("no reminder schedule is active")),
    (r"no reminder is scheduled today", _("no reminder is scheduled today")),
    (r"later today: it keeps its time", _("later today: it keeps its time")),
    (r"already sent", _("already sent")),
    (r"being sent right now", _("being sent right now")),
    (r"already queued: it goes as soon as sending allows", _("already queued: it goes as soon as sending allows")),
    (r"not sent at its time: (?P<why>.+)", _("not sent at its time: %(why)s")),
    (r"from a caregiver of several patients; asked which", _("from a caregiver of several patients; asked which")),
    (r"no answer in time", _("no answer in time")),
    (r"not sent in time", _("not sent in time")),
    (r"schedule changed", _("schedule changed")),
    (r"cancelled by (?P<user>.+)", _("cancelled by %(user)s")),
    (r"confirmed by (?P<user>.+)", _("confirmed by %(user)s")),
    (r"not delivered: (?P<why>.+)", _("not delivered: %(why)s")),
    (r"gave up after (?P<count>\d+) attempts: (?P<why>.+)", _("gave up after %(count)s attempts: %(why)s")),
    (r"sending paused: (?P<why>.+)", _("sending paused: %(why)s")),
    (r"device (?P<device>\S+) disconnected: (?P<reason>.+)", _("device %(device)s disconnected: %(reason)s")),
    (r"device (?P<device>\S+) disconnected", _("device %(device)s disconnected")),
    (r"moved again before it was sent", _("moved to another device again before it was sent")),
    (r"held until they can receive messages: (?P<why>.+)",
     _("held until they can receive messages again, then sent: %(why)s")),
    (r"waiting for the notice of the new number", _("waiting for the notice of the new number")),
    (r"lease expired while sending: outcome unknown", _("the sender stopped while sending: perhaps sent")),
    (r"lease expired before sending: its worker stopped", _("the sender stopped before sending: not sent yet")),
    # A webhook event's result (webhooks/services.py): a reply as "<what it was read as>: <its outcome>", and the rest
    (rf"(?P<intent>{'|'.join(PatientReply.Intent.values)}): (?P<outcome>.+)", _("%(intent)s: %(outcome)s")),
    (r"group message", _("a group message: not for PRIMA")),
    (r"sender is not a phone number", _("the sender is not a phone number")),
    (r"unknown sender (?P<phone>\S+)", _("unknown sender %(phone)s")),
    (r"not one of our devices \(FONNTE_DEVICES\)", _("sent to a number that is not PRIMA's")),
    (r"caregiver of several patients: thanks; nothing to do",
     _("caregiver of several patients: thanks; nothing to do")),
    (r"caregiver of several patients; asked which, kept for volunteers",
     _("caregiver of several patients: asked which patient, stored for volunteers")),
    (r"patient over the response limit; kept for volunteers",
     _("too many messages from the patient at once; stored for volunteers")),
    (r"processing failed; will retry", _("processing failed; PRIMA tries again")),
    (r"another reply of this patient is being applied; will retry",
     _("another reply of this patient was being handled; PRIMA tries again")),
    (r"the patient lock expired while applying the reply; will retry",
     _("handling the reply took too long; PRIMA tries again")),
    (r"message not known yet; will retry", _("message not known yet; PRIMA tries again")),
    (r"no message with this id appeared; gave up", _("no message with this id appeared; given up")),
    (r"status without a message id", _("a status without a message id")),
    # The WhatsApp Cloud API's (webhooks/services.py, webhooks/cloud.py, reminders/conversation/replies.py)
    (r"not one of our Cloud API numbers \(phone-number id unknown, or not signed by its app secret\)",
     _("sent to a WhatsApp Cloud API number that is not PRIMA's")),
    (r"no message or status in it", _("nothing in it for PRIMA")),
    (r"tap names a reminder that is not the sender's; refused",
     _("a tapped button names another patient's reminder; refused")),
    (r"tap names a consent that is not the sender's; refused",
     _("a tapped button names another patient's question; refused")),
    (r"tapped 'taken' on an old reminder that no longer waits for an answer; not recorded as taken",
     _("tapped “taken” on an old reminder that no longer waits for an answer: NOT recorded as taken")),
    (r"tapped a button on an old reminder that no longer waits for an answer; not recorded",
     _("tapped a button on an old reminder that no longer waits for an answer: nothing recorded")),
    (r"tapped a reminder or question that no longer waits for an answer; not applied",
     _("a tapped button for a reminder or question that no longer waits; nothing changed")),
    (r"a reaction to a message: not read as an answer", _("an emoji reaction to a message: not read as an answer")),
    (r"system message \(number changed\)", _("a WhatsApp system message (the number changed)")),
    (r"opened the chat", _("opened the chat")),
    (r"disappearing-message setting", _("changed the disappearing-message setting")),
    (r"applied", _("applied")),
    (r"unchanged", _("nothing changed")),
]
GROUPS: dict[str, Callable[[str], str]] = {
    "answer": _label(Reminder.AppointmentAnswer),
    "intent": _label(PatientReply.Intent),
    "outcome": lambda told: describe(told),
    "verification": _label(Patient.Verification),
    "confirmation": _label(Reminder.Confirmation),
    "check_in_answer": _label(CheckIn.Answer),
    "due": _moment,
    "told": _told,
    "why": lambda why: describe(why),
    "dose": lambda told: describe(told),
    "check_in": lambda told: describe(told),
    "caregivers": lambda told: describe_each(told.split("; ")),
}
_COMPILED = [(re.compile(pattern), text) for pattern, text in PHRASES]


def _exactly(stored: str) -> str | None:
    for pattern, text in _COMPILED:
        if found := pattern.fullmatch(stored):
            return str(text) % {name: GROUPS.get(name, str)(value) for name, value in found.groupdict().items()}
    return None


def describe_each(stored: list[str]) -> str:
    """Several stored texts, each told, one after the other ("Rina (anak): …; Dedi: …")."""
    return "; ".join(describe(one) for one in stored)


def describe(stored: str) -> str:
    """`stored` in the active language: as a whole, or as "<who>: <what>" (a refusal names
    the patient or the schedule first, already in the reader's language); as stored when the
    table does not know it. An English reader reads them exactly as stored."""
    if (get_language() or "en").startswith("en"):
        return stored
    if (told := _exactly(stored)) is not None:
        return told
    head, separator, rest = stored.partition(": ")
    while separator:
        if (told := _exactly(rest)) is not None:
            return f"{head}: {told}"
        more_head, separator, rest = rest.partition(": ")
        head = f"{head}: {more_head}"
    return stored
