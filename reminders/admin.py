from django.contrib import admin
from django.core.exceptions import ValidationError

from reminders.models import Message, Patient, Reminder, ReminderSchedule
from reminders.phones import mask_phone, normalise_phone


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
