"""Django admin for administrators. Every listing of people goes through the scope rule."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import scope
from .forms import AdminUserCreationForm
from .models import AuditLog, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    form = movenodeform_factory(OrgUnit, exclude=["full_path"])
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code", "full_path"]

    def get_queryset(self, request):
        return scope.filter_units(request.user, super().get_queryset(request))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = AdminUserCreationForm
    ordering = ["employee_no"]
    list_display = ["employee_no", "full_name", "org_unit", "staff_category", "position", "is_active"]
    list_filter = ["staff_category", "is_active", "is_staff", "groups"]
    search_fields = ["employee_no", "full_name", "email", "credential_no", "phone"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]
    filter_horizontal = ["groups", "user_permissions", "scope_units"]
    fieldsets = (
        (None, {"fields": ("employee_no", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone")}),
        (_("任职"), {"fields": ("org_unit", "position", "staff_category", "credential_no", "joined_on", "left_on")}),
        (
            _("角色与权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "scope_units", "user_permissions")},
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("employee_no", "full_name", "org_unit", "staff_category", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):
        return scope.filter_people(request.user, super().get_queryset(request))


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__full_name", "actor__employee_no"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
