"""The doses: turning schedules into doses at their times (`materialise`), and what compliance
counts from them (`compliance`).

May import: `reminders.models` and the leaves `reminders.phones`, `reminders.templating`.
"""
