import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import scope
from accounts.drilldown import in_subtree_q, tree_order
from accounts.models import OrgUnit, StaffCategory, User


class StaffFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名/工号/执法证号"), method="filter_q")
    unit = django_filters.ModelChoiceFilter(
        label=_("单位（含下级）"), queryset=OrgUnit.objects.none(), method="filter_unit"
    )
    staff_category = django_filters.ChoiceFilter(label=_("人员类别"), choices=StaffCategory.choices)

    class Meta:
        model = User
        fields = ["q", "unit", "staff_category"]

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].queryset = scope.filter_units(viewer).order_by(tree_order(field=None))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(full_name__contains=value) | Q(employee_no__iexact=value) | Q(credential_no__iexact=value)
        )

    def filter_unit(self, queryset, name, value):
        return queryset.filter(in_subtree_q(value))
