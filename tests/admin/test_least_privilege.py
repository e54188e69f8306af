"""Issue 16: what a careless or hostile insider, or someone who learnt the webhook URL, can no
longer do — driven through the admin and the webhooks over HTTP."""
import json
import logging
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from reminders.models import DeviceState, Message, PatientReply, SendingPause
from tests.admin.conftest import make_staff
from tests.factories import NO_CAREGIVERS, make_patient, make_reminder, make_schedule, queue_message
from tests.reminders.test_sending import drain_all
from tests.test_cli import manage
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limits")]
SECRET = "least-privilege-secret"
OURS, FOREIGN = "6281100000000", "6289999999999"


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.FONNTE_WEBHOOK_SECRET = SECRET
    settings.FONNTE_DEVICES = ["+" + OURS]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def post(client, kind: str, payload: dict):
    return client.post(f"/webhooks/fonnte/{SECRET}/{kind}/", data=json.dumps(payload), content_type="application/json")


# Messages are PRIMA's to write ---------------------------------------------------------------

def test_a_volunteer_cannot_edit_a_message_of_their_own_patient(ani_client, anis_patient):
    message = queue_message(anis_patient, body="Halo Ibu Sari", status=Message.Status.SENT)
    url = reverse("admin:reminders_message_change", args=[message.pk])
    page = ani_client.get(url)
    assert page.status_code == 200 and page.context["adminform"].form.fields == {}  # a view, nothing to fill
    attack = {"phone": "+6289999999999", "body": "Klik http://evil.example", "status": "QUEUED", "priority": "1",
              "kind": "REPLY", "send_after": "2026-01-01 00:00:00"}
    response = ani_client.post(url, attack)
    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.phone, message.body, message.status, message.priority) == (
        anis_patient.phone, "Halo Ibu Sari", "SENT", 0)


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_nobody_edits_a_message_not_a_coordinator_nor_a_superuser(client, coordinator, anis_patient, who):
    user = coordinator if who == "coordinator" else get_user_model().objects.create_superuser("root", "", "x")
    client.force_login(user)
    message = queue_message(anis_patient, body="Halo Ibu Sari", status=Message.Status.SENT)
    response = client.post(reverse("admin:reminders_message_change", args=[message.pk]),
                           {"phone": "+6289999999999", "body": "Klik http://evil.example", "status": "QUEUED"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.phone, message.body, message.status) == (anis_patient.phone, "Halo Ibu Sari", "SENT")


def test_the_retry_and_cancel_actions_still_work_for_a_volunteer(ani_client, anis_patient):
    failed = queue_message(anis_patient, status=Message.Status.FAILED, end_reason="timeout")
    queued = queue_message(anis_patient)
    changelist = reverse("admin:reminders_message_changelist")
    ani_client.post(changelist, {"action": "retry", ACTION_CHECKBOX_NAME: [failed.pk]})
    ani_client.post(changelist, {"action": "cancel", ACTION_CHECKBOX_NAME: [queued.pk]})
    failed.refresh_from_db(), queued.refresh_from_db()
    assert (failed.status, queued.status, queued.end_reason) == ("QUEUED", "CANCELLED", "cancelled by relawan.ani")


# Webhooks: only our device, only the past -----------------------------------------------------

def test_a_future_dated_disconnect_from_a_foreign_device_changes_nothing(client, outbox):
    response = post(client, "device", {"device": "evil", "status": "disconnect", "timestamp": 32503680000})
    assert response.json() == {"status": "ignored"}
    post(client, "device", {"device": FOREIGN, "status": "disconnect", "timestamp": 32503680000})
    assert not DeviceState.objects.exists() and not SendingPause.objects.exists()
    queue_message()
    assert drain_all()["sent"] == 1


def test_our_devices_own_timestamp_from_the_future_is_read_as_now(client):
    post(client, "device", {"device": OURS, "status": "disconnect", "timestamp": 32503680000})
    assert DeviceState.objects.get().changed_at <= timezone.now()
    post(client, "device", {"device": OURS, "status": "connect", "timestamp": int(timezone.now().timestamp()) + 1})
    assert DeviceState.objects.get().connected and not SendingPause.objects.exists()


def test_a_reply_naming_a_foreign_device_changes_nothing(client):
    patient = make_patient()
    reminder = make_reminder(make_schedule(patient), reply_deadline=timezone.now() + timedelta(hours=1))
    for text in ("sudah", "BERHENTI"):
        payload = {"device": FOREIGN, "sender": patient.phone.lstrip("+"), "message": text, "inboxid": text}
        assert post(client, "incoming", payload).json() == {"status": "ignored"}
    reminder.refresh_from_db(), patient.refresh_from_db()
    assert (reminder.confirmation_status, patient.opted_out_at) == ("PENDING", None)
    assert not PatientReply.objects.exists() and not Message.objects.exists()
    assert WebhookEvent.objects.filter(result__contains="not one of our devices").count() == 2


def test_a_delivery_status_naming_a_foreign_device_changes_nothing(client):
    patient = make_patient()
    sent = queue_message(patient, status=Message.Status.SENT, provider_message_id="142223099")
    payload = {"device": FOREIGN, "id": "142223099", "status": "failed", "state": "failed", "stateid": "s1"}
    assert post(client, "status", payload).json() == {"status": "ignored"}
    sent.refresh_from_db()
    assert (sent.status, sent.end_reason) == ("SENT", "")


def test_a_reply_dated_in_the_future_is_read_as_received_now(client):
    patient = make_patient()
    payload = {"device": OURS, "sender": patient.phone.lstrip("+"), "message": "apa kabar", "inboxid": "f1",
               "timestamp": 32503680000}
    before = timezone.now()
    post(client, "incoming", payload)
    reply = PatientReply.objects.get()
    assert before <= reply.received_at <= timezone.now()


def test_twelve_emergency_texts_are_all_kept_and_flagged_but_answered_and_emailed_once(
    client, django_capture_on_commit_callbacks
):
    volunteer = get_user_model().objects.create(username="ani", email="ani@relawan.id", is_staff=True)
    patient = make_patient(volunteer=volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            post(client, "incoming", {"device": OURS, "sender": patient.phone.lstrip("+"),
                                      "message": f"darurat {n}", "inboxid": f"e{n}"})
    emergencies = PatientReply.objects.filter(intent="EMERGENCY")
    assert emergencies.count() == 12 and all(r.urgent and r.needs_attention for r in emergencies)
    assert Message.objects.filter(priority=1).count() == 1
    assert len(mail.outbox) == 1


def test_a_malformed_device_list_stops_the_process_with_one_line():
    result = manage("check", DEBUG="1", FONNTE_DEVICES="6281100000000,12345")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "FONNTE_DEVICES" in result.stderr


def test_a_coordinator_can_reset_a_devices_state(coordinator_client):
    DeviceState.objects.create(device="+" + OURS, connected=False, changed_at=datetime(3000, 1, 1, tzinfo=dt_timezone.utc))
    SendingPause.objects.create(scope="+" + OURS, kind="DEVICE", reason="device disconnected", since=timezone.now(),
                                probe_at=timezone.now() + timedelta(hours=1))
    coordinator_client.post(reverse("admin:reminders_devicestate_changelist"),
                            {"action": "reset_to_connected", ACTION_CHECKBOX_NAME: [DeviceState.objects.get().pk]})
    state = DeviceState.objects.get()
    assert state.connected and state.changed_at <= timezone.now() and "koordinator" in state.reason
    assert not SendingPause.objects.exists()


def test_a_volunteer_cannot_reset_a_devices_state(ani_client):
    state = DeviceState.objects.create(device="+" + OURS, connected=False, changed_at=timezone.now())
    response = ani_client.post(reverse("admin:reminders_devicestate_changelist"),
                               {"action": "reset_to_connected", ACTION_CHECKBOX_NAME: [state.pk]})
    assert response.status_code == 403
    assert not DeviceState.objects.get().connected


# Templates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("template, named", [
    ("Halo {nama:>20000000}", "{nama:>20000000}"),
    ("Minum {obat.nama}", "{obat.nama}"),
    ("Halo {name}", "{name}"),
    ("Halo {nama!r}", "{nama!r}"),
    ("Halo {nama", "brace"),
])
def test_the_admin_refuses_a_template_that_is_not_plain_placeholders_and_says_which_part(
    ani_client, anis_patient, template, named
):
    url = reverse("admin:reminders_reminderschedule_add")
    response = ani_client.post(url, {"patient": anis_patient.pk, "kind": "MEDICATION", "message_template": template,
                                     "time_of_day": "08:00", "weekdays": ["0", "1"], "start_date": "2026-12-01",
                                     "is_active": "on"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["message_template"]
    assert named in " ".join(errors)
    assert not anis_patient.schedules.exists()


def test_a_template_longer_than_the_cap_is_refused(ani_client, anis_patient):
    response = ani_client.post(reverse("admin:reminders_reminderschedule_add"), {
        "patient": anis_patient.pk, "kind": "MEDICATION", "message_template": "x" * 1001, "time_of_day": "08:00",
        "weekdays": ["0"], "start_date": "2026-12-01", "is_active": "on"})
    assert "1000" in " ".join(response.context["adminform"].form.errors["message_template"])


def test_a_template_written_before_the_rules_still_renders_no_format_spec():
    from reminders.templating import render_template

    assert render_template("Halo {nama:>20000000}", nama="Ibu") == "Halo {nama:>20000000}"


# Logins ------------------------------------------------------------------------------------

def test_twenty_wrong_passwords_lock_the_username_for_a_while_the_right_one_included(client, settings):
    get_user_model().objects.create_user("relawan.ani", password="benar-sekali-123", is_staff=True)
    login = reverse("admin:login")
    answers = [client.post(login, {"username": "relawan.ani", "password": f"salah{n}"}, REMOTE_ADDR=f"10.0.0.{n}")
               .status_code for n in range(20)]
    assert answers[0] == 200 and answers[-1] == 429
    right = client.post(login, {"username": "relawan.ani", "password": "benar-sekali-123"}, REMOTE_ADDR="10.9.9.9")
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_failures_from_one_address_lock_that_address_for_every_username(client, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": f"tebak{n}", "password": "x"}, REMOTE_ADDR="10.1.1.1")
    get_user_model().objects.create_user("relawan.budi", password="benar-sekali-123", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "relawan.budi", "password": "benar-sekali-123"},
                           REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429


def test_sessions_over_health_data_are_shorter_than_two_weeks(settings):
    assert settings.SESSION_COOKIE_AGE <= 24 * 3600
    result = manage("shell", "-c", "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)",
                    DEBUG="1", SESSION_HOURS="2")
    assert result.stdout.strip().splitlines()[-1] == "7200", result.stderr


# Smaller -----------------------------------------------------------------------------------

def test_a_name_with_a_line_break_is_refused(ani_client):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_patient(name="Ibu Sari\nBcc: semua@contoh.id")
    response = ani_client.post(reverse("admin:reminders_patient_add"), {
        "name": "Ibu Sari\r\nX", "phone": "081234567899", "time_zone": "Asia/Jakarta",
        "verification_status": "PENDING", "is_active": "on", "schedules-TOTAL_FORMS": "0",
        "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS})
    assert "name" in response.context["adminform"].form.errors


def test_a_malformed_metrics_allow_list_stops_the_process_at_start():
    result = manage("check", DEBUG="1", METRICS_ALLOWED_IPS="10.0.0.0/8,not-an-address")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "METRICS_ALLOWED_IPS" in result.stderr and "not-an-address" in result.stderr


def test_processing_a_webhook_event_again_takes_the_change_permission(coordinator_client):
    event = WebhookEvent.objects.create(kind="INCOMING", dedupe_key="k1", payload={}, state="FAILED", attempts=5)
    viewer = make_staff("pengamat", "volunteer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    viewers = Client()
    viewers.force_login(viewer)
    changelist = reverse("admin:webhooks_webhookevent_changelist")
    assert "process_again" not in viewers.get(changelist).content.decode()
    viewers.post(changelist, {"action": "process_again", ACTION_CHECKBOX_NAME: [event.pk]})
    event.refresh_from_db()
    assert event.attempts == 5
    coordinator_client.post(changelist, {"action": "process_again", ACTION_CHECKBOX_NAME: [event.pk]})
    event.refresh_from_db()
    assert event.attempts == 1


def test_a_volunteer_is_not_told_that_a_number_belongs_to_another_patient(ani_client, coordinator):
    make_patient("081234567890", name="Pasien Lain")
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    form = {"name": "Ibu Baru", "phone": "0812-3456-7890", "time_zone": "Asia/Jakarta",
            "verification_status": "PENDING", "is_active": "on", "schedules-TOTAL_FORMS": "0",
            "schedules-INITIAL_FORMS": "0", **NO_CAREGIVERS}
    volunteers = ani_client.post(reverse("admin:reminders_patient_add"), form)
    said = " ".join(volunteers.context["adminform"].form.errors["phone"])
    assert "cannot be used here" in said and "exists" not in said
    coordinators = coordinator_client.post(reverse("admin:reminders_patient_add"), form)
    assert "already exists" in " ".join(coordinators.context["adminform"].form.errors["phone"])


def test_a_rate_limiter_failure_is_logged_without_its_text(caplog, monkeypatch):
    from reminders.outbox import sending

    def broken(needs, **options):
        raise DatabaseError('duplicate key (key)=(whatsapp_send:+6281234567890)')

    monkeypatch.setattr(sending, "check_many", broken)
    with caplog.at_level(logging.ERROR):
        assert sending.rate_limit_delays([("+6281234567890", "fonnte")]) == [sending.RATE_LIMITER_DOWN_DELAY]
    assert "6281234567890" not in caplog.text and "DatabaseError" in caplog.text
