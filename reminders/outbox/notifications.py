"""Telling staff about a patient's emergency, or a death a family tells of, stored before it
is tried (StaffNotification), so the admin shows who was told, how, and whether it worked.

By WhatsApp, at once: the patient's volunteer on their own staff number, when they are active
and have one; otherwise (no volunteer, no number, or the WhatsApp to them ended FAILED) every
coordinator with one. Each alert is an URGENT outbox message (claimed first, never held by a
rate limit) quoting the patient's words and the number to call; its notification stays
PENDING until the outbox has sent it (SENT) or given it up (FAILED, with the reason):
`settle_alerts`, called wherever a message's end is recorded.

By email too: the patient's volunteer, when they are active and have an address; otherwise
(no volunteer, no address, or their email failed) every coordinator who has one, and when
no coordinator has one either, or every coordinator's email failed, the addresses in
EMERGENCY_EMAIL_FALLBACK. A failed email is tried again (a mail server down for a minute
must not leave an emergency untold) up to NOTIFY_ATTEMPTS times. The health page counts the
emergencies nobody could be told about.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from prima.clock import DatabaseNow
from reminders.models import Escalation, Message, PatientReply, StaffNotification, StaffProfile
from reminders.outbox.queue import URGENT, queue_message
from reminders.phones import mask_phone
from reminders.templating import shortened

logger = logging.getLogger(__name__)

VOLUNTEER = "volunteer"
COORDINATOR = "coordinator"
FALLBACK = "fallback address"
# A notification not sent yet (its email failed, or a crash left it untried) is tried again
# by the tick this long after its last try, NOTIFY_ATTEMPTS times in all.
RETRY_AFTER = timedelta(minutes=2)
NOTIFY_ATTEMPTS = 3
# The texts (WhatsApp `staff_<name>.txt`, email `<name>_subject.txt`, `<name>_body.txt`) for
# each kind of reply staff are told about.
TEMPLATES = {PatientReply.Intent.EMERGENCY: "emergency", PatientReply.Intent.DEATH: "death"}
# The patient's words quoted in a WhatsApp alert at most (the email has them all).
QUOTED_CHARACTERS = 500


def coordinators():
    """Active staff who see every patient: those told when a volunteer cannot be, or did not act."""
    return get_user_model().objects.with_perm(
        "reminders.see_all_patients", backend="django.contrib.auth.backends.ModelBackend"
    ).filter(is_active=True).order_by("username")


def coordinators_with_email():
    return coordinators().exclude(email="")


def coordinators_on_whatsapp() -> QuerySet:
    """Coordinators with a staff WhatsApp number: told when a volunteer cannot be."""
    return coordinators().filter(staff_profile__phone__gt="").select_related("staff_profile")


def staff_phone(user: AbstractBaseUser | None) -> str:
    """An active staff member's own WhatsApp number, or "" when there is none to tell."""
    if user is None or not user.is_active:
        return ""
    return StaffProfile.objects.filter(user=user).values_list("phone", flat=True).first() or ""


def _alert(reply: PatientReply, recipients: list[tuple], role: str,
           volunteer_failed: AbstractBaseUser | None = None, unsure: bool = False) -> list[StaffNotification]:
    """One URGENT WhatsApp per (user, staff number), each with its PENDING notification. The
    text, chosen by what the reply is, names the patient, quotes the words and gives the
    number of whoever wrote; a coordinator's says why the volunteer is not the one told."""
    template = f"staff_{TEMPLATES[reply.intent]}"
    writer = reply.caregiver
    context = {
        "teks": shortened(reply.text, QUOTED_CHARACTERS),
        "nomor": writer.phone if writer else reply.patient.phone,
        "penulis": writer.name if writer else "",
        "hubungan": writer.relation if writer else "",
        "tautan": settings.SITE_URL + reverse("admin:reminders_patientreply_change", args=[reply.id]),
        "koordinator": role == COORDINATOR,
        "relawan": volunteer_failed.get_username() if volunteer_failed else "",
        "belum_pasti": unsure,
    }
    notifications = []
    for user, phone in recipients:
        message = queue_message(reply.patient, template, kind=Message.Kind.STAFF_ALERT, to=phone, priority=URGENT,
                                **context)
        notifications.append(StaffNotification.objects.create(
            patient=reply.patient, reply=reply, recipient=user, role=role, channel=StaffNotification.Channel.WHATSAPP,
            address=phone, message=message,
        ))
    return notifications


def _alert_the_team(reply: PatientReply, volunteer_failed: AbstractBaseUser | None = None,
                    unsure: bool = False) -> list[StaffNotification]:
    """Every coordinator with a number, but one already alerted about this reply."""
    told = set(reply.notifications.filter(channel=StaffNotification.Channel.WHATSAPP).values_list("address", flat=True))
    team = [(user, user.staff_profile.phone) for user in coordinators_on_whatsapp()
            if user.staff_profile.phone not in told]
    if not team:
        logger.warning("reply_id=%s patient_id=%s: no coordinator to tell has a WhatsApp number", reply.id,
                       reply.patient_id)
    return _alert(reply, team, COORDINATOR, volunteer_failed, unsure)


def _notify(reply: PatientReply, recipients: list[tuple], role: str) -> list[StaffNotification]:
    """One email notification per (user or None, address)."""
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


def notify_staff(reply: PatientReply, unsure: bool = False) -> list[StaffNotification]:
    """Tell staff about an emergency or a death (by `reply.intent`), in the caller's
    transaction: the WhatsApp alerts queued with it, the emails sent once it commits. Returns
    the notifications (none when nobody has a number or an address: the caller says so).
    `unsure`: a caregiver of several patients did not say which one; the alert says so."""
    volunteer = reply.patient.volunteer
    phone = staff_phone(volunteer)
    alerts = (_alert(reply, [(volunteer, phone)], VOLUNTEER, unsure=unsure) if phone
              else _alert_the_team(reply, unsure=unsure))
    if volunteer is not None and volunteer.is_active and volunteer.email:
        emails = _notify(reply, [(volunteer, volunteer.email)], VOLUNTEER)
    else:
        emails = _notify_the_team(reply)
    ids = [notification.id for notification in emails]
    transaction.on_commit(lambda: send_notifications(ids), robust=True)
    return alerts + emails


_SETTLE_SQL = f"""
UPDATE {StaffNotification._meta.db_table} AS n
   SET status = m.outcome, sent_at = m.sent_at, attempts = m.attempts, error = m.reason
  FROM (SELECT id, status AS message_status, sent_at, attempts,
               CASE WHEN status IN ('{Message.Status.FAILED}', '{Message.Status.CANCELLED}')
                    THEN '{StaffNotification.Status.FAILED}' ELSE '{StaffNotification.Status.SENT}' END AS outcome,
               CASE WHEN status IN ('{Message.Status.FAILED}', '{Message.Status.CANCELLED}')
                    THEN coalesce(nullif(end_reason, ''), last_error) ELSE '' END AS reason
          FROM {Message._meta.db_table}
         WHERE id = ANY(%s) AND status NOT IN ('{Message.Status.QUEUED}', '{Message.Status.SENDING}')) AS m
 WHERE n.message_id = m.id AND n.status <> m.outcome
RETURNING n.id, m.message_status, n.escalation_id, n.role, n.sent_at
"""


def settle_alerts(message_ids: list[int]) -> None:
    """The WhatsApp notifications of these alert messages (urgent alerts, escalations), told
    what became of them: SENT once the gateway accepted the message, FAILED with the reason
    once it failed or was withdrawn. To be called, in the same transaction, wherever an
    alert's end is recorded. A conditional UPDATE: of processes settling the same message at
    once, one changes each notification, and only that one passes a volunteer's failed alert
    (not one a person withdrew) on to the coordinators, unless the reply was handled meanwhile.
    An escalation's alert sent writes when the volunteer, or the first coordinator, was told;
    one to the volunteer that failed is passed on by the next tick (`escalations.tell_coordinators`)."""
    with connection.cursor() as cursor:
        cursor.execute(_SETTLE_SQL, [message_ids])
        settled = cursor.fetchall()
    for _row_id, status, escalation_id, role, sent_at in settled:
        if escalation_id and sent_at and status not in (Message.Status.FAILED, Message.Status.CANCELLED):
            told = "volunteer_told_at" if role == VOLUNTEER else "coordinators_told_at"
            Escalation.objects.filter(id=escalation_id, **{f"{told}__isnull": True}).update(**{told: sent_at})
    failed = [row_id for row_id, status, escalation_id, _role, _sent in settled
              if status == Message.Status.FAILED and escalation_id is None]
    if not failed:
        return
    for notification in StaffNotification.objects.filter(id__in=failed, role=VOLUNTEER, reply__isnull=False
                                                          ).select_related("reply__patient", "reply__caregiver",
                                                                           "recipient"):
        if notification.reply.handled_at is None:
            _alert_the_team(notification.reply, volunteer_failed=notification.recipient)


def settle_ended_alerts() -> int:
    """The tick's net: WhatsApp notifications still PENDING whose alert has ended (a path that
    ended it without settling, a person's *Cancel* of an escalation alert), settled now.
    Served by the pending notifications' partial index."""
    ended = StaffNotification.objects.filter(
        status=StaffNotification.Status.PENDING, channel=StaffNotification.Channel.WHATSAPP,
        message__status__in=[Message.Status.SENT, Message.Status.DELIVERED, Message.Status.READ,
                             Message.Status.FAILED, Message.Status.CANCELLED],
    ).values_list("message_id", flat=True)[:500]
    ids = list(ended)
    if ids:
        with transaction.atomic():
            settle_alerts(ids)
    return len(ids)


def _email(notification: StaffNotification) -> None:
    reply, patient = notification.reply, notification.patient
    context = {
        "patient": patient,
        "reply": reply,
        "masked_phone": mask_phone(patient.phone),
        "admin_url": settings.SITE_URL + reverse("admin:reminders_patientreply_change", args=[reply.id]),
    }
    name = TEMPLATES[reply.intent]
    # One line whatever a name holds: a header with a line break is refused by the mail library.
    subject = " ".join(render_to_string(f"reminders/email/{name}_subject.txt", context).split())
    body = render_to_string(f"reminders/email/{name}_body.txt", context)
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
        elif final and not notification.reply.notifications.filter(channel=StaffNotification.Channel.EMAIL).exclude(
                status=StaffNotification.Status.FAILED).exists():
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
    """Housekeeping: emails not sent yet whose last try (or creation, if a crash left them
    untried) is RETRY_AFTER old. (A WhatsApp alert is retried by the outbox.)"""
    due = StaffNotification.objects.filter(status=StaffNotification.Status.PENDING,
                                           channel=StaffNotification.Channel.EMAIL).filter(
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
    """What the patient may truthfully be told about who hears of it: their volunteer when
    being told by some channel, else the team when anyone is."""
    if not notifications:
        return ""
    return "volunteer" if any(n.role == VOLUNTEER for n in notifications) else "team"
