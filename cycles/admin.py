from django.contrib import admin

from .models import (
    Adjustment,
    ChecklistItem,
    Cycle,
    CycleTime,
    Evidence,
    Goal,
    ProgressMeasure,
    Reflection,
    ReflectionLink,
    StageChange,
)


class GoalInline(admin.StackedInline[Goal, Cycle]):
    model = Goal
    extra = 0


class StageChangeInline(admin.TabularInline[StageChange, Cycle]):
    model = StageChange
    extra = 0
    readonly_fields = ("from_stage", "to_stage", "changed_by", "changed_at", "reason")


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin[Cycle]):
    list_display = ("title", "coach", "school", "stage", "shared_with_admins", "started_on", "closed_on")
    list_filter = ("stage", "outcome", "shared_with_admins", "district")
    search_fields = ("title", "teachers__last_name", "coach__user__last_name", "school__name")
    list_select_related = ("coach__user", "school")
    raw_id_fields = ("coach", "teachers", "school", "district")
    readonly_fields = ("public_id", "version", "created_at", "updated_at")
    inlines = [GoalInline, StageChangeInline]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin[Goal]):
    list_display = ("statement", "cycle", "target", "deadline", "is_current", "met_on")
    list_filter = ("is_current",)
    search_fields = ("statement", "cycle__title")
    raw_id_fields = ("cycle", "created_by")


@admin.register(ProgressMeasure)
class ProgressMeasureAdmin(admin.ModelAdmin[ProgressMeasure]):
    list_display = ("goal", "date", "value", "n_students")
    search_fields = ("goal__statement",)
    raw_id_fields = ("goal", "recorded_by")
    date_hierarchy = "date"


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin[Evidence]):
    list_display = ("cycle", "kind", "file_name", "added_at")
    list_filter = ("kind",)
    search_fields = ("cycle__title", "note")
    raw_id_fields = ("cycle", "added_by")


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin[ChecklistItem]):
    list_display = ("text", "cycle", "done", "position")
    list_filter = ("done",)
    search_fields = ("text", "cycle__title")
    raw_id_fields = ("cycle",)


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin[Adjustment]):
    list_display = ("cycle", "kind", "made_at")
    list_filter = ("kind",)
    search_fields = ("cycle__title", "note")
    raw_id_fields = ("cycle", "made_by")


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin[StageChange]):
    list_display = ("cycle", "from_stage", "to_stage", "changed_by", "changed_at")
    list_filter = ("to_stage",)
    search_fields = ("cycle__title", "reason")
    raw_id_fields = ("cycle", "changed_by")


@admin.register(CycleTime)
class CycleTimeAdmin(admin.ModelAdmin[CycleTime]):
    list_display = ("cycle", "entry")
    search_fields = ("cycle__title",)
    raw_id_fields = ("cycle", "entry")


@admin.register(Reflection)
class ReflectionAdmin(admin.ModelAdmin[Reflection]):
    list_display = ("public_id", "occasion", "cycle", "teacher", "author", "confidence", "via_link", "created_at")
    list_filter = ("occasion", "via_link")
    search_fields = ("cycle__title", "teacher__last_name")
    raw_id_fields = ("cycle", "teacher", "author")
    readonly_fields = ("public_id",)


@admin.register(ReflectionLink)
class ReflectionLinkAdmin(admin.ModelAdmin[ReflectionLink]):
    list_display = ("public_id", "cycle", "teacher", "occasion", "created_at", "expires_at", "used_at")
    list_filter = ("occasion",)
    search_fields = ("cycle__title", "teacher__last_name")
    raw_id_fields = ("cycle", "teacher", "created_by", "reflection")
    readonly_fields = ("public_id", "token_hash")
