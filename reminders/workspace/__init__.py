"""The volunteers' and coordinators' workspace: what they are shown (Hari ini: `today`;
`escalations`; stored outcomes in the reader's language: `outcomes`; compliance `charts`),
what they do (`volunteer_actions`), and who may do it (`roles`). The admin renders it.

May import: `reminders.conversation`, `reminders.outbox`, `reminders.doses`, `reminders.models`
and the leaves. Nothing below imports it.
"""
