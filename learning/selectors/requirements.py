"""What the rules demand: required hours per year and staff category, credit rules, pace,
and THE REQUIREMENT RULE — whether a year's hours meet a requirement (``is_met``), what
is missing when they do not (``shortfalls``), and the same test as SQL (``met_q``).

Administrators edit ``AnnualRequirement`` / ``CreditRuleSet`` in the admin; a year
nobody configured uses the defaults from settings, so a new year works on 1 January
without anyone touching the admin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import and_

from django.conf import settings
from django.db.models import F, Q

from accounts.models import StaffCategory
from core import timeutil
from learning.models import AnnualRequirement, CreditRuleSet

ZERO = Decimal("0")


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


# --- the requirement rule ------------------------------------------------------------
#
# Every page, report, task and document that decides "the year's requirement is met" or
# names what is missing calls these; ``met_q`` is the same test for the database, and
# tests/learning/test_requirement_rule.py pins that the two agree.


@dataclass(frozen=True)
class Shortfall:
    """One part of a requirement not met: the total (``category`` None) or one category's minimum."""

    category: str | None
    required: Decimal
    have: Decimal

    @property
    def missing(self) -> Decimal:
        return self.required - self.have


def nothing_required(year: int, staff_category: str) -> Requirement:
    """The requirement of a staff category the year's rules do not name (a code outside ``StaffCategory``).

    The compliance reports (``annotate_people`` puts 0 in ``required``) and the annual
    review count such a person as owing nothing; ``requirement_for``, behind one person's
    own pages and certificate, falls back to the default requirement instead.
    """
    return Requirement(year=year, staff_category=staff_category, required_hours=ZERO)


def shortfalls(requirement: Requirement, total: Decimal, by_category: Mapping[str, Decimal]) -> list[Shortfall]:
    """What ``total`` and ``by_category`` lack of ``requirement``: the total first, then each category
    minimum in the requirement's order. Empty exactly when the requirement is met.

    A category the person has no hours (no balance row) in counts as 0; comparisons are
    exact ``Decimal`` ones, as in ``met_q``.
    """
    result = []
    if total < requirement.required_hours:
        result.append(Shortfall(None, requirement.required_hours, total))
    for code, minimum in requirement.minima.items():
        have = by_category.get(code, ZERO)
        if have < minimum:
            result.append(Shortfall(code, minimum, have))
    return result


def is_met(requirement: Requirement, total: Decimal, by_category: Mapping[str, Decimal]) -> bool:
    """Whether a year's hours meet ``requirement``: the total and every category minimum."""
    return not shortfalls(requirement, total, by_category)


def met_q(requirements: Mapping[str, Requirement], *, frozen: bool = False) -> Q:
    """``is_met`` in SQL, over what ``learning.selectors.compliance.annotate_people`` adds to people.

    ``hours`` against ``required`` (the requirement of each person's staff category,
    0 for a category ``requirements`` does not name) and, for each staff category with
    minima, its ``cat_<code>`` columns (0 without a balance row). A closed year
    (``frozen``) reads the result frozen at the close, ``frozen_compliant``.
    """
    if frozen:
        return Q(frozen_compliant=True)
    q = Q(hours__gte=F("required"))
    for staff_category, requirement in requirements.items():
        if requirement.minima:
            meets = reduce(and_, (Q(**{f"cat_{code}__gte": hours}) for code, hours in requirement.minima.items()))
            q &= ~Q(staff_category=staff_category) | meets
    return q
