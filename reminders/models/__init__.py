"""The reminders app's tables, by topic: fields (field classes, validators, time zones,
weekdays), senders (devices, their state, sending pauses), people (patients, caregivers, staff
numbers), doses (schedules, reminders, weekly check-ins), outbox (messages), replies, staff
(notifications, escalations) and system (the scheduler's heartbeat). Import from here, as the
migrations do (`reminders.models.PhoneNumberField`): every name is kept at this path.

States are contracts (see ../shared/DESIGN.md); background code changes them only with
targeted conditional UPDATEs so that two processes can never both win a transition.

These modules import only prima.clock, reminders.clocks, reminders.phones, reminders.templating and
Django: nothing else of reminders, which is built on the tables, never the other way round.
"""
from reminders.models.doses import (
    CheckIn, CheckInQuerySet, Reminder, ReminderQuerySet, ReminderSchedule, ReminderScheduleQuerySet, catch_up_start,
    too_late_text,
)
from reminders.models.fields import (
    TIME_ZONES, WEEKDAYS, ZONE_NAMES, DatabaseOwnedFields, PhoneNumberField, WeekdaysField, every_weekday,
    validate_printable, validate_time_zone,
)
from reminders.models.outbox import NOTICE_HELD, Message, MessageQuerySet, PrunedMessageTally, Refusal
from reminders.models.people import (
    CAREGIVER_PHONE_TAKEN, Caregiver, CaregiverQuerySet, Patient, PatientQuerySet, StaffProfile,
    Volunteer, staff_name, why_no_caregiver_receives,
)
from reminders.models.replies import PatientReply, PatientReplyQuerySet
from reminders.models.senders import (
    CustomerServiceWindow, Device, DeviceQuerySet, DeviceState, MessageTemplate, SendingPause,
)
from reminders.models.staff import (
    Escalation, EscalationQuerySet, HandlingOutcome, HandlingRecord, StaffNotification,
)
from reminders.models.system import SchedulerHeartbeat

__all__ = [
    "CAREGIVER_PHONE_TAKEN", "NOTICE_HELD", "TIME_ZONES", "WEEKDAYS", "ZONE_NAMES",
    "Caregiver", "CaregiverQuerySet", "CheckIn", "CheckInQuerySet", "CustomerServiceWindow", "DatabaseOwnedFields", "Device", "DeviceQuerySet",
    "DeviceState",
    "Escalation", "EscalationQuerySet", "HandlingOutcome", "HandlingRecord", "Message", "MessageQuerySet",
    "MessageTemplate", "Patient", "PatientQuerySet", "PatientReply", "PatientReplyQuerySet", "PhoneNumberField",
    "PrunedMessageTally", "Refusal", "Reminder", "ReminderQuerySet",
    "ReminderSchedule", "ReminderScheduleQuerySet", "SchedulerHeartbeat", "SendingPause", "StaffNotification",
    "StaffProfile", "Volunteer", "WeekdaysField",
    "catch_up_start", "every_weekday", "staff_name", "too_late_text", "validate_printable", "validate_time_zone",
    "why_no_caregiver_receives",
]
