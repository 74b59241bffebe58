from django.contrib import admin

from accounts import scope

from .models import DirectoryEntry


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(admin.ModelAdmin):
    """Which entry of the LDAP directory each person is: written only by the sync, read here."""

    list_display = ["user", "dn", "last_seen_at", "removed_at"]
    list_filter = ["removed_at", "deactivated_by_sync"]
    search_fields = ["dn", "user__employee_no", "user__full_name"]
    list_select_related = ["user"]
    date_hierarchy = "last_seen_at"

    def get_queryset(self, request):
        return scope.filter_people(request.user, super().get_queryset(request), user_field="user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
