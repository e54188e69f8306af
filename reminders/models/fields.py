"""Field classes and validators, the time zones and weekdays PRIMA knows, and DatabaseOwnedFields."""
import unicodedata

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from reminders.phones import PhoneFormField, normalise_phone

TIME_ZONES = [
    ("Asia/Jakarta", "WIB (Asia/Jakarta)"),
    ("Asia/Makassar", "WITA (Asia/Makassar)"),
    ("Asia/Jayapura", "WIT (Asia/Jayapura)"),
]

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def every_weekday() -> list[int]:
    return [day for day, _label in WEEKDAYS]


class PhoneNumberField(models.CharField):
    """A CharField that stores E.164 and rejects what `phonenumbers` cannot read."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalise_phone(value)

    def pre_save(self, model_instance, add):
        """Normalise on every save, so rows written by code are as clean as the admin's."""
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneFormField, **kwargs})


# How long before an appointment its reminders go out, in minutes (ReminderSchedule.reminder_offsets):
# a few a volunteer understands at a glance. 0 is "at its time", every other schedule's only one.
REMINDER_OFFSETS = [
    (1440, _("The day before, at the same time")),
    (180, _("3 hours before")),
    (120, _("2 hours before")),
    (60, _("1 hour before")),
    (0, _("At its time")),
]


class CheckboxesField(ArrayField):
    """Small numbers from a fixed list (`options`), as a Postgres int array, edited as checkboxes
    in the admin."""

    options: list = []

    def __init__(self, **kwargs):
        kwargs.setdefault("base_field", models.PositiveSmallIntegerField(choices=self.options))
        super().__init__(**kwargs)

    def formfield(self, **kwargs):
        from django import forms

        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.options,
            "coerce": int,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class WeekdaysField(CheckboxesField):
    """Weekdays (0 is Monday)."""

    options = WEEKDAYS


def at_its_time() -> list[int]:
    return [0]


class ReminderOffsetsField(CheckboxesField):
    """Minutes before a schedule's time that its reminders go out (REMINDER_OFFSETS)."""

    options = REMINDER_OFFSETS


ZONE_NAMES = [name for name, _label in TIME_ZONES]


def validate_printable(value: str) -> None:
    """No control characters (a newline, a tab, an escape): a name goes into email headers and
    WhatsApp texts, where they break the first and garble the second."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise ValidationError(_("Use letters, digits and punctuation only; no line breaks or control characters."),
                              code="control_characters")


def validate_time_zone(value: str) -> None:
    if value not in ZONE_NAMES:
        raise ValidationError(
            _("%(value)s is not a time zone PRIMA knows; choose one of %(zones)s."),
            code="invalid_time_zone",
            params={"value": value, "zones": ", ".join(ZONE_NAMES)},
        )


class DatabaseOwnedFields(models.Model):
    """A model some of whose columns only the scheduler and the triggers write: an edit
    saved from a form (loaded before they changed) must not write its stale copy back."""

    database_owned_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.database_owned_fields
            ]
        super().save(*args, **kwargs)
