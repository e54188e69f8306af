"""How well patients keep to their reminders.

compliance = confirmed ÷ (confirmed + missed), counted over doses that are decided
(`Reminder.objects.decided()`): confirmed, by the patient's reply or a volunteer's manual
confirmation, or missed (no answer in the window, or the reminder could not be delivered in
time). A caregiver's confirmation counts as the patient's, and is counted apart too
(`by_caregiver`) so the page can say so. A dose still waiting counts neither way; a cancelled
one (withdrawn, the patient paused or opted out) never counts. Days are the patients' own
dates (`local_date`). Every function takes the reminders (or patients) to count as a queryset,
so the admin passes only what the user may see.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from reminders.models import Reminder

HIGH = 0.8
MEDIUM = 0.5
CONFIRMED = Q(confirmation_status=Reminder.Confirmation.CONFIRMED)
MISSED = Q(confirmation_status=Reminder.Confirmation.MISSED)
BY_CAREGIVER = CONFIRMED & Q(confirmation_method=Reminder.ConfirmationMethod.CAREGIVER_REPLY)


def compliance_rate(confirmed: int, missed: int) -> float | None:
    """None when nothing was decided yet: no figure is better than a made-up 0 % or 100 %."""
    decided = confirmed + missed
    return confirmed / decided if decided else None


def compliance_level(rate: float | None) -> str:
    """The badge: high (≥ 80 %), medium (≥ 50 %), low, or "" without a figure."""
    if rate is None:
        return ""
    return "high" if rate >= HIGH else "medium" if rate >= MEDIUM else "low"


@dataclass(frozen=True)
class Tally:
    sent: int
    confirmed: int
    missed: int
    by_caregiver: int  # of `confirmed`: answered by a caregiver for the patient

    @property
    def rate(self) -> float | None:
        return compliance_rate(self.confirmed, self.missed)

    @property
    def level(self) -> str:
        return compliance_level(self.rate)


@dataclass(frozen=True)
class DayTally(Tally):
    day: date


def _tally_aggregates() -> dict:
    return {
        "sent": Count("id", filter=Q(sent_at__isnull=False)),
        "confirmed": Count("id", filter=CONFIRMED),
        "missed": Count("id", filter=MISSED),
        "by_caregiver": Count("id", filter=BY_CAREGIVER),
    }


def first_day(now: datetime, days: int) -> date:
    return timezone.localdate(now) - timedelta(days=days - 1)


def in_last_days(reminders: QuerySet, now: datetime, days: int) -> QuerySet:
    """Doses of the last `days` local days, due by now."""
    return reminders.filter(local_date__gte=first_day(now, days), due_at__lte=now)


def tally(reminders: QuerySet) -> Tally:
    return Tally(**reminders.aggregate(**_tally_aggregates()))


def daily_tallies(reminders: QuerySet, now: datetime, days: int = 30) -> list[DayTally]:
    """One tally per day (the patients' own dates) for the last `days` days, oldest first,
    days without reminders included as zeros."""
    rows = in_last_days(reminders, now, days).order_by().values("local_date").annotate(**_tally_aggregates())
    by_day = {row.pop("local_date"): row for row in rows}
    start = first_day(now, days)
    empty = {"sent": 0, "confirmed": 0, "missed": 0, "by_caregiver": 0}
    return [
        DayTally(day=day, **by_day.get(day, empty))
        for day in (start + timedelta(days=offset) for offset in range(days))
    ]


def _count_per_patient(reminders: QuerySet) -> Coalesce:
    counted = reminders.filter(patient=OuterRef("pk")).order_by().values("patient").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_recent_compliance(patients: QuerySet, now: datetime, days: int = 7) -> QuerySet:
    """Annotate `recent_confirmed` and `recent_missed` over the last `days` days: two
    correlated subqueries, evaluated only for the rows a page shows."""
    decided = in_last_days(Reminder.objects.decided(), now, days)
    return patients.annotate(
        recent_confirmed=_count_per_patient(decided.filter(CONFIRMED)),
        recent_missed=_count_per_patient(decided.filter(MISSED)),
    )
