"""The outbox: everything that leaves PRIMA. Queueing our own messages (`queue`), the send
pipeline and its claims (`sending`, `dispatch`), the WhatsApp devices and their pauses
(`devices`, `pauses`), what the gateway tells us back (`provider_events`), and staff told of an
emergency by WhatsApp and email (`notifications`).

May import: `reminders.doses`, `reminders.models`, `reminders.backends` (the gateways it
drives) and the leaves `reminders.phones`, `reminders.templating`.
"""
