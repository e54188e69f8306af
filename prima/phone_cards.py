"""Admin lists that read on a phone: every cell of a list row carries its column's name
(`data-label`), so prima.css can turn the row into a card below a phone's width, and the laptop
keeps its table. A ModelAdmin's `phone_columns` names the few columns a volunteer acts on (who,
the state in words, when, what the patient wrote); the others hide on a phone. The row's link
and checkbox always show: the card must still open and be ticked."""
from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

register = template.Library()

ALWAYS_SHOWN = {"action_checkbox"}


def labelled(cell: str, label: str, hidden: bool) -> SafeString:
    """`cell` (Django's rendered `<td …>` or `<th …>`) with its label, and hidden on a phone."""
    tag, rest = cell[:3], cell[3:]
    attributes = format_html(' data-label="{}"', label) if label else ""
    return mark_safe(tag + attributes + (' data-phone="hidden"' if hidden else "") + rest)


@register.simple_tag
def phone_cells(cl, headers: list[dict], result: Iterable[str]) -> SafeString:
    """One list row's cells, each labelled by its header; those not in `phone_columns` marked
    hidden on a phone (all show when the admin names none)."""
    shown = getattr(cl.model_admin, "phone_columns", None)
    cells = list(result)
    for index, (column, header) in enumerate(zip(cl.list_display, headers)):
        # A time column shown on its patient's clock is a function named after its field.
        name = column if isinstance(column, str) else getattr(column, "__name__", column)
        label = "" if name in ALWAYS_SHOWN else capfirst(str(header["text"]))
        links = cells[index].startswith("<th")  # the column that opens the row
        hidden = shown is not None and name not in shown and name not in ALWAYS_SHOWN and not links
        cells[index] = labelled(cells[index], label, hidden)
    return mark_safe("".join(cells))  # a list_editable row's primary key, if any, comes last, unlabelled
