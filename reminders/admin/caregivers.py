"""Caregivers on the patient's page: who may get the patient's reminders and answer for them."""
from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from reminders.models import CAREGIVER_PHONE_TAKEN, Caregiver


class CaregiverFormSet(BaseInlineFormSet):
    """Two rows of the page with one phone are refused in the words of a row saved before."""

    def get_unique_error_message(self, unique_check) -> str:
        if set(unique_check) == {"patient", "phone"}:
            return str(CAREGIVER_PHONE_TAKEN)
        return super().get_unique_error_message(unique_check)


class CaregiverInline(admin.TabularInline):
    """A volunteer adds the family member who gives the medicine, once they have agreed to get
    the reminders (`consented_at`); a BERHENTI from their phone shows here as their opt-out. The
    patient's own number, or one number twice, is refused (`Caregiver.clean`, the constraint)."""

    model = Caregiver
    formset = CaregiverFormSet
    extra = 0
    fields = ["name", "relation", "phone", "consented_at", "is_active", "opted_out_at"]
    readonly_fields = ["opted_out_at"]
