"""Telling staff about a patient, stored before it is tried (StaffNotification).

Who: the patient's volunteer, when they are active and have an email address; otherwise
(no volunteer, no address, or their email failed) every coordinator who has one, and when
no coordinator has one either, the addresses in EMERGENCY_EMAIL_FALLBACK. Each try is
recorded with its outcome, so the admin shows who was told, how, and whether it worked.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse

from prima.clock import DatabaseNow
from reminders.models import Patient, PatientReply, StaffNotification
from reminders.phones import mask_phone

logger = logging.getLogger(__name__)

VOLUNTEER = "volunteer"
COORDINATOR = "coordinator"
FALLBACK = "fallback address"
# Notifications a crash left untried are tried again by the tick after this long.
RETRY_UNTRIED_AFTER = timedelta(minutes=2)


def coordinators_with_email():
    users = get_user_model().objects.with_perm(
        "reminders.see_all_patients", backend="django.contrib.auth.backends.ModelBackend"
    ).filter(is_active=True)
    return users.exclude(email="").order_by("username")


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
    (a conditional update on its attempt count). A volunteer who could not be told is
    replaced by the coordinators."""
    won = StaffNotification.objects.filter(
        id=notification.id, status=StaffNotification.Status.PENDING, attempts=notification.attempts
    ).update(attempts=F("attempts") + 1)
    if not won:
        return False
    try:
        _email(notification)
    except Exception as exc:  # the reply and its flag are stored; a mail outage must not undo them
        logger.exception("could not notify notification_id=%s about reply_id=%s", notification.id, notification.reply_id)
        StaffNotification.objects.filter(id=notification.id).update(
            status=StaffNotification.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        if notification.role == VOLUNTEER:
            with transaction.atomic():
                team = _notify_the_team(notification.reply)
            send_notifications([n.id for n in team])
        return False
    StaffNotification.objects.filter(id=notification.id).update(status=StaffNotification.Status.SENT,
                                                                 sent_at=DatabaseNow())
    return True


def send_notifications(ids: list[int]) -> int:
    notifications = StaffNotification.objects.filter(id__in=ids, status=StaffNotification.Status.PENDING)
    return sum(send_notification(n) for n in notifications.select_related("reply", "patient"))


def retry_untried_notifications() -> int:
    """Housekeeping: notifications whose process died before trying them."""
    stale = StaffNotification.objects.filter(
        status=StaffNotification.Status.PENDING, created_at__lt=DatabaseNow() - RETRY_UNTRIED_AFTER
    )
    return send_notifications(list(stale.values_list("id", flat=True)[:100]))


def patient_told_text(notifications: list[StaffNotification]) -> str:
    """What the patient may truthfully be told about who hears of it."""
    if not notifications:
        return ""
    return "volunteer" if notifications[0].role == VOLUNTEER else "team"
