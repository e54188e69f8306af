"""Playing the patient in development: a generated webhook secret, the URLs printed without it,
and `simulate_reply` delivering through the real webhook view."""
import ast
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from datetime import timedelta

from django.utils import timezone

from reminders.models import Message
from tests.factories import queue_message
from tests.webhooks.conftest import SECRET
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


def run(command: str, *args: str, **options) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def test_a_reply_goes_through_the_webhook_into_the_inbox_and_confirms_the_reminder(sent_reminder):
    out = run("simulate_reply", "0" + sent_reminder.patient.phone[3:], "SUDAH")

    sent_reminder.refresh_from_db()
    assert sent_reminder.confirmation_status == "CONFIRMED"
    event = WebhookEvent.objects.get()
    assert (event.kind, event.state) == ("INCOMING", "PROCESSED")
    assert event.payload["simulated_by"] == "manage.py simulate_reply" and event.payload["message"] == "SUDAH"
    assert Message.objects.filter(kind="REPLY", patient=sent_reminder.patient).count() == 1
    assert f"stored as webhook event #{event.id}: processed (CONFIRM: " in out
    assert sent_reminder.patient.phone not in out


def test_a_second_simulated_reply_is_a_new_delivery_not_a_duplicate(sent_reminder):
    run("simulate_reply", sent_reminder.patient.phone, "halo")
    run("simulate_reply", sent_reminder.patient.phone, "halo")
    assert WebhookEvent.objects.count() == 2


@pytest.mark.parametrize(
    "phone, error",
    [("0000", "'0000' is not a phone number"), ("0812-9999-0000", "no patient or caregiver has the number +62812*****000")],
)
def test_a_phone_it_cannot_use_is_one_clear_error(phone, error):
    with pytest.raises(CommandError, match=f"^{re.escape(error)}$"):
        run("simulate_reply", phone, "SUDAH")
    assert not WebhookEvent.objects.exists()


def test_without_a_secret_it_says_the_webhooks_are_off(settings, sent_reminder):
    settings.FONNTE_WEBHOOK_SECRET = ""
    with pytest.raises(CommandError, match="FONNTE_WEBHOOK_SECRET is not set, so the webhooks are off"):
        run("simulate_reply", sent_reminder.patient.phone, "SUDAH")


def test_the_command_line_error_is_one_line_and_a_non_zero_exit():
    result = subprocess.run([sys.executable, "manage.py", "simulate_reply", "12", "SUDAH"], cwd=ROOT,
                            env=dict(os.environ, DEBUG="1"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.strip() == "CommandError: '12' is not a phone number"


def test_the_urls_are_printed_without_the_secret():
    out = run("webhook_urls", base="http://127.0.0.1:8001")
    assert SECRET not in out
    for kind in ["incoming", "status", "device"]:
        assert f"http://127.0.0.1:8001/webhooks/fonnte/$FONNTE_WEBHOOK_SECRET/{kind}/" in out
    assert "cloud_api: http://127.0.0.1:8001/webhooks/cloud-api/" in out


def test_the_generated_secret_is_printed_as_the_file_that_holds_it(settings, tmp_path, monkeypatch):
    settings.DEV_WEBHOOK_SECRET_FILE = tmp_path / "webhook_secret"
    settings.DEV_WEBHOOK_SECRET_FILE.write_text(SECRET + "\n")
    monkeypatch.chdir(tmp_path)
    out = run("webhook_urls")
    assert "/webhooks/fonnte/$(cat webhook_secret)/incoming/" in out and SECRET not in out


def test_show_secret_prints_usable_urls():
    assert f"/webhooks/fonnte/{SECRET}/incoming/" in run("webhook_urls", show_secret=True)


def secret_in_a_new_process(**env: str) -> str:
    """FONNTE_WEBHOOK_SECRET as a fresh process of this checkout computes it."""
    code = ("import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'prima.settings'; "
            "from django.conf import settings; print(repr(settings.FONNTE_WEBHOOK_SECRET))")
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "FONNTE_WEBHOOK_SECRET")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**environment, **env}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout)


def test_debug_generates_a_secret_once_and_keeps_it_in_data():
    first, second = secret_in_a_new_process(DEBUG="1"), secret_in_a_new_process(DEBUG="1")
    assert first == second == (ROOT / ".data" / "webhook_secret").read_text().strip()
    assert len(first) >= 30


def test_production_has_no_secret_unless_one_is_set():
    assert secret_in_a_new_process(DEBUG="0") == ""
    assert secret_in_a_new_process(DEBUG="0", FONNTE_WEBHOOK_SECRET="from-the-env") == "from-the-env"


def test_a_generated_secret_is_readable_by_its_owner_only_and_never_replaced(tmp_path):
    from prima.settings import _dev_secret

    secret = _dev_secret(tmp_path / "webhook_secret", 24)
    assert _dev_secret(tmp_path / "webhook_secret", 24) == secret
    assert (tmp_path / "webhook_secret").stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["webhook_secret"]


def test_a_simulated_reply_names_the_device_the_patient_hears_from(settings):
    """Once devices are registered, a reply naming no device would be ignored as not ours."""
    from reminders.outbox.devices import encrypt_token
    from reminders.models import Device
    from tests.factories import make_patient, make_reminder, make_schedule

    settings.FONNTE_TOKEN, settings.FONNTE_DEVICES = "", []
    device = Device.objects.create(number="+6281100000002", token_encrypted=encrypt_token("t"))
    patient = make_patient(name="Pak Budi")
    assert patient.device == device
    reminder = make_reminder(make_schedule(patient), reply_deadline=timezone.now() + timedelta(hours=1))
    queue_message(patient, reminder=reminder, status=Message.Status.SENT)

    run("simulate_reply", patient.phone, "SUDAH")

    assert WebhookEvent.objects.get().payload["device"] == "6281100000002"
    reminder.refresh_from_db()
    assert reminder.confirmation_status == "CONFIRMED"
