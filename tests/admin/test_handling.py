"""Closing an escalation or an emergency records what happened, a note, who and when; "nobody
answered" keeps it open on Hari ini; an undo within HANDLING_UNDO_MINUTES puts it back exactly;
of two volunteers closing the same row, one wins and the other is told."""
import threading
from datetime import timedelta

from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reminders.models import Escalation, HandlingRecord, PatientReply
from reminders.workspace.handling import record_handling
from tests.admin.conftest import make_staff

pytestmark = pytest.mark.django_db
TODAY = reverse("admin:index")
ID = {"Accept-Language": "id"}


@pytest.fixture
def escalation(anis_patient) -> Escalation:
    return Escalation.objects.create(patient=anis_patient, rule=Escalation.Rule.MISSED_IN_A_ROW, count=3,
                                     local_date=timezone.localdate())


@pytest.fixture
def emergency(anis_patient) -> PatientReply:
    return anis_patient.replies.create(text="sesak napas", intent=PatientReply.Intent.EMERGENCY, urgent=True,
                                       needs_attention=True, received_at=timezone.now() - timedelta(minutes=3))


def tap(model: str, pk: int, action: str) -> str:
    return reverse(f"admin:reminders_{model}_act", args=[pk, action]) + f"?next={TODAY}"


def today_rows(client, kind: str) -> list:
    page = client.get(TODAY)
    return [row for group in page.context["groups"] for row in group.rows if row.kind == kind]


def state(row) -> tuple:
    row.refresh_from_db()
    return row.handled_by, row.handled_at, getattr(row, "handling", None)


def test_called_asks_whether_anybody_answered_with_nothing_chosen_in_indonesian(ani_client, escalation):
    page = ani_client.post(tap("escalation", escalation.pk, "mark_called"), headers=ID)
    html = page.content.decode()
    assert page.status_code == 200 and page.context["form"]["outcome"].initial is None
    assert "Apa hasilnya?" in html and "Berhasil dihubungi" in html and "Sudah dicoba, tidak ada yang menjawab" in html
    assert "checked" not in html and escalation.handlings.count() == 0
    assert f'href="{TODAY}"' in html  # "Batal" goes back to Hari ini
    refused = ani_client.post(tap("escalation", escalation.pk, "mark_called"), {"apply": "1", "outcome": ""})
    assert refused.status_code == 200 and state(escalation) == (None, None, "")


def test_reached_closes_it_with_the_note_who_and_when_and_goes_back_to_today(ani_client, ani, escalation):
    response = ani_client.post(tap("escalation", escalation.pk, "mark_called"),
                               {"apply": "1", "outcome": "REACHED", "note": " obat habis, besok diantar "},
                               follow=True, headers=ID)
    assert response.redirect_chain == [(TODAY, 302)]
    assert "Dicatat untuk 1 pasien: Berhasil dihubungi (pasien atau keluarga)." in response.content.decode()
    by, at, handling = state(escalation)
    [record] = escalation.handlings.all()
    assert (by, handling, record.by, record.outcome, record.note, record.closed, record.at) == (
        ani, "REACHED", ani, "REACHED", "obat habis, besok diantar", True, at)
    assert today_rows(ani_client, "escalation") == []
    page = ani_client.get(reverse("admin:reminders_escalation_change", args=[escalation.pk]), headers=ID)
    assert "obat habis, besok diantar" in page.content.decode()  # what was done, on its page
    assert reverse("admin:reminders_escalation_act", args=[escalation.pk, "undo_handling"]) in page.content.decode()


def test_nobody_answered_is_an_attempt_and_the_row_stays_on_today_saying_so(ani_client, ani, escalation):
    response = ani_client.post(tap("escalation", escalation.pk, "mark_called"),
                               {"apply": "1", "outcome": "NOT_REACHED"}, follow=True, headers=ID)
    assert "Masih terbuka" in response.content.decode()
    assert state(escalation) == (None, None, "")
    assert Escalation.objects.unhandled().filter(pk=escalation.pk).exists()
    [attempt] = escalation.handlings.all()
    assert (attempt.outcome, attempt.closed, attempt.by) == ("NOT_REACHED", False, ani)
    [row] = today_rows(ani_client, "escalation")
    assert row.note.startswith("Tried 1 time(s), nobody answered")
    ani_client.post(tap("escalation", escalation.pk, "mark_visited"), {"apply": "1", "outcome": "VISITED"})
    assert state(escalation)[2] == "VISITED" and escalation.handlings.count() == 2
    assert today_rows(ani_client, "escalation") == []


def test_an_emergency_records_what_was_done_and_nobody_answered_keeps_it_urgent(ani_client, ani, emergency):
    ani_client.post(tap("patientreply", emergency.pk, "mark_handled"), {"apply": "1", "outcome": "NOT_REACHED",
                                                                        "note": "HP tidak aktif"})
    [row] = today_rows(ani_client, "emergency")
    assert row.note.startswith("Tried 1 time(s)") and state(emergency)[:2] == (None, None)
    ani_client.post(tap("patientreply", emergency.pk, "mark_handled"), {"apply": "1", "outcome": "VISITED",
                                                                        "note": "dibawa ke IGD"})
    assert state(emergency)[0] == ani and today_rows(ani_client, "emergency") == []
    assert [(h.outcome, h.note) for h in emergency.handlings.all()] == [("NOT_REACHED", "HP tidak aktif"),
                                                                       ("VISITED", "dibawa ke IGD")]


def test_a_reply_only_to_read_is_still_handled_in_one_tap(ani_client, ani, anis_patient):
    question = anis_patient.replies.create(text="obatnya habis", intent=PatientReply.Intent.FREE_TEXT,
                                           needs_attention=True)
    response = ani_client.post(tap("patientreply", question.pk, "mark_handled"))
    assert response.status_code == 302 and state(question)[0] == ani and not HandlingRecord.objects.exists()


def test_undo_within_the_window_restores_the_row_exactly_then_no_more(ani_client, ani, escalation, settings):
    settings.HANDLING_UNDO_MINUTES = 5
    before = Escalation.objects.filter(pk=escalation.pk).values().get()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ani_client.post(tap("escalation", escalation.pk, "mark_resolved"), {"apply": "1", "outcome": "RESOLVED"})
        page = ani_client.get(TODAY, headers=ID)
        assert [item.what for item in page.context["recorded"]] == ["Selesai ditangani"]
        assert "Baru saja dicatat" in page.content.decode() and "Urungkan" in page.content.decode()
        clock.shift(timedelta(minutes=4, seconds=59))
        undone = ani_client.post(tap("escalation", escalation.pk, "undo_handling"), follow=True, headers=ID)
        assert undone.redirect_chain == [(TODAY, 302)] and "Dibatalkan: 1" in undone.content.decode()
        assert Escalation.objects.filter(pk=escalation.pk).values().get() == before
        assert not escalation.handlings.exists() and len(today_rows(ani_client, "escalation")) == 1

        ani_client.post(tap("escalation", escalation.pk, "mark_resolved"), {"apply": "1", "outcome": "RESOLVED"})
        clock.shift(timedelta(minutes=5, seconds=1))
        late = ani_client.post(tap("escalation", escalation.pk, "undo_handling"), follow=True, headers=ID)
    assert "Tidak ada yang bisa dibatalkan" in late.content.decode()
    assert state(escalation)[2] == "RESOLVED" and late.context["recorded"] == []


def test_only_the_one_who_recorded_it_can_undo_it(ani_client, ani, escalation, coordinator):
    ani_client.post(tap("escalation", escalation.pk, "mark_visited"), {"apply": "1", "outcome": "VISITED"})
    other = Client()
    other.force_login(coordinator)
    other.post(tap("escalation", escalation.pk, "undo_handling"))
    assert state(escalation)[2] == "VISITED"


def test_undoing_an_attempt_removes_only_the_attempt(ani_client, escalation):
    ani_client.post(tap("escalation", escalation.pk, "mark_called"), {"apply": "1", "outcome": "NOT_REACHED"})
    ani_client.post(tap("escalation", escalation.pk, "undo_handling"))
    assert not escalation.handlings.exists() and state(escalation) == (None, None, "")


def test_the_second_of_two_volunteers_is_told_who_closed_it_and_changes_nothing(client, ani, escalation):
    colleague = make_staff("koordinator.dewi", "coordinator")
    ani_form, colleague_form = Client(), Client()
    ani_form.force_login(ani)
    colleague_form.force_login(colleague)
    ani_form.post(tap("escalation", escalation.pk, "mark_called"))  # both have the form open
    colleague_form.post(tap("escalation", escalation.pk, "mark_visited"))
    ani_form.post(tap("escalation", escalation.pk, "mark_called"), {"apply": "1", "outcome": "REACHED"})
    told = colleague_form.post(tap("escalation", escalation.pk, "mark_visited"), {"apply": "1", "outcome": "VISITED"},
                               follow=True, headers=ID)
    assert "Ibu Sari: sudah ditangani oleh relawan.ani" in told.content.decode()
    assert state(escalation)[0] == ani and state(escalation)[2] == "REACHED"
    assert [h.by for h in escalation.handlings.all()] == [ani]


@pytest.mark.django_db(transaction=True)
def test_two_volunteers_closing_at_the_same_moment_one_wins(ani, anis_patient):
    escalation = Escalation.objects.create(patient=anis_patient, rule=Escalation.Rule.NOT_YET_TWICE, count=2,
                                           local_date=timezone.localdate())
    colleague = make_staff("koordinator.dewi", "coordinator")
    start, results = threading.Barrier(2), {}

    def close(user, outcome):
        try:
            start.wait()
            results[user.username] = record_handling(escalation, user, outcome, "")
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(ani, "REACHED")),
               threading.Thread(target=close, args=(colleague, "VISITED"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, record in results.items() if record is not None]
    assert len(results) == 2 and len(winners) == 1
    escalation.refresh_from_db()
    assert escalation.handled_by.username == winners[0] and HandlingRecord.objects.count() == 1


def test_what_was_tried_and_just_recorded_name_their_clocks(ani_client, ani, escalation):
    """A WITA patient's row says its last attempt on the patient's clock, as the row's other times
    (14.08 WITA); what the volunteer just recorded is on the volunteer's own clock, named (13.08 WIB)."""
    escalation.patient.time_zone = "Asia/Makassar"
    escalation.patient.save(update_fields=["time_zone"])
    ani_client.post(tap("escalation", escalation.pk, "mark_called"), {"apply": "1", "outcome": "NOT_REACHED"})
    attempt = escalation.handlings.get()
    page = ani_client.get(TODAY, headers=ID).content.decode()

    wita = timezone.localtime(attempt.at, ZoneInfo("Asia/Makassar"))
    wib = timezone.localtime(attempt.at, ZoneInfo("Asia/Jakarta"))
    assert f"terakhir pukul {wita:%H.%M} WITA" in page
    assert f"{wib:%H.%M} WIB</span>" in page
