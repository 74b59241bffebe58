"""Django admin of the review: administrators edit each year's rule; outcomes are read-only (scoped)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts import scope
from review.models import AnnualReviewOutcome, AnnualReviewRule


@admin.register(AnnualReviewRule)
class AnnualReviewRuleAdmin(admin.ModelAdmin):
    list_display = ["year", "requires_hours", "annual_exam", "updated_at"]
    list_select_related = ["annual_exam"]
    fields = ["year", "requires_hours", "annual_exam", "note"]


@admin.register(AnnualReviewOutcome)
class AnnualReviewOutcomeAdmin(admin.ModelAdmin):
    list_display = ["credential", "year", "passed", "reasons_text", "hours", "cleared_at"]
    list_filter = ["year", "passed"]
    search_fields = ["credential__number", "credential__holder__full_name", "credential__holder__employee_no"]
    list_select_related = ["credential__holder"]

    @admin.display(description=_("未通过原因"))
    def reasons_text(self, obj) -> str:
        return "；".join(obj.reasons or [])

    def get_queryset(self, request):
        return scope.filter_people(request.user, super().get_queryset(request), user_field="credential__holder")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
