"""`{{ stored|told }}`: a text PRIMA stored in English (a pause's reason, an outcome) in the
reader's language, in a template (reminders/workspace/outcomes.py)."""
from django import template

from reminders.workspace.outcomes import describe

register = template.Library()


@register.filter
def told(stored: str) -> str:
    return describe(stored)
