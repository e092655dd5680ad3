from django.contrib import admin

from .models import Delivery, ProgramMailSettings, Reminder, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ["user", "scope_name", "frequency", "active", "created_at"]
    list_filter = ["frequency", "active"]
    search_fields = ["user__username", "scope_name"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    """Site administrators follow every failed or stopped delivery here, with its error."""

    list_display = ["subscription", "period_label", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status"]
    readonly_fields = ["token_hash"]
    search_fields = ["subscription__user__username", "subscription__scope_name"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin[Reminder]):
    list_display = ["coach", "since", "sent_at", "attempts", "last_error"]


admin.site.register(ProgramMailSettings)
