"""The compliance chart's day labels: the last day always named, none ever touching another."""
from datetime import date, timedelta

import pytest
from django.utils import translation

from reminders.workspace.charts import LABEL_GAP, daily_chart
from reminders.doses.compliance import DayTally


def days(count: int) -> list[DayTally]:
    first = date(2026, 11, 1)
    return [DayTally(sent=1, confirmed=1, missed=0, by_caregiver=0, day=first + timedelta(days=n)) for n in range(count)]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("count, width", [(30, 720), (30, 360), (31, 720), (7, 720), (60, 720), (1, 720), (30, 150)])
def test_labels_never_come_closer_than_the_gap_and_stay_inside(language, count, width):
    with translation.override(language):
        labels = daily_chart(days(count), width=width).labels
    extents = [label.extent for label in labels]
    assert all(0 <= start and end <= width for start, end in extents)
    assert all(left[1] + LABEL_GAP <= right[0] for left, right in zip(extents, extents[1:]))


def test_the_last_and_first_day_and_each_week_are_named_when_there_is_room():
    with translation.override("id"):
        labels = daily_chart(days(30), width=720).labels
    assert [label.text for label in labels] == ["1 November", "9 November", "16 November", "23 November",
                                                "30 November"]
    assert (labels[0].anchor, labels[-1].anchor) == ("start", "end")
