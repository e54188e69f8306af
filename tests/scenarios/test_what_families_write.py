"""What a try-out as patients, families and volunteers found (issue 25), each through the real
webhook and scheduler: families still heard after reminders stop, a death pinned on the right
patient, a caregiver of two never told of the wrong one, no promise PRIMA cannot keep."""
from datetime import time

import pytest
from django.core.exceptions import ValidationError

from reminders.conversation.consent import send_verification
from reminders.models import Caregiver, Escalation, Patient, PatientReply, ReminderSchedule
from tests.factories import make_patient, make_schedule
from tests.scenarios.helpers import (
    ANIS_PHONE, DAUGHTER, admin_action, at, caregiver_of, enrol, run_scheduler, say, sent_to, texts_to, wib,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits", "outbox")]
RINA = DAUGHTER


def from_rina(client, patient: Patient, text: str) -> str:
    return say(client, patient, text, sender=RINA.lstrip("+"))


def test_a_caregiver_of_a_paused_patient_is_still_heard_and_an_emergency_still_reaches_a_person(
        client, ani_on_whatsapp):
    schedule = enrol(volunteer=ani_on_whatsapp)
    patient = schedule.patient
    caregiver_of(patient)
    Patient.objects.filter(id=patient.id).update(is_active=False)  # in hospital: a volunteer paused him
    with at(wib(23, 9)):
        words = "bu, bapak sudah pulang dari rs tapi sekarang sesak lagi, tolong"
        assert from_rina(client, patient, words) == "processed"
        run_scheduler()
    reply = PatientReply.objects.get()
    assert (reply.intent, reply.urgent, reply.caregiver.phone) == ("EMERGENCY", True, RINA)
    assert "119" in texts_to(RINA)[-1] and texts_to(ANIS_PHONE)


def test_a_wife_who_is_a_patient_herself_names_her_husband_who_died_and_only_his_reminders_stop(client):
    sari = enrol(name="Ibu Sari", phone="+6281200000011").patient
    budi = enrol(name="Bapak Budi", phone="+6281200000012").patient
    with at(wib(22, 12)):
        Caregiver.objects.create(patient=budi, name="Ibu Sari", relation="istri", phone=sari.phone,
                                 consented_at=wib(22, 12))
    with at(wib(23, 7)):
        say(client, sari, "Bapak Budi sudah meninggal tadi sore")
    sari.refresh_from_db(), budi.refresh_from_db()
    assert sari.is_active and not budi.is_active
    assert budi.replies.get().intent == "DEATH" and not sari.replies.exists()
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    assert [body for body in sent_to(sari) if "waktunya minum obat" in body] == ["Halo Ibu Sari, waktunya minum obat "
                                                                                "(08:00)."]


def test_a_caregiver_of_two_who_tells_of_a_death_without_a_name_is_asked_which_and_nobody_is_named(
        client, ani_on_whatsapp):
    sari = make_patient(name="Ibu Sari", volunteer=ani_on_whatsapp)
    budi = make_patient(name="Bapak Budi", volunteer=ani_on_whatsapp)
    caregiver_of(sari), caregiver_of(budi)
    with at(wib(23, 17)):
        from_rina(client, sari, "ibu sudah meninggal tadi sore")
        run_scheduler()
    [condolences] = [text for text in texts_to(RINA) if text.startswith("Kami turut berduka cita")]
    assert condolences.startswith("Kami turut berduka cita.") and "Budi" not in condolences  # no patient named
    assert sum("menyebut nama pasiennya" in text for text in texts_to(RINA)) == 1
    sari.refresh_from_db(), budi.refresh_from_db()
    assert sari.is_active and budi.is_active  # nobody paused on a guess
    assert all("tanpa menyebut siapa" in alert for alert in texts_to(ANIS_PHONE))
    with at(wib(23, 17, 5)):
        from_rina(client, sari, "terima kasih")  # a thanks asks nothing: no second "which patient?"
    assert len(texts_to(RINA)) == 2


def test_one_emergency_from_a_caregiver_of_two_is_answered_once(client):
    sari, budi = make_patient(name="Ibu Sari"), make_patient(name="Bapak Budi")
    caregiver_of(sari), caregiver_of(budi)
    with at(wib(23, 9)):
        from_rina(client, sari, "tolong sesak sekali")
        run_scheduler()
    assert sum("119" in text for text in texts_to(RINA)) == 1
    assert PatientReply.objects.filter(intent="EMERGENCY").count() == 2  # each volunteer sees it


def test_a_death_is_told_at_once_and_not_escalated_as_an_emergency_nobody_handled(client, ani_on_whatsapp):
    patient = make_patient(volunteer=ani_on_whatsapp)
    caregiver_of(patient)
    with at(wib(23, 9)):
        from_rina(client, patient, "bapak sudah meninggal tadi malam")
    with at(wib(23, 10)):
        run_scheduler()
    assert not Escalation.objects.exists()
    assert len(texts_to(ANIS_PHONE)) == 1


def test_a_third_belum_is_not_promised_a_follow_up_that_will_not_come(client):
    schedule = enrol(at_time=time(8, 0))
    patient = schedule.patient
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, patient, "belum")
    with at(wib(23, 8, 36)):
        run_scheduler()  # the follow-up goes out
    with at(wib(23, 8, 40)):
        say(client, patient, "belum, masih makan")
    last = patient.messages.latest("created_at").body  # our answer to it
    assert "mengingatkan lagi" not in last and "relawan" in last
    assert patient.replies.latest("received_at").needs_attention


def test_a_cancelled_appointment_and_a_yes_with_a_request_reach_a_volunteer(client):
    with at(wib(22, 12)):
        schedule = make_schedule(make_patient(), kind=ReminderSchedule.Kind.APPOINTMENT, time_of_day=time(8, 0),
                                 message_template="{nama}, besok kontrol jam 09:00.", start_date=wib(22, 12).date())
    with at(wib(23, 8, 0, 30)):
        run_scheduler()
    with at(wib(23, 8, 5)):
        say(client, schedule.patient, "BATAL")
    assert schedule.patient.replies.get().needs_attention  # a new date is a person's to find
    asked = make_patient(verification_status="PENDING")
    send_verification(asked)
    say(client, asked, "ya, tolong kirim ke anak saya saja")
    asked.refresh_from_db()
    assert asked.verification_status == "VERIFIED" and asked.replies.get().needs_attention


def test_a_pause_for_a_death_shows_its_reason_and_resuming_clears_it(client, ani, volunteer):
    patient = make_patient(volunteer=ani)
    caregiver_of(patient)
    with at(wib(23, 9)):
        from_rina(client, patient, "Innalillahi, bapak sudah berpulang")
    page = client.get(f"/admin/reminders/patient/{patient.pk}/change/")
    assert "Kabar meninggal dunia dari Rina (anak)" in page.content.decode()
    admin_action(volunteer, "patient", "resume_reminders", [patient])
    patient.refresh_from_db()
    assert patient.is_active and patient.pause_reason == ""


def test_a_consent_date_in_the_future_is_refused_and_verifying_twice_keeps_the_first_answer(client, ani, volunteer):
    patient = make_patient(volunteer=ani)
    rina = caregiver_of(patient)
    rina.consented_at = wib(22, 12, month=12).replace(year=2027)  # a year typed wrong in December
    with pytest.raises(ValidationError, match="masa depan|future"):
        rina.full_clean()
    answered = patient.verification_answered_at
    response = admin_action(volunteer, "patient", "verify_by_hand", [patient], note="ditemui di rumah", apply="1")
    patient.refresh_from_db()
    assert patient.verification_answered_at == answered and "by hand" not in patient.notes.lower()
    told = [str(message) for message in response.context["messages"]]
    assert any("so already" in message or "sudah begitu" in message for message in told)
