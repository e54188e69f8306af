"""Pausing a patient's reminders with why and, if known, until when; and resuming them, by a
volunteer or by the tick once the last day of the pause is over in the patient's zone.

A pause stops what the sender would send (the double-check refuses a paused patient's queued
messages) and what the tick would make (no dose while paused). Resuming sets
`reachable_since` (a database trigger), so a dose due during the pause is never sent late, in a
burst or otherwise: the first reminder after it is the first one due after it ended
(docs/doses.md, "Catch-up is for our outages only"). A patient paused because their family told
of a death (reminders/conversation/deaths.py) is never resumed by a date.
"""
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from reminders.models import Patient

logger = logging.getLogger(__name__)

# Why a volunteer may pause; a death is PRIMA's to record, from the family's message.
VOLUNTEER_REASONS = [kind for kind in Patient.PauseKind if kind != Patient.PauseKind.DIED]


def pause(patients: QuerySet, kind: str, reason: str, until: date | None) -> int:
    """Pause these patients (a pause already on is replaced: a new reason, a new end), except
    those paused for a death. Returns how many."""
    if kind not in VOLUNTEER_REASONS:
        raise ValueError(f"{kind!r} is not a reason a volunteer pauses for")
    return patients.exclude(pause_kind=Patient.PauseKind.DIED).update(
        is_active=False, pause_kind=kind, pause_reason=reason.strip()[:200], paused_until=until)


def resume(patients: QuerySet) -> int:
    """Resume the paused among these patients, forgetting why they were paused. Returns how many."""
    return patients.filter(is_active=False).update(is_active=True, pause_kind="", pause_reason="", paused_until=None)


def resume_ended_pauses(now: datetime) -> int:
    """The tick's step: resume every patient whose pause's last day is over in their own zone
    (a pause to the 10th in WIT ends an hour before one in WIB). One UPDATE, conditional on the
    pause still being the one that ended: a volunteer who changed it meanwhile wins."""
    zones = Patient.objects.filter(paused_until__isnull=False).order_by().values_list("time_zone", flat=True).distinct()
    ended = Q()
    for zone in zones:
        ended |= Q(time_zone=zone, paused_until__lt=now.astimezone(ZoneInfo(zone)).date())
    if not ended:
        return 0
    resumed = resume(Patient.objects.filter(ended).exclude(pause_kind=Patient.PauseKind.DIED))
    if resumed:
        logger.info("%d patient(s) resumed: their pause ended", resumed)
    return resumed
