"""Forms of the hours pages: the compliance filters and the HR adjustment/reversal forms."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffCategory
from core import timeutil
from learning.models import HourCategory
from learning.selectors.compliance import SORT_FIELDS, STATUS_CHOICES

YEARS_BACK = 5


def year_choices() -> list[tuple[int, str]]:
    this_year = timeutil.current_year()
    return [(y, _("%(y)s 年") % {"y": y}) for y in range(this_year, this_year - YEARS_BACK, -1)]


class FilterForm(forms.Form):
    """A GET filter form whose valid fields count even when another one is not (a stale bookmark, a typo)."""

    def valid_data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


class ComplianceFilterForm(FilterForm):
    """Query-string filters; anything invalid falls back to the default instead of erroring."""

    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    unit = forms.CharField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部"))] + list(STATUS_CHOICES), required=False)
    staff_category = forms.ChoiceField(
        label=_("人员类别"), choices=[("", _("全部"))] + list(StaffCategory.choices), required=False
    )
    q = forms.CharField(label=_("姓名或工号"), max_length=64, required=False)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("unit", _("按单位")),
            ("hours", _("学时从低到高")),
            ("-hours", _("学时从高到低")),
            ("name", _("按姓名")),
            ("employee_no", _("按工号")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("姓名或工号")})

    def values(self) -> dict:
        data = self.valid_data()
        sort = data.get("sort") or "unit"
        return {
            "year": data.get("year") or timeutil.current_year(),
            "unit": (data.get("unit") or "").strip(),
            "status": data.get("status") or "",
            "staff_category": data.get("staff_category") or "",
            "q": (data.get("q") or "").strip(),
            "sort": sort if sort in SORT_FIELDS else "unit",
        }


class ManualAdjustmentForm(forms.Form):
    hours = forms.DecimalField(
        label=_("学时"), min_value=Decimal("0.5"), max_value=Decimal("100"), decimal_places=2, max_digits=5
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=HourCategory.objects.order_by("order"), to_field_name="code", empty_label=None
    )
    earned_on = forms.DateField(label=_("获得日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    source_ref = forms.CharField(label=_("来源说明"), max_length=200, help_text=_("例如：自治区司法厅集中培训班"))
    reason = forms.CharField(label=_("调整原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    request_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, year: int, **kwargs):
        self.year = year
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("request_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault(
            "earned_on", min(timeutil.today(), timeutil.today().replace(year=year, month=12, day=31))
        )
        super().__init__(*args, **kwargs)

    def clean_earned_on(self):
        value = self.cleaned_data["earned_on"]
        if value.year != self.year:
            raise forms.ValidationError(_("获得日期须在 %(year)s 年内。") % {"year": self.year})
        if value > timeutil.today():
            raise forms.ValidationError(_("获得日期不能晚于今天。"))
        return value

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("请填写调整原因。"))
        return value


class ReversalForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=500)

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("请填写冲销原因。"))
        return value
