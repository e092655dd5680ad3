from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Delivery, DeliveryStatus, ProgramMailSettings, Reminder, Subscription
from .services import delivery_retry


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
    actions = ["send_again"]

    @admin.action(description="Send the selected failed emails again (at the next beat tick)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        failed = list(queryset.filter(status=DeliveryStatus.FAILED))
        for delivery in failed:
            delivery_retry(delivery=delivery)
        self.message_user(request, f"{len(failed)} email(s) will be sent again within five minutes.")


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin[Reminder]):
    list_display = ["coach", "since", "sent_at", "attempts", "last_error"]


admin.site.register(ProgramMailSettings)
