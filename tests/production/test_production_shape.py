"""One day of the production shape, run for real from a fresh copy of the tree:
deploy/run-prod.sh (the recipe of docs/operations.md: migrate, collectstatic, check --deploy,
then supervisord running the Procfile's gunicorn, Celery worker, beat and redis-server) with
DEBUG off, on the test database reached only
through DATABASE_URL, sending to a local Fonnte stand-in. Nothing time-travels: the schedules
fall due a few seconds after they are made, by the database's clock."""
import re
import secrets
import shutil
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.contrib.auth.models import Group, User
from django.db import connection

from prima.clock import database_now
from reminders.models import Message, Patient, Reminder, ReminderSchedule
from reminders.workspace.roles import VOLUNTEER, sync_roles
from tests.celery.cluster import free_port, wait_for
from tests.factories import make_patient
from tests.fonnte_standin import FonnteStandIn
from tests.processes import database_url
from tests.production.shape import Browser, ProductionShape, fresh_copy
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

MEDICATION = "Halo {nama}, waktunya minum obat ({waktu})."
DEVICE = "6281100000000"
PASSWORD = "relawan-" + secrets.token_urlsafe(12)


def schedule_at(patient: Patient, due: datetime) -> ReminderSchedule:
    """A daily schedule whose dose of the patient's today (or tomorrow) falls at `due`."""
    local = due.astimezone(patient.zone)
    return ReminderSchedule.objects.create(patient=patient, message_template=MEDICATION, time_of_day=local.time(),
                                           start_date=local.date())


def earlier_today(zone: ZoneInfo, now: datetime) -> time:
    local = now.astimezone(zone)
    return max(local - timedelta(minutes=10), local.replace(hour=0, minute=0, second=0, microsecond=0)).time()


def sent(kind: str) -> dict[int, Message]:
    """Sent messages of a kind, by patient."""
    return {m.patient_id: m for m in Message.objects.filter(kind=kind, status__in=["SENT", "DELIVERED", "READ"])}


def test_a_day_in_the_production_shape_loses_nothing_and_stops_cleanly(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    sync_roles()
    volunteer = User.objects.create_user("relawan.sari", password=PASSWORD, is_staff=True)
    volunteer.groups.add(Group.objects.get(name=VOLUNTEER))
    now = database_now()
    sari = make_patient(name="Ibu Sari", time_zone="Asia/Jakarta", volunteer=volunteer)
    budi = make_patient(name="Pak Budi", time_zone="Asia/Makassar", volunteer=volunteer)
    wayan = make_patient(name="Ibu Wayan", time_zone="Asia/Jayapura", volunteer=volunteer)
    patients = [sari, budi, wayan]
    # Sari's and Budi's doses fall due shortly (beat's tick makes and publishes them); Wayan's
    # was due ten minutes before she was enrolled: only the admin's "send now" sends it.
    for patient in (sari, budi):
        schedule_at(patient, (now + timedelta(seconds=20)).replace(microsecond=0))
    ReminderSchedule.objects.create(patient=wayan, message_template=MEDICATION,
                                    time_of_day=earlier_today(wayan.zone, now), start_date=now.astimezone(wayan.zone).date())
    webhook_secret = secrets.token_urlsafe(24)
    metrics_token = secrets.token_urlsafe(16)

    with FonnteStandIn() as fonnte:
        environment = {
            "DATABASE_URL": database_url(connection.settings_dict),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",  # TLS ends at the proxy, as in production
            "PORT": str(free_port()),
            "REDIS_PORT": str(free_port()),
            "WEB_CONCURRENCY": "2",
            "CELERY_CONCURRENCY": "1",
            "FONNTE_TOKEN": "shape-device-token",
            "FONNTE_DEVICES": DEVICE,  # our number: the deploy check wants it, and webhooks name it
            "FONNTE_BASE_URL": fonnte.base_url,
            "FONNTE_WEBHOOK_SECRET": webhook_secret,
            "METRICS_TOKEN": metrics_token,
            # A real mail server, as production must have (the console's is refused); nobody writes an emergency here.
            "EMAIL_URL": "smtp://127.0.0.1:25",
        }
        with fresh_copy() as tree, ProductionShape(environment, tmp_path / "run-prod.log", root=tree) as shape:
            base = shape.base_url
            # Plain HTTP is sent to HTTPS, except the health check and metrics, which monitors ask directly.
            assert requests.get(f"{base}/admin/", allow_redirects=False, timeout=10).headers["Location"].startswith("https://")
            browser = Browser(base)
            browser.log_in(volunteer.username, PASSWORD)
            assert browser.cookie_flags["sessionid"] == {"Secure", "HttpOnly"}
            assert "Secure" in browser.cookie_flags["csrftoken"]

            page = browser.post_form("/admin/reminders/patient/", {"action": "send_todays_reminders",
                                                                  "_selected_action": [wayan.id]})
            assert "Ibu Wayan: 1 pengingat hari ini diantrekan untuk dikirim sekarang." in page.text

            reminders_out = lambda: set(sent("REMINDER")) == {p.id for p in patients}  # noqa: E731
            wait_for(reminders_out, 90, "the three reminders to be sent", interval=0.25)

            inbox = iter(range(1, 100))
            for patient in patients:
                reply = {"device": DEVICE, "sender": patient.phone.lstrip("+"), "message": "Sudah minum obat",
                         "name": patient.name, "inboxid": f"shape-{next(inbox)}"}
                url = f"{base}/webhooks/fonnte/{webhook_secret}/incoming/"
                answer = requests.post(url, json=reply, headers={"X-Forwarded-Proto": "https"}, timeout=30)
                assert (answer.status_code, answer.json()) == (200, {"status": "processed"})
                if patient == budi:  # Fonnte delivers again when it missed our answer
                    again = requests.post(url, json=reply, headers={"X-Forwarded-Proto": "https"}, timeout=30)
                    assert again.json() == {"status": "duplicate"}

            acks_out = lambda: set(sent("REPLY")) == {p.id for p in patients}  # noqa: E731
            wait_for(acks_out, 60, "the three acknowledgements to be sent", interval=0.25)

            status = {"device": DEVICE, "id": sent("REMINDER")[sari.id].provider_message_id, "status": "sent",
                      "state": "read"}
            answer = requests.post(f"{base}/webhooks/fonnte/{webhook_secret}/status/", json=status,
                                   headers={"X-Forwarded-Proto": "https"}, timeout=30)
            assert answer.json() == {"status": "processed"}

            for reminder in Reminder.objects.all():
                page = browser.get(f"/admin/reminders/reminder/{reminder.id}/change/")
                assert page.status_code == 200
                assert reminder.patient.name in page.text
                assert "Dikonfirmasi" in page.text and "Balasan pasien" in page.text
            stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text).group(1)
            css = browser.get(stylesheet, headers={"Accept-Encoding": "gzip"})
            assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"
            assert "immutable" in css.headers["Cache-Control"]

            metrics = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {metrics_token}"}, timeout=10)
            assert 'prima_message_outcomes_total{outcome="sent"} 6.0' in metrics.text

            assert shape.stop() == 0, shape.log_tail()
        log = shape.log()

    assert "run-prod: stopped on request; every program exited with 0" in log
    stops = re.findall(r"INFO stopped: (\w+) \(exit status 0\)", log)
    assert stops == ["beat", "worker", "web", "redis"], log  # beat first, Redis last
    assert "System check identified no issues (0 silenced)." in log  # check --deploy, with these settings
    assert "Traceback" not in log and webhook_secret not in log
    # Nothing left in flight: every message sent once, every event processed, every dose confirmed.
    messages = list(Message.objects.all())
    assert len(messages) == 6 and {m.status for m in messages} <= {"SENT", "READ"}
    assert Message.objects.get(provider_message_id=status["id"]).status == "READ"
    assert {fonnte.requests[(m.phone.lstrip("+"), m.body)] for m in messages} == {1}
    assert fonnte.total() == 6
    assert not WebhookEvent.objects.exclude(state="PROCESSED").exists()
    assert WebhookEvent.objects.count() == 4
    assert sorted(Reminder.objects.values_list("confirmation_status", "confirmation_method")) == [
        ("CONFIRMED", "PATIENT_REPLY")] * 3
