"""Demo data for `make run`: a few volunteers' patients with reminders due in minutes, and the
first one's weekly check-in a few minutes later (once a week: a second run that week asks no more)."""
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from reminders.models import Patient, ReminderSchedule
from reminders.phones import normalise_phone
from reminders.workspace.roles import VOLUNTEER, sync_roles

DEMO_VOLUNTEERS = ["relawan.ani", "relawan.budi"]

# (volunteer, name, phone, time zone, minutes from now)
CHECK_IN_MINUTES = 6  # the first patient's weekly check-in, from now
DEMO_PATIENTS = [
    ("relawan.ani", "Ibu Sari Wulandari", "0812-1000-0001", "Asia/Jakarta", 2),
    ("relawan.ani", "Bapak Made Suarta", "0812-1000-0002", "Asia/Makassar", 3),
    ("relawan.budi", "Ibu Yohana Wenda", "0812-1000-0003", "Asia/Jayapura", 4),
    ("relawan.budi", "Bapak Agus Salim", "0812-1000-0004", "Asia/Jakarta", 5),
]

DEMO_TEMPLATE = "Halo {nama}, sudah waktunya minum obat ({waktu}). Balas SUDAH jika sudah diminum."


@dataclass(frozen=True)
class DemoSummary:
    volunteers: int
    patients: int
    schedules: int
    # Volunteers who got a password on this run (username → password), shown once.
    new_passwords: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def seed_demo(now: datetime) -> DemoSummary:
    """Create or refresh the demo rows; running it twice leaves the same rows.

    Each run moves the demo schedules' time to a few minutes after `now`, so a fresh
    `make run` always has something to send shortly.
    """
    sync_roles()
    volunteers = Group.objects.get(name=VOLUNTEER)
    users, new_passwords = {}, {}
    for username in DEMO_VOLUNTEERS:
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": username.split(".")[1].title()}
        )
        user.is_staff = True
        user.email = user.email or f"{username}@example.org"  # emergencies are emailed (to the console)
        if not user.password or not user.has_usable_password():  # a password already set is kept
            new_passwords[username] = secrets.token_urlsafe(9)
            user.set_password(new_passwords[username])
        user.save()
        user.groups.add(volunteers)
        users[username] = user
    for index, (volunteer, name, phone, tz, minutes) in enumerate(DEMO_PATIENTS):
        check_in = (now + timedelta(minutes=CHECK_IN_MINUTES)).astimezone(ZoneInfo(tz))
        patient, _ = Patient.objects.update_or_create(
            phone=normalise_phone(phone),
            defaults={
                "name": name,
                "time_zone": tz,
                "volunteer": users[volunteer],
                "verification_status": Patient.Verification.VERIFIED,
                "is_active": True,
                "check_in_day": check_in.weekday() if index == 0 else None,
                "check_in_time": check_in.time().replace(second=0, microsecond=0),
            },
        )
        local = (now + timedelta(minutes=minutes)).astimezone(ZoneInfo(tz))
        ReminderSchedule.objects.update_or_create(
            patient=patient,
            kind=ReminderSchedule.Kind.MEDICATION,
            defaults={
                "message_template": DEMO_TEMPLATE,
                "time_of_day": local.time().replace(second=0, microsecond=0),
                "start_date": local.date(),
                "is_active": True,
            },
        )
    return DemoSummary(volunteers=len(DEMO_VOLUNTEERS), patients=len(DEMO_PATIENTS), schedules=len(DEMO_PATIENTS),
                       new_passwords=new_passwords)
