"""Admin of the learning app (the credential review's models are registered by the review app).

The ledger is read-only here like everywhere: no add, change or delete. Requirements,
credit rules and hour categories are what administrators edit without a deploy.
"""

from django.contrib import admin

from learning.models import (
    AnnualRequirement,
    CategoryMinimum,
    CreditRuleSet,
    HourCategory,
    LedgerEntry,
    PersonYearBalance,
    YearClose,
    YearStatus,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("earned_on", "user", "hours", "category", "source_kind", "source_ref", "recorded_by", "reverses")
    list_filter = ("year", "source_kind", "category")
    search_fields = ("user__full_name", "user__employee_no", "source_key", "source_ref")
    list_select_related = ("user", "category", "recorded_by", "reverses")
    date_hierarchy = "earned_on"
    show_full_result_count = False


@admin.register(PersonYearBalance)
class PersonYearBalanceAdmin(ReadOnlyAdmin):
    list_display = ("user", "year", "total_hours")
    list_filter = ("year",)
    search_fields = ("user__full_name", "user__employee_no")
    list_select_related = ("user",)


class CategoryMinimumInline(admin.TabularInline):
    model = CategoryMinimum
    extra = 0


@admin.register(AnnualRequirement)
class AnnualRequirementAdmin(admin.ModelAdmin):
    list_display = ("year", "staff_category", "required_hours")
    list_filter = ("year", "staff_category")
    inlines = [CategoryMinimumInline]


@admin.register(CreditRuleSet)
class CreditRuleSetAdmin(admin.ModelAdmin):
    list_display = ("year", "minutes_per_hour", "exam_pass_hours", "lecturer_hours")


@admin.register(HourCategory)
class HourCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")

    def has_delete_permission(self, request, obj=None):
        return False  # ledger rows point at categories


@admin.register(YearClose)
class YearCloseAdmin(ReadOnlyAdmin):
    list_display = ("year", "closed_at", "closed_by", "headcount", "compliant_count")


@admin.register(YearStatus)
class YearStatusAdmin(ReadOnlyAdmin):
    list_display = ("year", "user", "org_unit", "hours", "required_hours", "compliant")
    list_filter = ("year", "compliant")
    search_fields = ("user__full_name", "user__employee_no")
    list_select_related = ("user", "org_unit")
