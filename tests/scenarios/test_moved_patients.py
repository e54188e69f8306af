"""Issue 27: a patient moved to another WhatsApp device is told the new number by the old one,
and so are their caregivers, before anything comes from the new number: a paused patient's
notice waits for the pause to end instead of being withdrawn for good, and a moved patient's
reminders wait for the notice however long the old number's morning queue is."""
import pytest
from django.urls import reverse

from reminders.backends import locmem
from reminders.models import Message, Patient
from reminders.phones import as_dialled
from reminders.workspace.roles import COORDINATOR
from tests.scenarios.helpers import (
    DAUGHTER, add_device, admin_action, admin_messages, at, caregiver_of, enrol, move_to_device, run_scheduler,
    staff, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
OLD, NEW = "+6281100000001", "+6281100000002"
TODAY = reverse("admin:index")


@pytest.fixture
def coordinator(client, settings):
    settings.FONNTE_TOKEN, settings.FONNTE_DEVICES = "", []
    client.force_login(staff("koordinator.budi", COORDINATOR))
    return client


def heard(phone: str) -> list[tuple[str, str]]:
    """What a phone received, in order: (the number it came from, the text)."""
    return [(entry.device, entry.body) for entry in locmem.outbox if entry.phone == phone]


def is_notice(body: str) -> bool:
    return f"akan datang dari nomor {as_dialled(NEW)}" in body


def test_a_paused_patient_moved_is_told_with_their_caregiver_once_the_pause_ends_before_any_reminder(
        coordinator, ani):
    old = add_device(coordinator, OLD)
    schedule = enrol(volunteer=ani, recipients="BOTH")
    patient = schedule.patient
    caregiver_of(patient)
    assert patient.device == old
    with at(wib(22, 18)):
        admin_action(coordinator, "patient", "pause_reminders", [patient], apply="1", kind="HOSPITAL")
        new = add_device(coordinator, NEW)
        moved = move_to_device(coordinator, [patient], new)
    assert any("1 of them cannot receive messages now" in text for text in admin_messages(moved))
    for minute in (1, 30):
        with at(wib(23, 8, minute)):
            run_scheduler()
    assert heard(patient.phone) == [] and heard(DAUGHTER) == []
    notices = Message.objects.filter(kind=Message.Kind.NOTICE)
    assert [(m.status, m.device_id) for m in notices] == [("QUEUED", old.id)] * 2  # held, never withdrawn
    with at(wib(23, 9)):  # Ani, the volunteer, sees it on Hari ini
        coordinator.force_login(ani)
        page = coordinator.get(TODAY, headers={"Accept-Language": "id"})
    [row] = [row for group in page.context["groups"] for row in group.rows if row.kind == "notice"]
    assert row.what == "Belum diberi tahu nomor WhatsApp barunya" and "pasien dijeda" in row.detail
    with at(wib(24, 7)):  # home again: Ani resumes the reminders
        coordinator.force_login(ani)
        admin_action(coordinator, "patient", "resume_reminders", [patient])
    with at(wib(24, 7, 0, 30)):
        run_scheduler()
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    for phone in (patient.phone, DAUGHTER):
        [(told_by, notice), (reminded_by, reminder)] = heard(phone)
        assert (told_by, reminded_by) == (OLD, NEW) and is_notice(notice) and "waktunya minum obat" in reminder
    assert "untuk Ibu Sari" in heard(DAUGHTER)[0][1] and "pengingat Ibu Sari" in heard(DAUGHTER)[0][1]


def test_in_a_morning_burst_a_moved_patient_hears_the_new_number_before_any_reminder_from_it(coordinator, settings):
    """Thirty patients' 08:00 doses on the old number, ten a minute through it: four patients
    moved at 08:00:40, while their doses still wait, hear the new number from the old
    one before their reminder comes from the new one."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "fonnte_device": {"limit": 10, "window": 60.0}}
    old = add_device(coordinator, OLD)
    for n in range(30):
        enrol(name=f"Pasien {n}", device=old)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()  # ten sent; twenty wait for the old number's limit
    waiting = Patient.objects.filter(messages__kind=Message.Kind.REMINDER, messages__status="QUEUED").order_by("id")
    moving = list(waiting[::6])
    assert len(moving) == 4
    with at(wib(23, 8, 0, 40)):
        move_to_device(coordinator, moving, add_device(coordinator, NEW))
    for second in range(45, 9 * 60, 15):
        with at(wib(23, 8, second // 60, second % 60)):
            run_scheduler()
    assert Message.objects.filter(kind=Message.Kind.REMINDER, status="SENT").count() == 30
    for patient in Patient.objects.filter(id__in=[p.id for p in moving]):
        got = heard(patient.phone)
        from_new = [i for i, (device, _body) in enumerate(got) if device == NEW]
        [notice] = [i for i, (device, body) in enumerate(got) if is_notice(body)]
        assert got[notice][0] == OLD and from_new  # the reminder came from the new number, after the notice
        assert all(notice < i for i in from_new), got
