"""Caregivers on the patient's page: who may get the patient's reminders and answer for them."""
from django.contrib import admin

from reminders.models import Caregiver


class CaregiverInline(admin.TabularInline):
    """A volunteer adds the family member who gives the medicine, once they have agreed to get
    the reminders (`consented_at`); a caregiver's BERHENTI shows here as their opt-out."""

    model = Caregiver
    extra = 0
    fields = ["name", "relation", "phone", "consented_at", "is_active", "opted_out_at"]
    readonly_fields = ["opted_out_at"]
