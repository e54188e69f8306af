"""The conversation: what patients and families write, and what it does. Reading a message
(`classifier`), applying a reply to the dose or question it answers (`replies`), consent,
emergencies, deaths, the weekly check-in, caregivers. `webhooks/` calls these public functions.

May import: `reminders.outbox`, `reminders.doses`, `reminders.models` and the leaves.
"""
