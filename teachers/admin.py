from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from .audit import AuditAction, audit_record
from .models import AuditEvent, District, School, SignInProvider, Teacher, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Fulcrum role", {"fields": ("role", "administered_districts")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Fulcrum role", {"fields": ("role",)}))
    filter_horizontal = ("administered_districts", "groups", "user_permissions")

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values_list("role", "is_staff", "is_superuser").first()
        super().save_model(request, obj, form, change)
        after = (obj.role, obj.is_staff, obj.is_superuser)
        if before != after:
            audit_record(action=AuditAction.ROLE_CHANGE, actor=request.user, request=request, object_type="user",
                         object_ref=obj.username, detail=f"role/staff/superuser {before} -> {after}")  # fmt: skip

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[User],
        formsets: list[BaseInlineFormSet[Any, User]],
        change: bool,
    ) -> None:
        before = set(form.instance.administered_districts.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.administered_districts.values_list("pk", flat=True))
        for district_id in before ^ after:
            audit_record(action=AuditAction.ROLE_CHANGE, actor=request.user, request=request, district=district_id,
                         object_type="user", object_ref=form.instance.username,
                         detail="became district administrator" if district_id in after
                         else "no longer district administrator")  # fmt: skip


class SchoolInline(admin.TabularInline[School, District]):
    model = School
    extra = 0


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [SchoolInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin[School]):
    list_display = ("name", "district")
    list_filter = ("district",)
    search_fields = ("name", "district__name")
    list_select_related = ("district",)


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin[Teacher]):
    list_display = ("last_name", "first_name", "email", "school", "district", "grade_band", "subject", "active")
    list_filter = ("active", "grade_band", "district")
    search_fields = ("first_name", "last_name", "email", "school__name")
    list_select_related = ("school", "district")
    autocomplete_fields = ("user",)
    raw_id_fields = ("school",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only, even for site administrators."""

    list_display = ("at", "actor_label", "action", "object_type", "object_ref", "district_id", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_ref", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


class SignInProviderForm(forms.ModelForm[SignInProvider]):
    """The client secret is written, never shown again: left empty on a change, it stays as it was."""

    issuer = forms.URLField(max_length=300, assume_scheme="https",
                            help_text=SignInProvider._meta.get_field("issuer").help_text)  # fmt: skip
    client_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False),
        help_text="From the provider's app registration. Leave empty to keep the one saved.",
    )  # fmt: skip

    class Meta:
        model = SignInProvider
        fields = [
            "display_name",
            "district",
            "issuer",
            "client_id",
            "client_secret",
            "allowed_email_domains",
            "enabled",
        ]

    def clean_client_secret(self) -> str:
        secret = str(self.cleaned_data.get("client_secret") or "")
        if not secret and self.instance.pk:
            return self.instance.client_secret
        if not secret:
            raise forms.ValidationError("Enter the client secret.")
        return secret


@admin.register(SignInProvider)
class SignInProviderAdmin(admin.ModelAdmin[SignInProvider]):
    form = SignInProviderForm
    list_display = ("display_name", "district", "issuer", "allowed_email_domains", "enabled")
    list_filter = ("enabled",)
    search_fields = ("display_name", "issuer", "allowed_email_domains")
