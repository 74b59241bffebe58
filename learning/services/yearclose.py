"""Year-end close: freeze every official's result for a year (hours, required, compliant)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from accounts.audit import record
from learning import timeutil
from learning.models import PersonYearBalance, YearClose, YearStatus
from learning.selectors import compliance as sel


class YearCloseError(Exception):
    pass


@dataclass(frozen=True)
class CloseResult:
    close: YearClose
    created: bool


def close_year(*, year: int, closed_by=None, allow_current: bool = False) -> CloseResult:
    """Freeze ``year``. Running it again is a no-op that returns the existing close.

    A year that is still running cannot be closed unless ``allow_current`` (the
    numbers would keep moving).
    """
    existing = YearClose.objects.filter(year=year).first()
    if existing is not None:
        return CloseResult(existing, False)
    if year > timeutil.current_year() or (year == timeutil.current_year() and not allow_current):
        raise YearCloseError(_("%(year)s 年尚未结束，不能关账。") % {"year": year})
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
