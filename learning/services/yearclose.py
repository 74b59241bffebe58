"""Year-end close: freeze every official's result for a year (hours, required, compliant)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils.translation import gettext as _

from accounts.audit import record
from core import timeutil
from learning.models import LedgerEntry, PersonYearBalance, YearClose, YearStatus
from learning.selectors import compliance as sel


class YearCloseError(Exception):
    pass


class EmptyYearError(YearCloseError):
    """The year has no ledger entries at all; closing it needs ``force``."""


def _empty_year_message(year: int) -> str:
    span = LedgerEntry.objects.aggregate(first=Min("year"), last=Max("year"))
    first, last = span["first"], span["last"]
    if first is None:
        found = _("学时台账中还没有任何记录")
    elif first > year:
        found = _("最早的记录在 %(first)s 年") % {"first": first}
    elif last < year:
        found = _("最近的记录在 %(last)s 年") % {"last": last}
    else:
        found = _("记录在 %(first)s 年至 %(last)s 年之间，但这一年没有") % {"first": first, "last": last}
    return _(
        "%(year)s 年没有任何学时记录（%(found)s）。关账会把每个人该年度冻结为 0 学时、未达标，且不能撤销。"
        "请确认年度是否写错；确实要关账，请加 --force。"
    ) % {"year": year, "found": found}


@dataclass(frozen=True)
class CloseResult:
    close: YearClose
    created: bool


def close_year(*, year: int, closed_by=None, allow_current: bool = False, force: bool = False) -> CloseResult:
    """Freeze ``year``. Running it again is a no-op that returns the existing close.

    A year that is still running cannot be closed unless ``allow_current`` (the
    numbers would keep moving). A year without a single ledger entry is almost
    always a typo (2024 for 2025) and would freeze everyone at 0 学时, not
    compliant, for good: it needs ``force``.
    """
    existing = YearClose.objects.filter(year=year).first()
    if existing is not None:
        return CloseResult(existing, False)
    if year > timeutil.current_year() or (year == timeutil.current_year() and not allow_current):
        raise YearCloseError(_("%(year)s 年尚未结束，不能关账。") % {"year": year})
    if not force and not LedgerEntry.objects.filter(year=year).exists():
        raise EmptyYearError(_empty_year_message(year))
    rules = sel.year_rules(year)
    # Everyone active now, and whoever left since but earned hours in the year (their result counts too).
    earned = Exists(PersonYearBalance.objects.filter(user_id=OuterRef("pk"), year=year))
    population = sel.people_in(None, None, include_inactive=True).filter(Q(is_active=True) | Q(earned))
    people = sel.annotate_people(population, rules).select_related("org_unit").order_by("pk")
    by_cat = sel.category_hours_for(people, year)
    try:
        with transaction.atomic():
            close = YearClose.objects.create(year=year, closed_by=closed_by)
            statuses = [
                YearStatus(
                    close=close,
                    user_id=p.pk,
                    year=year,
                    org_unit_id=p.org_unit_id,
                    hours=p.hours,
                    required_hours=p.required,
                    by_category={k: str(v) for k, v in by_cat.get(p.pk, {}).items()},
                    compliant=p.compliant,
                )
                for p in sel.with_status(people.iterator(chunk_size=2000), rules)
            ]
            YearStatus.objects.bulk_create(statuses, batch_size=2000)
            close.headcount = len(statuses)
            close.compliant_count = sum(1 for s in statuses if s.compliant)
            close.save(update_fields=["headcount", "compliant_count"])
            record(
                actor=closed_by,
                action="learning.close_year",
                summary=_("%(year)s 年度学时关账：%(n)s 人，达标 %(ok)s 人")
                % {"year": year, "n": close.headcount, "ok": close.compliant_count},
                details={"year": year, "headcount": close.headcount, "compliant": close.compliant_count},
            )
    except IntegrityError:
        # Someone closed the same year at the same moment; theirs stands.
        return CloseResult(YearClose.objects.get(year=year), False)
    return CloseResult(close, True)
