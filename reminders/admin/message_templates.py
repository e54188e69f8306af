"""Coordinators' registry of each Cloud API device's WhatsApp templates: what Meta approved,
under which name and language, what each {{n}} takes and what each quick-reply button answers.
Outside a patient's 24-hour window a message goes only as its purpose's APPROVED template here
(reminders/outbox/cloud_api.py); marking one approved sends what waited for it."""
import json
import re

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reminders.models import Device, MessageTemplate
from reminders.outbox.cloud_api import BUTTON_ANSWERS, TEMPLATE_VALUES, wake_held_for_template

PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


class MessageTemplateForm(forms.ModelForm):
    """Refuses what Meta or PRIMA could not send: a name Meta would not accept, a value or a
    button PRIMA does not know, values that do not match the text's {{n}}."""

    class Meta:
        model = MessageTemplate
        fields = ["device", "purpose", "name", "language", "category", "status", "body", "parameters", "buttons"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4}),
                   "parameters": forms.TextInput(attrs={"class": "vTextField"}),
                   "buttons": forms.TextInput(attrs={"class": "vTextField"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = Device.objects.filter(gateway=Device.Gateway.CLOUD_API)
        self.fields["parameters"].help_text = _("What each {{n}} takes, in order, from: %(values)s.") % {
            "values": ", ".join(TEMPLATE_VALUES)}
        self.fields["buttons"].help_text = _("The answer each quick-reply button gives, in order, from: "
                                             "%(answers)s.") % {"answers": ", ".join(BUTTON_ANSWERS)}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise forms.ValidationError(_("Write the name as in Meta's WhatsApp Manager: lowercase letters, digits "
                                          "and _ only."))
        return name

    def _names(self, field: str, known) -> list[str]:
        value = self.cleaned_data.get(field) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise forms.ValidationError(_('Write a list of names, e.g. ["nama", "waktu"].'))
        unknown = [item for item in value if item not in known]
        if unknown:
            raise forms.ValidationError(_("PRIMA does not know %(names)s.") % {"names": json.dumps(unknown)})
        return value

    def clean_parameters(self) -> list[str]:
        return self._names("parameters", TEMPLATE_VALUES)

    def clean_buttons(self) -> list[str]:
        buttons = self._names("buttons", BUTTON_ANSWERS)
        if len(buttons) > 3:
            raise forms.ValidationError(_("PRIMA gives a template three buttons at most."))
        return buttons

    def clean(self) -> dict:
        cleaned = super().clean()
        body, parameters = cleaned.get("body"), cleaned.get("parameters")
        if body is not None and parameters is not None:
            numbers = sorted({int(n) for n in PLACEHOLDER.findall(body)})
            if numbers != list(range(1, len(parameters) + 1)):
                self.add_error("parameters", _("The text has %(found)d placeholder(s) {{1}}…; give one value for "
                                               "each, in order (%(given)d given).")
                               % {"found": len(numbers), "given": len(parameters)})
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["name", "device", "purpose", "language", "category", "status", "updated_at"]
    list_filter = ["status", "purpose", "category", "device"]
    search_fields = ["name", "body", "device__number", "device__label"]
    list_select_related = ["device"]

    def save_model(self, request: HttpRequest, obj: MessageTemplate, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.status == MessageTemplate.Status.APPROVED:
            wake_held_for_template(obj.device_id)
