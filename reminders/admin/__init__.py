"""The volunteers' whole interface, one module per page family.

A volunteer sees and changes only the patients assigned to them and what belongs to those
patients; a coordinator sees everyone and assigns patients (`scoping.py`). The work itself
lives in reminders/workspace/volunteer_actions.py, conversation/consent.py and doses/compliance.py.
"""
from reminders.admin import (  # noqa: F401 (each registers its pages)
    check_ins, escalations, message_templates, messages, patients, reminders, replies, schedules, system,
    team, users,
)
