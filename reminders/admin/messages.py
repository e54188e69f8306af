"""The outbox, read-only: PRIMA writes messages; people may only retry or cancel them."""
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reminders.admin.scoping import VolunteerScopedAdmin, report_refusals, told
from reminders.models import Message
from reminders.phones import mask_phone
from reminders.workspace.volunteer_actions import cancel_messages, resend


@admin.register(Message)
class MessageAdmin(VolunteerScopedAdmin):
    # What happened to each message; its number, errors and Fonnte's id are on its own page.
    list_display = ["patient", "kind", "status", "send_after", "attempts", "sent_at", "end_reason_text"]
    phone_columns = ["patient", "kind", "status", "send_after", "end_reason_text"]
    list_filter = ["status", "kind"]
    search_fields = ["patient__name", "phone", "provider_message_id"]
    date_hierarchy = "send_after"
    list_select_related = ["patient"]
    show_full_result_count = False
    fields = ["patient", "reminder", "kind", "status", "masked_phone", "device", "body", "send_after", "priority",
              "attempts", "max_attempts", "last_error_text", "end_reason_text", "provider_message_id", "sent_at",
              "delivered_at", "read_at", "created_at", "updated_at"]
    readonly_fields = fields
    actions = ["retry", "cancel"]

    last_error_text = told(Message, "last_error")
    end_reason_text = told(Message, "end_reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """Messages are written by PRIMA only: no one edits one (its number, text, status or
        priority); the actions below are the only way to act on them."""
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, message: Message) -> str:
        return mask_phone(message.phone)

    @admin.action(description=_("Retry (queue a failed message again)"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        result = resend(queryset)
        self.message_user(request, _("%(count)d failed message(s) queued again.") % {"count": result.queued})
        report_refusals(self, request, result.refused)

    @admin.action(description=_("Cancel (withdraw a message not sent yet)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        cancelled = cancel_messages(queryset, request.user)
        self.message_user(request, _("%(count)d queued message(s) cancelled.") % {"count": cancelled})

