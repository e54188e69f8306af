"""Driving PRIMA as its users do, over days: the patient through the webhook, the volunteer
through the admin, the scheduler through `send_reminders`; time moves with time_machine, and
the database clock with it (tests/database_clock.py)."""
import itertools
import json
from contextlib import contextmanager
from datetime import datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms import MultiWidget
from django.urls import reverse

from reminders.backends import locmem
from reminders.models import Caregiver, Device, Patient, ReminderSchedule
from reminders.workspace.roles import sync_roles
from tests.factories import make_patient, make_schedule

WIB = ZoneInfo("Asia/Jakarta")
SECRET = "scenario-webhook-secret"
DEVICE = "6281100000000"
MEDICATION = "Halo {nama}, waktunya minum obat ({waktu})."
ANIS_PHONE = "+6281399990001"  # Ani's own WhatsApp number (`ani_on_whatsapp`)
DAUGHTER = "+6281377770001"  # Rina's, the patient's daughter (`caregiver_of`)
_inbox_ids = itertools.count(1)


FONNTE_SEND = "https://api.fonnte.com/send"
SUCCESS = {"status": True, "detail": "success! message in queue", "id": [142223099], "requestid": 1}


def staff(username: str, role: str, email: str = ""):
    """A staff user in the group `role` (reminders/workspace/roles.py)."""
    sync_roles()
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=True, email=email)
    user.groups.add(Group.objects.get(name=role))
    return user


def fonnte_answers(mock, *answers) -> None:
    """Each /send answers the next of `answers` (the last one repeats)."""
    remaining = list(answers)

    def answer(request):
        body = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return 200, {}, json.dumps(body)

    mock.add_callback("POST", FONNTE_SEND, callback=answer)


def wib(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """A moment in Jakarta in November 2026 (Monday the 23rd starts most stories)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=WIB)


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def run_scheduler() -> str:
    """One `send_reminders` run, as cron starts it every minute: its summary line, or the
    error it exits with (sending paused)."""
    out = StringIO()
    try:
        call_command("send_reminders", "--max-seconds", "10", stdout=out)
    except CommandError as error:
        return f"error: {error}"
    return out.getvalue().strip().splitlines()[-1]


def enrol(name: str = "Ibu Sari", phone: str | None = None, at_time: time = time(8, 0), recipients: str = "PATIENT",
          **fields) -> ReminderSchedule:
    """A verified patient with a daily medication schedule, set up the Sunday before."""
    with at(wib(22, 12)):
        patient = make_patient(phone, name=name, **fields)
        return make_schedule(patient, time_of_day=at_time, message_template=MEDICATION, start_date=wib(22, 12).date(),
                             recipients=recipients)


def caregiver_of(patient: Patient, phone: str = DAUGHTER, name: str = "Rina", **fields) -> Caregiver:
    """A caregiver (by default Rina, the daughter) who agreed to reminders the Sunday before."""
    fields.setdefault("consented_at", wib(22, 12))
    with at(wib(22, 12)):
        return Caregiver.objects.create(patient=patient, name=name, relation="anak", phone=phone, **fields)


def introduction(caregiver: str, patient: str) -> str:
    """What a caregiver's first message from PRIMA begins with (then a blank line, then the message)."""
    return (f"Halo {caregiver}, ini PRIMA, layanan pengingat minum obat dan jadwal kontrol dari tim relawan paliatif. "
            f"Nomor ini didaftarkan sebagai pendamping {patient}, jadi Anda akan menerima pengingat untuk {patient} "
            "dan boleh menjawabnya. Balas BERHENTI jika tidak ingin menerimanya lagi.")


def say(client, patient: Patient, text: str, *, inboxid: bool = True, **fields) -> str:
    """The patient (or their caregiver) writes `text`; Fonnte delivers it to the webhook.
    Without `inboxid`, as payloads before Fonnte's January 2026 update were."""
    payload = {"device": DEVICE, "sender": patient.phone.lstrip("+"), "message": text, "name": patient.name, **fields}
    if inboxid:
        payload["inboxid"] = f"scenario-{next(_inbox_ids)}"
    response = client.post(f"/webhooks/fonnte/{SECRET}/incoming/", data=json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 200
    return response.json()["status"]


def device_says(client, status: str, **fields) -> None:
    payload = {"device": DEVICE, "status": status, **fields}
    response = client.post(f"/webhooks/fonnte/{SECRET}/device/", data=json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 200


def sent_to(patient: Patient) -> list[str]:
    """Every WhatsApp text the patient received, in order."""
    return [entry.body for entry in locmem.outbox if entry.phone == patient.phone]


def texts_to(phone: str) -> list[str]:
    """Every WhatsApp text a number received (a staff member's, a caregiver's), in order."""
    return [entry.body for entry in locmem.outbox if entry.phone == phone]


def reminders_to(patient: Patient) -> list[str]:
    return [body for body in sent_to(patient) if "waktunya minum obat" in body]


def admin_action(client, model: str, action: str, objects, **extra):
    """Run an admin list action on `objects`, following the redirect to read its messages."""
    url = reverse(f"admin:reminders_{model}_changelist")
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra},
                       follow=True)


def add_device(client, number: str) -> Device:
    """A coordinator adds a WhatsApp device in the admin, with its Fonnte token."""
    response = client.post(reverse("admin:reminders_device_add"),
                           {"number": number, "label": "HP posko", "is_active": "on", "token": f"token-{number}"})
    assert response.status_code == 302
    return Device.objects.get(number=number)


def move_to_device(client, patients, device: Device):
    """A coordinator moves patients to another device from the patient list (the old number
    tells them); the page that follows, to read its messages."""
    return admin_action(client, "patient", "move_to_device", patients, apply="1", device=device.pk)


def admin_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def admin_page_data(client, obj) -> tuple[str, dict]:
    """An object's admin change page and what saving it unchanged posts: every field and
    inline row as the form shows it."""
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            widget = form.fields[name].widget
            if isinstance(widget, MultiWidget):  # a date and a time: two inputs, as a browser posts them
                parts = widget.get_context(form.add_prefix(name), value, {})["widget"]["subwidgets"]
                data.update({part["name"]: part["value"] or "" for part in parts})
                continue
            data[form.add_prefix(name)] = (
                "on" if value is True else [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
            )
    return url, data


def admin_edit(client, obj, **changes):
    """Open an object's admin change page and save it with `changes`, as a volunteer would:
    every other field (and inline) posted as the form shows it."""
    url, data = admin_page_data(client, obj)
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response
