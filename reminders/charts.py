"""Geometry for the server-rendered SVG compliance chart: no JavaScript, no CDN."""
from dataclasses import dataclass

from reminders.compliance import DayTally


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
class Chart:
    width: int
    height: int
    top: int  # the largest day's count, the value of the top grid line
    columns: list[Column]


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
    return Chart(width=width, height=height, top=top, columns=columns)
