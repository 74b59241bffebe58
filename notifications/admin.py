"""In-site messages are read-only in the admin: they are written by ``notifications.services`` only."""

from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "title", "kind", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__full_name", "title")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
