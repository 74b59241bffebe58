"""Reads of the ledger and its balances for one person."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from learning.models import HourCategory, LedgerEntry, PersonYearBalance, PersonYearCategoryBalance, SourceKind


@dataclass(frozen=True)
class Balance:
    total: Decimal
    by_category: dict[str, Decimal] = field(default_factory=dict)


def year_balance(user, year: int) -> Balance:
    """The person's balance for a year, from the balance rows (zero when none)."""
    total = PersonYearBalance.objects.filter(user_id=user.pk, year=year).values_list("total_hours", flat=True).first()
    by_category = dict(
        PersonYearCategoryBalance.objects.filter(user_id=user.pk, year=year).values_list("category_id", "hours")
    )
    return Balance(total=total or Decimal("0"), by_category=by_category)


def entries_for(user, year: int) -> QuerySet[LedgerEntry]:
    """Every entry of the person's year, newest first, with what the page shows."""
    return (
        LedgerEntry.objects.filter(user_id=user.pk, year=year)
        .select_related("category", "recorded_by", "reverses", "reversed_by")
        .order_by("-earned_on", "-id")
    )


def by_source_kind(user, year: int) -> dict[str, Decimal]:
    rows = (
        LedgerEntry.objects.filter(user_id=user.pk, year=year)
        .values("source_kind")
        .annotate(total=Sum("hours"))
        .order_by("source_kind")
    )
    return {row["source_kind"]: row["total"] for row in rows}


def years_with_entries(user) -> list[int]:
    return list(LedgerEntry.objects.filter(user_id=user.pk).order_by("-year").values_list("year", flat=True).distinct())


def categories() -> list[HourCategory]:
    return list(HourCategory.objects.order_by("order", "code"))


def category_names() -> dict[str, str]:
    """Name of each hour category by code, in the categories' order."""
    return dict(HourCategory.objects.order_by("order", "code").values_list("code", "name"))


@dataclass(frozen=True)
class HoursSummary:
    """Everything the "我的学时" page and the home card show about one person's year."""

    year: int
    total: Decimal
    required: Decimal
    pace: Decimal
    percent: int
    compliant: bool
    behind: bool
    by_category: list[tuple[HourCategory, Decimal, Decimal | None]]
    by_source: list[tuple[str, str, Decimal]]


def hours_summary(user, year: int, *, with_sources: bool = True) -> HoursSummary:
    """Total against the requirement, the calendar's pace, and the breakdowns."""
    from learning.selectors.requirements import is_met, pace, requirement_for

    balance = year_balance(user, year)
    req = requirement_for(user, year)
    expected = pace(req.required_hours, year)
    rows = []
    for cat in categories():
        rows.append((cat, balance.by_category.get(cat.code, Decimal("0")), req.minima.get(cat.code)))
    compliant = is_met(req, balance.total, balance.by_category)
    percent = 100 if not req.required_hours else min(100, int(balance.total * 100 / req.required_hours))
    sources = []
    if with_sources:
        totals = by_source_kind(user, year)
        sources = [(kind.value, str(kind.label), totals[kind.value]) for kind in SourceKind if kind.value in totals]
    return HoursSummary(
        year=year,
        total=balance.total,
        required=req.required_hours,
        pace=expected,
        percent=max(percent, 0),
        compliant=compliant,
        behind=not compliant and balance.total < expected,
        by_category=rows,
        by_source=sources,
    )
