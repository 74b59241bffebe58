"""Messages and choices are read-only in the admin: they are written by ``notifications.services`` only."""

from django.contrib import admin

from notifications.models import Notification, NotificationPreference


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("created_at", "user", "title", "kind", "read_at", "email_status", "sms_status")
    list_filter = ("kind", "email_status", "sms_status", "digest")
    search_fields = ("user__full_name", "title")
    list_select_related = ("user",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(_ReadOnly):
    list_display = ("user", "kind", "email", "sms", "updated_at")
    list_filter = ("kind",)
    search_fields = ("user__full_name", "user__employee_no")
    list_select_related = ("user",)
