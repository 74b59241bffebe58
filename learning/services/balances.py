"""Rebuild the balance rows from the ledger (the ledger is the truth, balances a cache)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from learning.models import LedgerEntry, PersonYearBalance, PersonYearCategoryBalance


@dataclass(frozen=True)
class Difference:
    user_id: int
    year: int
    category: str  # "" for the total
    stored: Decimal
    computed: Decimal


def _ledger_sums(year: int | None):
    qs = LedgerEntry.objects.all() if year is None else LedgerEntry.objects.filter(year=year)
    totals = {
        (r["user_id"], r["year"]): r["s"] for r in qs.order_by().values("user_id", "year").annotate(s=Sum("hours"))
    }
    per_cat = {
        (r["user_id"], r["year"], r["category_id"]): r["s"]
        for r in qs.order_by().values("user_id", "year", "category_id").annotate(s=Sum("hours"))
    }
    return totals, per_cat


def balance_differences(year: int | None = None) -> list[Difference]:
    """Every balance (total or per category) that differs from the sum of its ledger rows."""
    totals, per_cat = _ledger_sums(year)
    zero = Decimal("0")
    diffs = []
    balances = PersonYearBalance.objects.all() if year is None else PersonYearBalance.objects.filter(year=year)
    stored_totals = {(b.user_id, b.year): b.total_hours for b in balances}
    for key in stored_totals.keys() | totals.keys():
        stored, computed = stored_totals.get(key, zero), totals.get(key, zero)
        if stored != computed:
            diffs.append(Difference(key[0], key[1], "", stored, computed))
    cats = PersonYearCategoryBalance.objects.all()
    if year is not None:
        cats = cats.filter(year=year)
    stored_cats = {(c.user_id, c.year, c.category_id): c.hours for c in cats}
    for key in stored_cats.keys() | per_cat.keys():
        stored, computed = stored_cats.get(key, zero), per_cat.get(key, zero)
        if stored != computed:
            diffs.append(Difference(key[0], key[1], key[2], stored, computed))
    return sorted(diffs, key=lambda d: (d.year, d.user_id, d.category))


def rebuild_balances(*, year: int | None = None) -> list[Difference]:
    """Replace the balance rows of ``year`` (or all years) with the ledger's sums; return what differed.

    Runs in one transaction; on PostgreSQL the balance tables are locked against
    concurrent postings for its duration so no increment is lost in between.
    """
    with transaction.atomic():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {PersonYearBalance._meta.db_table}, {PersonYearCategoryBalance._meta.db_table} "
                    "IN SHARE ROW EXCLUSIVE MODE"
                )
        diffs = balance_differences(year)
        if not diffs:
            return diffs
        totals, per_cat = _ledger_sums(year)
        balances = PersonYearBalance.objects.all() if year is None else PersonYearBalance.objects.filter(year=year)
        cats = (
            PersonYearCategoryBalance.objects.all()
            if year is None
            else PersonYearCategoryBalance.objects.filter(year=year)
        )
        balances.delete()
        cats.delete()
        PersonYearBalance.objects.bulk_create(
            [PersonYearBalance(user_id=u, year=y, total_hours=s) for (u, y), s in totals.items()], batch_size=2000
        )
        PersonYearCategoryBalance.objects.bulk_create(
            [PersonYearCategoryBalance(user_id=u, year=y, category_id=c, hours=s) for (u, y, c), s in per_cat.items()],
            batch_size=2000,
        )
    return diffs
