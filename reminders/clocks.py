"""Whose clock a time is on. A patient lives in their own zone (WIB, WITA, WIT): what happens to
them or with them is shown on their clock, and every moment shown names its zone, so a WITA
patient's dose reads "6 Des 2026, 07.25 WITA" beside a schedule of "07:25 WITA", never a bare
"6.25" on the server's clock. The zone's name comes from the locale's DATETIME_FORMAT (its `T`,
prima/formats/), so a moment shown on the server's clock (a volunteer's own, "handled at")
names it too."""
from datetime import datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import formats, timezone


def patient_zone(patient) -> tzinfo:
    """The patient's zone (anything with a `time_zone`), or the server's for a row stored with a
    zone nobody can read (written before zones were checked): a time shown on it says so."""
    try:
        return ZoneInfo(patient.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def patient_time(moment: datetime | None, patient, weekday: bool = False) -> str:
    """`moment` on `patient`'s clock, named: "6 Des 2026, 07.25 WITA"; with `weekday`,
    "Minggu, 6 Des 2026, 07.25 WITA". None is an empty text."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, patient_zone(patient))
    shown = formats.date_format(local, "DATETIME_FORMAT")
    return f"{formats.date_format(local, 'l')}, {shown}" if weekday else shown


def patient_time_of_day(moment: time, patient) -> str:
    """A time of day on `patient`'s clock (a schedule's), named: "07:25 WITA"."""
    return f"{moment:%H:%M} {zone_name(patient_zone(patient))}"


def zone_name(zone: tzinfo | str) -> str:
    """The zone's everyday name, as its people say it: WIB, WITA, WIT (tzdata's abbreviation)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return timezone.now().astimezone(zone).tzname()


def utc_offset_seconds(zone: tzinfo | str) -> int:
    """How far ahead of UTC the zone's clock is now, as the admin's date-time shortcuts want it."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return int(timezone.now().astimezone(zone).utcoffset().total_seconds())
