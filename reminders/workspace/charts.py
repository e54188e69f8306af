"""Geometry for the server-rendered SVG compliance chart: no JavaScript, no CDN."""
from dataclasses import dataclass, field

from django.utils import formats

from reminders.doses.compliance import DayTally

LABEL_FONT_SIZE = 10
# Wider than the average letter of a sans-serif face at that size, so an estimate errs towards
# room to spare: labels placed by it never touch.
CHARACTER_WIDTH = 0.65 * LABEL_FONT_SIZE
LABEL_GAP = 12
LABEL_EVERY_DAYS = 7


@dataclass(frozen=True)
class Column:
    tally: DayTally
    x: float
    width: float
    sent_y: float
    sent_height: float
    confirmed_y: float
    confirmed_height: float
    missed_y: float
    missed_height: float


@dataclass(frozen=True)
class Label:
    """A day named under the x axis: `anchor` says which end of the text `x` is (SVG's text-anchor)."""

    x: float
    text: str
    anchor: str

    @property
    def extent(self) -> tuple[float, float]:
        width = len(self.text) * CHARACTER_WIDTH
        start = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return start, start + width


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    top: int  # the largest day's count, the value of the top grid line
    columns: list[Column]
    labels: list[Label] = field(default_factory=list)
    font_size: int = LABEL_FONT_SIZE


def _fits(label: Label, placed: list[Label], width: float) -> bool:
    start, end = label.extent
    if start < 0 or end > width:
        return False
    return all(end + LABEL_GAP <= other.extent[0] or other.extent[1] + LABEL_GAP <= start for other in placed)


def axis_labels(columns: list[Column], width: float) -> list[Label]:
    """The last day (the one people look for), the first, and every LABEL_EVERY_DAYS-th day back
    from the last, each named in the locale's day-and-month format; a label that would come
    within LABEL_GAP of another is left out, so they never overlap, whatever the width."""
    if not columns:
        return []

    def named(index: int, anchor: str) -> Label:
        column = columns[index]
        x = {"start": column.x, "middle": column.x + column.width / 2, "end": column.x + column.width}[anchor]
        return Label(round(x, 1), formats.date_format(column.tally.day, "MONTH_DAY_FORMAT"), anchor)

    last = len(columns) - 1
    wanted = [named(last, "end"), named(0, "start")]
    wanted += [named(index, "middle") for index in range(last - LABEL_EVERY_DAYS, 0, -LABEL_EVERY_DAYS)]
    placed: list[Label] = []
    for label in wanted:
        if _fits(label, placed, width):
            placed.append(label)
    return sorted(placed, key=lambda label: label.x)


def daily_chart(days: list[DayTally], width: int = 720, height: int = 200) -> Chart:
    """One column per day: a pale bar for what was sent, and over it confirmed (bottom) and
    missed (on top of confirmed), all scaled to the busiest day."""
    top = max([max(day.sent, day.confirmed + day.missed) for day in days] + [1])
    slot = width / max(len(days), 1)
    bar = slot * 0.7

    def scaled(count: int) -> float:
        return round(height * count / top, 1)

    columns = []
    for index, day in enumerate(days):
        sent, confirmed, missed = scaled(day.sent), scaled(day.confirmed), scaled(day.missed)
        columns.append(Column(
            tally=day,
            x=round(index * slot + (slot - bar) / 2, 1),
            width=round(bar, 1),
            sent_y=height - sent, sent_height=sent,
            confirmed_y=height - confirmed, confirmed_height=confirmed,
            missed_y=height - confirmed - missed, missed_height=missed,
        ))
    return Chart(width=width, height=height, top=top, columns=columns, labels=axis_labels(columns, width))
