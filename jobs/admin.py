from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "scope_label", "requested_by", "status", "done", "total", "resumes", "created_at"]
    list_filter = ["status", "kind", "incident"]
    list_select_related = ["scope_unit", "requested_by"]
    search_fields = ["scope_label", "requested_by__full_name"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def get_queryset(self, request):
        jobs = super().get_queryset(request)
        from .selectors import jobs_visible_to

        return jobs.filter(pk__in=jobs_visible_to(request.user).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
