"""Reads for certificates: who is due an annual certificate, who may see which certificate.

Whether a person met the year's requirement is read from the frozen
``YearStatus`` once the year is closed, and from the live balances before that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import OrgUnit, User
from accounts.scope import filter_people
from learning.models import (
    Certificate,
    HourCategory,
    PersonYearBalance,
    PersonYearCategoryBalance,
    YearClose,
    YearStatus,
)
from learning.selectors.ledger import year_balance
from learning.selectors.requirements import Requirement, requirement_for, requirements_for_year


@dataclass(frozen=True)
class AnnualStatus:
    compliant: bool
    hours: Decimal
    required_hours: Decimal
    by_category: dict[str, Decimal] = field(default_factory=dict)
    frozen: bool = False


def meets(requirement: Requirement, total: Decimal, by_category: dict[str, Decimal]) -> bool:
    """The requirement is met: the total and every category minimum."""
    if total < requirement.required_hours:
        return False
    return all(by_category.get(code, Decimal(0)) >= minimum for code, minimum in requirement.minima.items())


def year_is_closed(year: int) -> bool:
    return YearClose.objects.filter(year=year).exists()


def annual_status(user: User, year: int) -> AnnualStatus:
    frozen = YearStatus.objects.filter(user_id=user.pk, year=year).first()
    if frozen is not None:
        return AnnualStatus(
            compliant=frozen.compliant,
            hours=frozen.hours,
            required_hours=frozen.required_hours,
            by_category={code: Decimal(str(value)) for code, value in (frozen.by_category or {}).items()},
            frozen=True,
        )
    requirement = requirement_for(user, year)
    balance = year_balance(user, year)
    if year_is_closed(year):
        # Closed without a frozen row for this person: they were not counted that year.
        return AnnualStatus(False, balance.total, requirement.required_hours, dict(balance.by_category), True)
    return AnnualStatus(
        compliant=meets(requirement, balance.total, balance.by_category),
        hours=balance.total,
        required_hours=requirement.required_hours,
        by_category=dict(balance.by_category),
    )


def unit_people(unit: OrgUnit) -> QuerySet[User]:
    return User.objects.filter(org_unit__path__startswith=unit.path, is_active=True)


def due_annual_user_ids(year: int, unit: OrgUnit) -> list[int]:
    """People of the unit's subtree who met the year's requirement, in a few queries (not per person)."""
    if year_is_closed(year):
        return list(
            YearStatus.objects.filter(year=year, compliant=True, user__org_unit__path__startswith=unit.path)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    requirements = requirements_for_year(year)
    rows = (
        PersonYearBalance.objects.filter(year=year, user__in=unit_people(unit))
        .values_list("user_id", "total_hours", "user__staff_category")
        .order_by("user_id")
    )
    candidates = [(user_id, total, requirements.get(category)) for user_id, total, category in rows]
    candidates = [(u, t, r) for u, t, r in candidates if r is not None and t >= r.required_hours]
    if not any(r.minima for _, _, r in candidates):
        return [u for u, _, _ in candidates]
    by_user: dict[int, dict[str, Decimal]] = {}
    for user_id, code, hours in PersonYearCategoryBalance.objects.filter(
        year=year, user_id__in=[u for u, _, r in candidates if r.minima]
    ).values_list("user_id", "category_id", "hours"):
        by_user.setdefault(user_id, {})[code] = hours
    return [u for u, t, r in candidates if not r.minima or meets(r, t, by_user.get(u, {}))]


def category_labels() -> dict[str, str]:
    return dict(HourCategory.objects.values_list("code", "name"))


def certificates_of(user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder_id=user.pk).order_by("-year", "-issued_at", "-id")


def certificate_for_download(viewer: User, pk: int) -> Certificate:
    """The viewer's own certificate, or one of a person in an HR viewer's scope; 404 otherwise.

    404 rather than 403: a stranger learns nothing about which ids exist.
    """
    certificate = filter_people(viewer, Certificate.objects.select_related("holder"), "holder").filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return certificate


def certificate_by_code(code: str) -> Certificate | None:
    code = normalise_code(code)
    if not code:
        return None
    return Certificate.objects.filter(verification_code=code).first()


# Base32 has no 0, 1 or 8: someone typing a printed code means O, I and B.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def normalise_code(code: str) -> str:
    """Codes are printed in groups (``ABCD-EFGH-…``) and may be typed in lower case or with look-alikes."""
    return "".join(ch for ch in (code or "").upper() if ch.isascii() and ch.isalnum()).translate(_LOOKALIKES)[:32]
