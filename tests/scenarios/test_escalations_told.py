"""Issue 27: an escalation says who was told only once the WhatsApp went out. When no staff
member has a WhatsApp number of their own, its page and Hari ini say it was not sent and why
(the staff's numbers, not the patient's WhatsApp), and it is sent once someone adds one."""
import json
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from reminders.models import Escalation, StaffProfile
from reminders.workspace.roles import COORDINATOR
from tests.scenarios.helpers import (
    ANIS_PHONE, FONNTE_SEND, SUCCESS, at, device_says, enrol, run_scheduler, staff, texts_to, wib,
)
from tests.scenarios.test_escalations import BUDIS_PHONE, miss_monday_and_tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]
TODAY = reverse("admin:index")
INDONESIAN = {"Accept-Language": "id"}


@pytest.fixture
def budi(db):
    """Budi, a coordinator, with no WhatsApp number of his own yet."""
    return staff("koordinator.budi", COORDINATOR, "budi@prima.id")


def escalation_page(client, escalation: Escalation) -> str:
    return client.get(reverse("admin:reminders_escalation_change", args=[escalation.pk]),
                      headers=INDONESIAN).content.decode()


def today_row(client) -> str:
    page = client.get(TODAY, headers=INDONESIAN)
    [row] = [row for group in page.context["groups"] for row in group.rows if row.kind == "escalation"]
    return row.detail


def test_with_no_staff_number_nobody_is_said_to_be_told_and_it_goes_once_a_number_is_added(client, ani, budi,
                                                                                            outbox):
    enrol(volunteer=ani)  # Ani has no WhatsApp number of her own, nor has Budi
    miss_monday_and_tuesday()
    escalation = Escalation.objects.get()
    assert (escalation.coordinators_told_at, escalation.volunteer_told_at) == (None, None)
    not_sent = "Tidak terkirim: relawan maupun koordinator belum punya nomor WhatsApp staf"
    client.force_login(budi)
    with at(wib(24, 10, 5)):
        page = escalation_page(client, escalation)
        assert not_sent in page and "koordinator diberi tahu pada" in page.lower()
        assert "koordinator sudah diberi tahu" not in page
        client.force_login(ani)
        assert today_row(client) == not_sent
    with at(wib(24, 10, 20)):  # a coordinator keeps his own number in the admin
        client.force_login(budi)
        added = client.post(reverse("admin:reminders_staffprofile_add"), {"user": budi.pk, "phone": BUDIS_PHONE})
        assert added.status_code == 302
    with at(wib(24, 10, 21)):
        assert "escalations_told_late=1" in run_scheduler()
    [alert] = texts_to(BUDIS_PHONE)
    assert alert.startswith("PRIMA (koordinator): pasien Ibu Sari perlu dihubungi. 2 dosis berturut-turut terlewat.")
    escalation.refresh_from_db()
    assert escalation.coordinators_told_at == wib(24, 10, 21)
    with at(wib(24, 10, 22)):
        run_scheduler()
        client.force_login(ani)
        assert today_row(client) == "koordinator sudah diberi tahu"
    assert len(texts_to(BUDIS_PHONE)) == 1  # told once


def test_the_volunteer_is_said_to_be_told_only_once_her_whatsapp_went_out(client, ani_on_whatsapp, outbox):
    enrol(volunteer=ani_on_whatsapp)
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 10, 1)):
        run_scheduler()
    with at(wib(24, 8, 0, 30)):
        run_scheduler()
    with at(wib(24, 10, 0, 50)):
        device_says(client, "disconnect")  # the device is down: nothing goes out (its next probe is at 10:05:50)
    with at(wib(24, 10, 1)):
        run_scheduler()
        escalation = Escalation.objects.get()
        assert escalation.volunteer_told_at is None and texts_to(ANIS_PHONE) == []
        client.force_login(ani_on_whatsapp)
        assert today_row(client) == "WhatsApp ke staf belum terkirim"
    with at(wib(24, 10, 30)):
        device_says(client, "connect")
        run_scheduler()
    escalation.refresh_from_db()
    assert escalation.volunteer_told_at == wib(24, 10, 30) and len(texts_to(ANIS_PHONE)) == 1
    with at(wib(24, 10, 31)):
        assert today_row(client) == ""
        page = escalation_page(client, escalation)
    assert "relawan.ani (relawan): Terkirim" in page


def test_when_the_volunteers_whatsapp_fails_the_coordinators_are_told_at_the_next_tick_and_why(
        client, ani_on_whatsapp, fonnte):
    budi = staff("koordinator.budi", COORDINATOR, "budi@prima.id")
    StaffProfile.objects.create(user=budi, phone=BUDIS_PHONE)

    def answer(request):
        refused = parse_qs(request.body)["target"] == [ANIS_PHONE.lstrip("+")]
        return 200, {}, json.dumps({"status": False, "reason": "target invalid"} if refused else SUCCESS)

    fonnte.add_callback("POST", FONNTE_SEND, callback=answer)
    enrol(volunteer=ani_on_whatsapp)
    miss_monday_and_tuesday()  # raised at 10:01, and its WhatsApp to Ani refused
    escalation = Escalation.objects.get()
    assert escalation.volunteer_told_at is None and escalation.passed_on_at is None
    client.force_login(ani_on_whatsapp)
    with at(wib(24, 10, 1, 30)):
        assert today_row(client) == "WhatsApp ke staf tidak terkirim: target invalid"
    with at(wib(24, 10, 2)):
        assert "escalations_to_coordinators=1" in run_scheduler()  # not an hour later
    escalation.refresh_from_db()
    assert escalation.coordinators_told_at == wib(24, 10, 2)
    sent = [parse_qs(call.request.body) for call in fonnte.calls]
    [to_budi] = [call["message"][0] for call in sent if call["target"] == [BUDIS_PHONE.lstrip("+")]]
    assert "WhatsApp ke relawan relawan.ani gagal terkirim." in to_budi


def test_a_volunteer_who_adds_her_number_later_is_told_what_nobody_could_be(client, ani, budi, outbox):
    enrol(volunteer=ani)
    miss_monday_and_tuesday()  # nobody has a number: nobody told
    with at(wib(24, 11)):
        StaffProfile.objects.create(user=ani, phone=ANIS_PHONE)
        assert "escalations_told_late=1" in run_scheduler()
    with at(wib(24, 11, 1)):
        assert "escalations_told_late" not in run_scheduler()  # once
    [alert] = texts_to(ANIS_PHONE)
    assert alert.startswith("PRIMA: pasien Ibu Sari perlu dihubungi.")
    escalation = Escalation.objects.get()
    assert (escalation.volunteer, escalation.volunteer_told_at, escalation.coordinators_told_at) == (
        ani, wib(24, 11), None)
    client.force_login(ani)
    with at(wib(24, 11, 2)):
        assert today_row(client) == ("Koordinator belum diberi tahu: tidak ada koordinator yang punya nomor "
                                     "WhatsApp staf")
