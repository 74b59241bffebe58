"""What the rules demand: required hours per year and staff category, credit rules, pace.

Administrators edit ``AnnualRequirement`` / ``CreditRuleSet`` in the admin; a year
nobody configured uses the defaults from settings, so a new year works on 1 January
without anyone touching the admin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from accounts.models import StaffCategory
from core import timeutil
from learning.models import AnnualRequirement, CreditRuleSet


@dataclass(frozen=True)
class CreditRules:
    minutes_per_hour: int
    exam_pass_hours: Decimal
    lecturer_hours: Decimal


@dataclass(frozen=True)
class Requirement:
    year: int
    staff_category: str
    required_hours: Decimal
    minima: dict[str, Decimal] = field(default_factory=dict)
    configured: bool = False


def default_credit_rules() -> CreditRules:
    return CreditRules(
        minutes_per_hour=int(getattr(settings, "STUDY_MINUTES_PER_HOUR", 45)),
        exam_pass_hours=Decimal("2"),
        lecturer_hours=Decimal("4"),
    )


def credit_rules(year: int) -> CreditRules:
    """The year's credit rules (defaults when the year has none)."""
    rules = CreditRuleSet.objects.filter(year=year).first()
    if rules is None:
        return default_credit_rules()
    return CreditRules(
        minutes_per_hour=rules.minutes_per_hour,
        exam_pass_hours=rules.exam_pass_hours,
        lecturer_hours=rules.lecturer_hours,
    )


def _default_requirement(year: int, staff_category: str) -> Requirement:
    return Requirement(
        year=year, staff_category=staff_category, required_hours=Decimal(settings.DEFAULT_REQUIRED_HOURS)
    )


def requirements_for_year(year: int) -> dict[str, Requirement]:
    """Every staff category's requirement for ``year`` (two queries at most)."""
    result = {value: _default_requirement(year, value) for value in StaffCategory.values}
    for req in AnnualRequirement.objects.filter(year=year).prefetch_related("minima"):
        result[req.staff_category] = Requirement(
            year=year,
            staff_category=req.staff_category,
            required_hours=req.required_hours,
            minima={m.category_id: m.min_hours for m in req.minima.all() if m.min_hours > 0},
            configured=True,
        )
    return result


def requirement_for(user, year: int) -> Requirement:
    return requirements_for_year(year).get(user.staff_category) or _default_requirement(year, user.staff_category)


def elapsed_fraction(year: int, today: dt.date | None = None) -> Decimal:
    """Share of the calendar year gone by the end of ``today`` (Asia/Shanghai)."""
    today = today or timeutil.today()
    if today.year < year:
        return Decimal(0)
    if today.year > year:
        return Decimal(1)
    days_in_year = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    return Decimal(today.timetuple().tm_yday) / Decimal(days_in_year)


def pace(required_hours: Decimal, year: int, today: dt.date | None = None) -> Decimal:
    """The hours the calendar demands by today: required × elapsed fraction of the year."""
    value = Decimal(required_hours) * elapsed_fraction(year, today)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
