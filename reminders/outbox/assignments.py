"""Telling volunteers by WhatsApp, on their staff number, that a patient was assigned to them or
moved to another volunteer. Each WhatsApp is an outbox message with its StaffNotification,
PENDING until the outbox sent it (SENT) or gave it up (FAILED, with the reason): "told" is
written after the fact, by `notifications.settle_alerts` as for every alert to staff. A
volunteer without an active account or a number is not told, and the caller says so."""
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from reminders.models import Message, Patient, StaffNotification, staff_name
from reminders.outbox.notifications import staff_phone
from reminders.outbox.queue import queue_message

# StaffNotification.role of each: why the volunteer was told.
ASSIGNED = "assigned"
MOVED_AWAY = "moved away"


@dataclass(frozen=True)
class Telling:
    """One volunteer to tell about one patient, and whether a WhatsApp is on its way to them."""

    volunteer: AbstractBaseUser
    patient: Patient
    role: str
    queued: bool


def tell_assignment(patient: Patient, previous: AbstractBaseUser | None, by: AbstractBaseUser) -> list[Telling]:
    """Tell the patient's volunteer, and the one before when there was one, that the patient is
    now the new one's: in the caller's transaction. Nobody is told when nothing changed, nor
    the person who made the change. Returns who was to be told and whether each is."""
    current = patient.volunteer
    if current == previous:
        return []
    tellings = []
    for volunteer, role in [(current, ASSIGNED), (previous, MOVED_AWAY)]:
        if volunteer is not None and volunteer != by:
            tellings.append(_tell(patient, volunteer, role))
    return tellings


def _tell(patient: Patient, volunteer: AbstractBaseUser, role: str) -> Telling:
    phone = staff_phone(volunteer)
    if not phone:
        return Telling(volunteer, patient, role, queued=False)
    new = patient.volunteer
    message = queue_message(
        patient, "staff_assigned", kind=Message.Kind.ASSIGNMENT, to=phone, pindah=role == MOVED_AWAY,
        nomor=patient.phone, relawan_baru=staff_name(new) if new else "",
        tautan=settings.SITE_URL + reverse("admin:reminders_patient_change", args=[patient.pk]),
    )
    StaffNotification.objects.create(patient=patient, recipient=volunteer, role=role, address=phone, message=message,
                                     channel=StaffNotification.Channel.WHATSAPP)
    return Telling(volunteer, patient, role, queued=True)
