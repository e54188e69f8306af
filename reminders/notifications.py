"""Telling staff about a patient, stored before it is tried (StaffNotification).

Who: the patient's volunteer, when they are active and have an email address; otherwise
(no volunteer, no address, or their email failed) every coordinator who has one, and when
no coordinator has one either, or every coordinator's email failed, the addresses in
EMERGENCY_EMAIL_FALLBACK. A failed email is tried again (a mail server down for a minute
must not leave an emergency untold) up to NOTIFY_ATTEMPTS times. Each try is recorded with
its outcome, so the admin shows who was told, how, and whether it worked; the health page
counts the emergencies nobody could be told about.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse

from prima.clock import DatabaseNow
from reminders.models import PatientReply, StaffNotification
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

VOLUNTEER = "volunteer"
COORDINATOR = "coordinator"
FALLBACK = "fallback address"
# A notification not sent yet (its email failed, or a crash left it untried) is tried again
# by the tick this long after its last try, NOTIFY_ATTEMPTS times in all.
RETRY_AFTER = timedelta(minutes=2)
NOTIFY_ATTEMPTS = 3


def coordinators():
    """Active staff who see every patient: those told when a volunteer cannot be, or did not act."""
    return get_user_model().objects.with_perm(
        "reminders.see_all_patients", backend="django.contrib.auth.backends.ModelBackend"
    ).filter(is_active=True).order_by("username")


def coordinators_with_email():
    return coordinators().exclude(email="")


def _notify(reply: PatientReply, recipients: list[tuple], role: str) -> list[StaffNotification]:
    """One notification per (user or None, address)."""
    return [
        StaffNotification.objects.create(
            patient=reply.patient, reply=reply, recipient=user, role=role,
            channel=StaffNotification.Channel.EMAIL, address=address,
        )
        for user, address in recipients
    ]


def _notify_the_team(reply: PatientReply) -> list[StaffNotification]:
    coordinators = [(user, user.email) for user in coordinators_with_email()]
    if coordinators:
        return _notify(reply, coordinators, COORDINATOR)
    return _notify(reply, [(None, address) for address in settings.EMERGENCY_EMAIL_FALLBACK], FALLBACK)


def notify_staff(reply: PatientReply) -> list[StaffNotification]:
    """Record who is to be told about this reply and send once the transaction commits.
    Returns the notifications (none when nobody has an address: the caller says so)."""
    volunteer = reply.patient.volunteer
    if volunteer is not None and volunteer.is_active and volunteer.email:
        notifications = _notify(reply, [(volunteer, volunteer.email)], VOLUNTEER)
    else:
        notifications = _notify_the_team(reply)
    ids = [notification.id for notification in notifications]
    transaction.on_commit(lambda: send_notifications(ids), robust=True)
    return notifications


def _email(notification: StaffNotification) -> None:
    reply, patient = notification.reply, notification.patient
    context = {
        "patient": patient,
        "reply": reply,
        "masked_phone": mask_phone(patient.phone),
        "admin_url": settings.SITE_URL + reverse("admin:reminders_patientreply_change", args=[reply.id]),
    }
    # One line whatever a name holds: a header with a line break is refused by the mail library.
    subject = " ".join(render_to_string("reminders/email/emergency_subject.txt", context).split())
    body = render_to_string("reminders/email/emergency_body.txt", context)
    send_mail(subject, body, None, [notification.address])


def send_notification(notification: StaffNotification) -> bool:
    """Try one notification; True when it was sent. Exactly one caller tries each attempt
    (a conditional update on its attempt count). A volunteer not reached at the first try is
    backed by the team at once; when nobody could be reached, the fallback addresses are."""
    won = StaffNotification.objects.filter(
        id=notification.id, status=StaffNotification.Status.PENDING, attempts=notification.attempts
    ).update(attempts=F("attempts") + 1, tried_at=DatabaseNow())
    if not won:
        return False
    attempt = notification.attempts + 1
    try:
        _email(notification)
    except Exception as exc:  # the reply and its flag are stored; a mail outage must not undo them
        logger.exception("could not notify notification_id=%s about reply_id=%s", notification.id, notification.reply_id)
        final = attempt >= NOTIFY_ATTEMPTS
        StaffNotification.objects.filter(id=notification.id).update(
            status=StaffNotification.Status.FAILED if final else StaffNotification.Status.PENDING,
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
        )
        if notification.role == VOLUNTEER and attempt == 1:
            _tell_next(notification.reply, _notify_the_team)
        elif final and not notification.reply.notifications.exclude(status=StaffNotification.Status.FAILED).exists():
            _tell_next(notification.reply, _notify_fallback)
        return False
    StaffNotification.objects.filter(id=notification.id).update(status=StaffNotification.Status.SENT,
                                                                 sent_at=DatabaseNow())
    return True


def _notify_fallback(reply: PatientReply) -> list[StaffNotification]:
    if reply.notifications.filter(role=FALLBACK).exists():
        return []
    return _notify(reply, [(None, address) for address in settings.EMERGENCY_EMAIL_FALLBACK], FALLBACK)


def _tell_next(reply: PatientReply, who) -> None:
    with transaction.atomic():
        notifications = who(reply)
    send_notifications([n.id for n in notifications])


def send_notifications(ids: list[int]) -> int:
    notifications = StaffNotification.objects.filter(id__in=ids, status=StaffNotification.Status.PENDING)
    return sum(send_notification(n) for n in notifications.select_related("reply", "patient"))


def retry_notifications() -> int:
    """Housekeeping: notifications not sent yet whose last try (or creation, if a crash left
    them untried) is RETRY_AFTER old."""
    due = StaffNotification.objects.filter(status=StaffNotification.Status.PENDING).filter(
        Q(tried_at__isnull=True, created_at__lt=DatabaseNow() - RETRY_AFTER)
        | Q(tried_at__lt=DatabaseNow() - RETRY_AFTER)
    )
    return send_notifications(list(due.values_list("id", flat=True)[:100]))


def untold_emergencies(since: datetime):
    """Emergencies since `since` that no one has been told about, and no try is still pending."""
    reached = StaffNotification.objects.filter(reply=OuterRef("pk")).exclude(status=StaffNotification.Status.FAILED)
    return PatientReply.objects.filter(intent=PatientReply.Intent.EMERGENCY, acknowledged=True,
                                       received_at__gte=since).exclude(Exists(reached))


def patient_told_text(notifications: list[StaffNotification]) -> str:
    """What the patient may truthfully be told about who hears of it."""
    if not notifications:
        return ""
    return "volunteer" if notifications[0].role == VOLUNTEER else "team"
