"""Query-string filters of the review pages; anything invalid falls back to the default."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import timeutil
from learning.forms_ledger import FilterForm
from review.selectors.review import RESULT_CHOICES, RISK_CHOICES, review_years

YEARS_BACK = 5


def roster_year_choices() -> list[tuple[int, str]]:
    """The last few years (the running one shows why it has no roster yet) and every reviewed or closed year."""
    this_year = timeutil.current_year()
    years = set(range(this_year - YEARS_BACK, this_year + 1)) | {y for y in review_years() if y < this_year}
    return [(y, _("%(y)s 年") % {"y": y}) for y in sorted(years, reverse=True)]


def default_roster_year() -> int:
    closed = [y for y in review_years() if y < timeutil.current_year()]
    return closed[0] if closed else timeutil.current_year() - 1


class _Filters(FilterForm):
    unit = forms.CharField(widget=forms.HiddenInput, required=False)
    q = forms.CharField(label=_("姓名、工号或证号"), max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("姓名、工号或证号")})


class RosterFilterForm(_Filters):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    result = forms.ChoiceField(label=_("结果"), choices=[("", _("全部"))] + list(RESULT_CHOICES), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = roster_year_choices()

    def values(self) -> dict:
        data = self.valid_data()
        return {
            "year": data.get("year") or default_roster_year(),
            "unit": (data.get("unit") or "").strip(),
            "result": data.get("result") or "",
            "q": (data.get("q") or "").strip(),
        }


class RiskFilterForm(_Filters):
    risk = forms.ChoiceField(label=_("风险"), choices=[("", _("全部"))] + list(RISK_CHOICES), required=False)

    def values(self) -> dict:
        data = self.valid_data()
        return {
            "unit": (data.get("unit") or "").strip(),
            "risk": data.get("risk") or "",
            "q": (data.get("q") or "").strip(),
        }
