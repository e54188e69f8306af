"""Message texts: a schedule's own template, and PRIMA's templates for its replies.

A schedule's template is a volunteer's text with placeholders. Only the documented ones are
filled, each exactly as written (`{nama}`): no format spec (`{nama:>20000000}` would render
20 MB on every tick), no conversion, no attribute or index access. `template_problems` says
what a form must refuse; `render_template` never does more than substitute, so a row written
before these rules cannot hurt either.
"""
from datetime import date
from string import Formatter

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "nama": gettext_lazy("the patient's name"),
    "waktu": gettext_lazy("the time of the dose or of the appointment (HH:MM)"),
    "tanggal": gettext_lazy("its date (Kamis, 10 Desember 2026)"),
}
# What a new schedule of each kind (ReminderSchedule.Kind) says until a volunteer writes their
# own: in Indonesian, as patients read every message, and naming the answers PRIMA understands.
DEFAULT_TEMPLATES = {
    "MEDICATION": "Halo {nama}, waktunya minum obat pukul {waktu}. Balas SUDAH bila sudah diminum, atau BELUM "
                  "bila belum.",
    "APPOINTMENT": "Halo {nama}, jangan lupa jadwal kontrol {tanggal} pukul {waktu}. Balas HADIR, TERLAMBAT, atau "
                   "BATAL.",
    "OTHER": "Halo {nama}, ini pengingat dari PRIMA untuk pukul {waktu}.",
}
MAX_TEMPLATE_LENGTH = 1000
# Patients read every message in Indonesian, whatever language the volunteer's admin speaks.
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]


def indonesian_date(day: date) -> str:
    """A date as a patient reads it: "Kamis, 10 Desember 2026"."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def _parts(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return list(Formatter().parse(template))


def _as_written(name: str, spec: str | None, conversion: str | None) -> str:
    return "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def template_problems(template: str) -> list[str]:
    """What is wrong with a template, each said so a volunteer can fix it; [] when it is fine."""
    if len(template) > MAX_TEMPLATE_LENGTH:
        return [_("The message is %(length)d characters long; keep it under %(limit)d.")
                % {"length": len(template), "limit": MAX_TEMPLATE_LENGTH}]
    try:
        parts = _parts(template)
    except ValueError:
        return [_("A brace { or } is not closed. Write a placeholder as {nama}, {waktu} or {tanggal}; "
                  "to write a brace itself, double it: {{ or }}.")]
    problems = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        written = _as_written(name, spec, conversion)
        if name not in PLACEHOLDERS:
            problems.append(_("%(part)s is not a placeholder PRIMA knows; use {nama}, {waktu} or {tanggal}.") % {"part": written})
        elif spec or conversion:
            problems.append(_("%(part)s: write the placeholder alone, as {%(name)s}.") % {"part": written, "name": name})
    return problems


def render_template(template: str, **values: str) -> str:
    """Fill the documented placeholders; anything else is left exactly as written."""
    try:
        parts = _parts(template)
    except ValueError:
        return template
    rendered = []
    for literal, name, spec, conversion in parts:
        rendered.append(literal)
        if name is None:
            continue
        simple = name in PLACEHOLDERS and name in values and not spec and not conversion
        rendered.append(values[name] if simple else _as_written(name, spec, conversion))
    return "".join(rendered)


def whatsapp_text(template: str, name: str, **context) -> str:
    """A message body from reminders/templates/reminders/whatsapp/<template>.txt."""
    return render_to_string(f"reminders/whatsapp/{template}.txt", {"nama": name, **context}).strip()


def introduced(body: str, caregiver: str, patient: str) -> str:
    """`body` as the first message a caregiver gets: who PRIMA is, whose reminders these are, and
    how to stop, before it."""
    return f"{whatsapp_text('caregiver_introduction', caregiver, pasien=patient)}\n\n{body}"


def shortened(text: str, limit: int = 200) -> str:
    """A patient's words as they fit a field or an alert, marked when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
