from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Activity, Coach, CoachMonth, Contract, FocusArea, LogEntry, Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ("name", "non_coaching_threshold")
    search_fields = ("name",)
    filter_horizontal = ("directors",)


@admin.register(Coach)
class CoachAdmin(admin.ModelAdmin[Coach]):
    list_display = ("__str__", "program", "active")
    list_filter = ("program", "active")
    search_fields = ("user__first_name", "user__last_name", "user__email")
    list_select_related = ("user", "program")
    autocomplete_fields = ("user",)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    list_display = ("district", "program", "school_year", "contracted_days", "daily_rate")
    list_filter = ("school_year", "program")
    search_fields = ("district__name", "program__name")
    list_select_related = ("district", "program")
    filter_horizontal = ("coaches",)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin[Activity]):
    list_display = ("name", "kind", "balance", "program", "position", "active")
    list_filter = ("kind", "balance", "active", "program")
    search_fields = ("name",)
    list_editable = ("position", "active")


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin[FocusArea]):
    list_display = ("name", "program", "position", "active")
    list_filter = ("active", "program")
    search_fields = ("name",)
    list_editable = ("position", "active")


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin[LogEntry]):
    list_display = ("date", "coach", "district", "activity", "focus_area", "minutes", "format")
    list_filter = ("format", "activity__kind", "district", "activity")
    search_fields = ("coach__user__last_name", "district__name", "activity__name")
    date_hierarchy = "date"
    list_select_related = ("coach__user", "district", "activity", "focus_area")
    raw_id_fields = ("coach", "school", "teachers")
    readonly_fields = ("school_year", "created_at", "updated_at")


@admin.register(CoachMonth)
class CoachMonthAdmin(admin.ModelAdmin[CoachMonth]):
    """Read only: months are submitted, approved, returned and reopened on the Approvals page,
    which audits every decision."""

    list_display = ("coach", "month", "status", "submitted_at", "decided_at", "decided_by")
    list_filter = ("status", "coach__program")
    search_fields = ("coach__user__first_name", "coach__user__last_name")
    list_select_related = ("coach__user", "decided_by")
    date_hierarchy = "month"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CoachMonth | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CoachMonth | None = None) -> bool:
        return False
