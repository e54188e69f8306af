"""Appointments are events: their own date (or days that repeat) and time, reminded at offsets
before it. Every schedule gets `reminder_offsets`, [0] ("at its time") for those that exist, so
each sends exactly what it sent before: an appointment schedule's time was what its message
named as the appointment's time, so it stays the appointment's time, reminded at it, until a
volunteer sets the real time and the offsets (docs/doses.md). The edit trigger of 0006 counts
the two new columns as a change of the rule."""

from django.db import migrations, models

import reminders.models.fields
from prima.clock import CLOCK_SQL


def schedule_changed(columns: str) -> str:
    """0006's trigger function, with the rule's columns `columns`."""
    old = ", ".join(f"OLD.{column.strip()}" for column in columns.split(","))
    new = ", ".join(f"NEW.{column.strip()}" for column in columns.split(","))
    return f"""
CREATE OR REPLACE FUNCTION reminders_schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.needs_scheduling := true;
        NEW.active_since := CASE WHEN NEW.is_active THEN {CLOCK_SQL} END;
        RETURN NEW;
    END IF;
    IF ({new}) IS DISTINCT FROM ({old}) THEN
        NEW.needs_scheduling := true;
        NEW.scheduling_problem := '';
    END IF;
    NEW.active_since := CASE WHEN NEW.is_active AND NOT OLD.is_active THEN {CLOCK_SQL} ELSE OLD.active_since END;
    RETURN NEW;
END $$;
"""


RULE = "time_of_day, weekdays, start_date, end_date, is_active, patient_id, message_template"


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0030_mobile_numbers_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='reminderschedule',
            name='appointment_date',
            field=models.DateField(blank=True, help_text="The appointment's own day. Empty: it repeats on the days below.", null=True, verbose_name='appointment date'),
        ),
        migrations.AddField(
            model_name='reminderschedule',
            name='reminder_offsets',
            field=reminders.models.fields.ReminderOffsetsField(base_field=models.PositiveSmallIntegerField(choices=[(1440, 'The day before, at the same time'), (180, '3 hours before'), (120, '2 hours before'), (60, '1 hour before'), (0, 'At its time')]), blank=True, db_default=[0], default=reminders.models.fields.at_its_time, help_text='When the patient is reminded of the appointment.', size=None, verbose_name='remind'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='message_template',
            field=models.TextField(help_text="Placeholders: {nama} (the patient's name), {waktu} (the time), {tanggal} (the date).", verbose_name='message'),
        ),
        migrations.AlterField(
            model_name='reminderschedule',
            name='time_of_day',
            field=models.TimeField(help_text="In the patient's time zone. For an appointment, the appointment's own time: its reminders come before it.", verbose_name='time'),
        ),
        migrations.RunSQL(schedule_changed(f"{RULE}, appointment_date, reminder_offsets"), schedule_changed(RULE)),
    ]
