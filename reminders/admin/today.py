"""The "Hari ini" (today) page, the admin's first page: the rows of reminders/workspace/today.py for the
patients the user may see, grouped by volunteer for those who see everyone."""
from django.http import HttpRequest
from django.utils import timezone

from reminders.workspace import today
from reminders.admin.scoping import sees_all_patients, visible_patients


def today_context(request: HttpRequest) -> dict:
    """What the page shows; the buttons on it come back here (`next`) once they have acted."""
    patients, now = visible_patients(request.user), timezone.now()
    found = today.today(patients, now)
    everyone = sees_all_patients(request.user)
    return {
        "groups": today.by_volunteer(found.rows) if everyone else [today.VolunteerRows(request.user, found.rows)],
        "grouped": everyone,
        "row_count": len(found.rows),
        "more": found.more,
        "recorded": today.just_recorded(request.user, now),
        "paused": today.paused(patients),
        "back_here": request.get_full_path(),
    }
