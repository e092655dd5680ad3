from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import District, School, Teacher, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Fulcrum role", {"fields": ("role", "administered_districts")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Fulcrum role", {"fields": ("role",)}))
    filter_horizontal = ("administered_districts", "groups", "user_permissions")


class SchoolInline(admin.TabularInline):
    model = School
    extra = 0


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [SchoolInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "district")
    list_filter = ("district",)
    search_fields = ("name", "district__name")
    list_select_related = ("district",)


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "email", "school", "district", "grade_band", "subject", "active")
    list_filter = ("active", "grade_band", "district")
    search_fields = ("first_name", "last_name", "email", "school__name")
    list_select_related = ("school", "district")
    autocomplete_fields = ("user",)
    raw_id_fields = ("school",)
