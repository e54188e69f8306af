from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from reminders.models import Message, Patient, PatientReply, Reminder, ReminderSchedule
from reminders.phones import mask_phone, normalise_phone
from reminders.replies import send_verification


class ReminderScheduleInline(admin.TabularInline):
    model = ReminderSchedule
    extra = 0
    fields = ["kind", "time_of_day", "weekdays", "start_date", "end_date", "is_active", "message_template"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "time_zone", "verification_status", "opted_out_at", "is_active", "volunteer"]
    list_filter = ["verification_status", "is_active", "time_zone", ("opted_out_at", admin.EmptyFieldListFilter), "volunteer"]
    search_fields = ["name", "phone"]
    list_select_related = ["volunteer"]
    inlines = [ReminderScheduleInline]
    readonly_fields = ["verification_sent_at", "verification_answered_at", "verification_expires_at",
                       "verification_attempts", "created_at"]
    actions = ["send_verification_question"]

    @admin.action(description="Send (or resend) the verification question")
    def send_verification_question(self, request, queryset) -> None:
        sent = sum(send_verification(patient) is not None for patient in queryset)
        skipped = queryset.count() - sent
        self.message_user(
            request,
            f"Verification question queued for {sent} patient(s)"
            + (f"; {skipped} skipped (already verified or declined)." if skipped else "."),
            messages.SUCCESS,
        )

    def get_search_results(self, request, queryset, search_term):
        """Find a patient by phone in any spelling (0812…, 62812…, +62 812…)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalise_phone(search_term)
        except ValidationError:
            return found, may_have_duplicates
        return found | queryset.filter(phone=phone), may_have_duplicates


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "time_of_day", "start_date", "end_date", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["patient__name", "patient__phone", "message_template"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["patient", "schedule_kind", "due_at", "confirmation_status", "confirmation_method", "responded_at"]
    list_filter = ["confirmation_status", "schedule__kind", "confirmation_method"]
    search_fields = ["patient__name", "patient__phone"]
    date_hierarchy = "due_at"
    list_select_related = ["patient", "schedule"]
    raw_id_fields = ["schedule", "patient"]
    show_full_result_count = False

    @admin.display(description="kind", ordering="schedule__kind")
    def schedule_kind(self, reminder: Reminder) -> str:
        return reminder.schedule.get_kind_display()


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "status", "send_after", "attempts", "masked_phone", "sent_at", "end_reason"]
    list_filter = ["status", "kind"]
    search_fields = ["patient__name", "phone", "provider_message_id"]
    date_hierarchy = "send_after"
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "reminder"]
    show_full_result_count = False
    readonly_fields = ["lease_token", "lease_expires_at", "attempts", "provider_message_id", "sent_at",
                       "delivered_at", "read_at", "created_at", "updated_at"]

    @admin.display(description="phone", ordering="phone")
    def masked_phone(self, message: Message) -> str:
        return mask_phone(message.phone)


@admin.register(PatientReply)
class PatientReplyAdmin(admin.ModelAdmin):
    list_display = ["received_at", "patient", "urgent", "intent", "text", "outcome", "needs_attention", "handled_at"]
    list_filter = ["needs_attention", "urgent", "intent", ("handled_at", admin.EmptyFieldListFilter)]
    search_fields = ["patient__name", "patient__phone", "text"]
    date_hierarchy = "received_at"
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "reminder"]
    readonly_fields = ["patient", "reminder", "text", "intent", "outcome", "received_at", "acknowledged",
                       "handled_by", "handled_at"]
    show_full_result_count = False
    actions = ["mark_handled"]

    def get_ordering(self, request):
        return ["-urgent", "-received_at"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Mark as handled")
    def mark_handled(self, request, queryset) -> None:
        handled = queryset.filter(handled_at__isnull=True).update(handled_by=request.user, handled_at=timezone.now())
        self.message_user(request, f"{handled} repl(ies) marked as handled by you.", messages.SUCCESS)
