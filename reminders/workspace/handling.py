"""What a person did about an escalation or an emergency: its outcome, a note, who and when,
recorded in one transaction, and undone within HANDLING_UNDO_MINUTES exactly as it was.

The row (the escalation, the reply) is locked first, so of two volunteers closing it at the same
moment one wins and the other is told who did, never overwriting them. "Not reached" is an
attempt: recorded, and the row stays open (on Hari ini, and passed on to the coordinators in
time like any open row), because nobody knows yet how the patient is.
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery

from prima.clock import database_now
from reminders.models import Escalation, HandlingOutcome, HandlingRecord, PatientReply

Row = Escalation | PatientReply
# What a volunteer may record; CALLED is only how older handlings were stored.
RECORDED = [HandlingOutcome.REACHED, HandlingOutcome.NOT_REACHED, HandlingOutcome.VISITED,
            HandlingOutcome.RESOLVED]


def target_field(row: Row) -> str:
    """The HandlingRecord field that points at this kind of row."""
    return "escalation" if isinstance(row, Escalation) else "reply"


def record_handling(row: Row, user: AbstractBaseUser, outcome: str, note: str) -> HandlingRecord | None:
    """Record what `user` did about the row, closing it unless nobody was reached. None when
    the row was closed already, by a colleague a moment ago too: `row` then carries who and when."""
    if outcome not in RECORDED:
        raise ValueError(f"{outcome!r} is not an outcome a volunteer records")
    model = type(row)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=row.pk)
        if locked.handled_at is not None:
            row.handled_by, row.handled_at = locked.handled_by, locked.handled_at
            return None
        now, closes = database_now(), outcome != HandlingOutcome.NOT_REACHED
        record = HandlingRecord.objects.create(**{target_field(row): locked}, outcome=outcome, note=note.strip(),
                                               closed=closes, by=user, at=now)
        if closes:
            handled = {"handling": outcome} if model is Escalation else {}
            model.objects.filter(pk=row.pk).update(handled_by=user, handled_at=now, **handled)
    return record


def undo_window() -> timedelta:
    return timedelta(minutes=settings.HANDLING_UNDO_MINUTES)


def undoable(user: AbstractBaseUser, now: datetime) -> QuerySet:
    """What `user` recorded that they may still undo, newest first."""
    return HandlingRecord.objects.filter(by=user, at__gte=now - undo_window()).order_by("-at", "-id")


def undoable_about(row: Row, user: AbstractBaseUser, now: datetime) -> QuerySet:
    """What `user` may still undo about this row, newest first."""
    return undoable(user, now).filter(**{target_field(row): row})


def undo_latest(row: Row, user: AbstractBaseUser) -> bool:
    """Undo the latest thing `user` recorded about the row, if still within the window: the record
    goes, and a row it closed is open again (a row closes only while open, so open is how it was).
    False when there is nothing of theirs to undo any more."""
    with transaction.atomic():
        record = undoable_about(row, user, database_now()).select_for_update().first()
        if record is None:
            return False
        if record.closed:
            handled = {"handling": ""} if isinstance(row, Escalation) else {}
            type(row).objects.filter(pk=row.pk).update(handled_by=None, handled_at=None, **handled)
        record.delete()
    return True


def with_attempts(rows: QuerySet, target: str) -> QuerySet:
    """Each row with its attempts that reached nobody: how many, and the last one's time (one query)."""
    attempts = HandlingRecord.objects.filter(**{target: OuterRef("pk")}, closed=False).order_by().values(target)
    return rows.annotate(
        attempts=Subquery(attempts.annotate(n=Count("id")).values("n"), output_field=IntegerField()),
        last_attempt_at=Subquery(attempts.annotate(last=Max("at")).values("last")),
    )
