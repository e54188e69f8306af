import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reminders.workspace.outcomes import describe
from webhooks.models import WebhookEvent
from webhooks.services import process_event


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "received_at", "attempts", "result_shown"]
    list_filter = ["kind", "state"]
    search_fields = ["dedupe_key", "result", "error"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ["process_again"]
    fields = ["kind", "state", "result_shown", "error", "attempts", "received_at", "processed_at", "dedupe_key",
              "content_type", "pretty_payload", "raw_body"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_process_permission(self, request) -> bool:
        """Processing an event again changes what it changed: it takes the change permission."""
        return request.user.has_perm("webhooks.change_webhookevent")

    @admin.display(description=WebhookEvent._meta.get_field("result").verbose_name, ordering="result")
    def result_shown(self, event: WebhookEvent) -> str:
        """What processing did, in the reader's language (reminders/workspace/outcomes.py)."""
        return describe(event.result) or "—"

    @admin.display(description=_("payload"))
    def pretty_payload(self, event: WebhookEvent) -> str:
        if event.payload is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, ensure_ascii=False))

    @admin.action(description=_("Process again"), permissions=["process"])
    def process_again(self, request, queryset) -> None:
        retried = queryset.exclude(state=WebhookEvent.State.PROCESSED)
        retried.update(state=WebhookEvent.State.FAILED, attempts=0)
        outcomes = [process_event(event) for event in retried]
        self.message_user(
            request,
            _("Processed %(count)d event(s) again: %(outcomes)s")
            % {"count": len(outcomes), "outcomes": ", ".join(sorted(set(outcomes))) or "—"},
            messages.SUCCESS,
        )
