"""`{{ moment|patient_time:patient }}`: a patient's moment on the patient's clock, named, in a
template (reminders/clocks.py)."""
from datetime import datetime

from django import template

from reminders import clocks

register = template.Library()


@register.filter
def patient_time(moment: datetime | None, patient) -> str:
    return clocks.patient_time(moment, patient)
