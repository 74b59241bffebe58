"""Compliance for HR: who meets the year's requirement, rolled up by org unit.

Everything here reads the balance rows (``PersonYearBalance``), never sums the
ledger, and every figure is one grouped SQL statement, so the number of
queries and the work per query stay flat as the staff grows. People are
always restricted through ``accounts.scope`` first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import drilldown
from accounts.models import OrgUnit, StaffCategory, User
from accounts.scope import ensure_can_view_unit, filter_people, top_units
from learning.models import PersonYearCategoryBalance, YearClose, YearStatus
from learning.selectors.requirements import (
    Requirement,
    is_met,
    met_q,
    nothing_required,
    pace,
    requirements_for_year,
)

HOURS = DecimalField(max_digits=9, decimal_places=2)
ZERO = Decimal("0")
HISTOGRAM_STEP = 10

STATUS_CHOICES = (
    ("compliant", _("已达标")),
    ("not_compliant", _("未达标")),
    ("behind", _("进度落后")),
    ("on_track", _("未达标但进度正常")),
)
SORT_FIELDS = {
    "hours": ("hours", "employee_no"),
    "-hours": ("-hours", "employee_no"),
    "name": ("full_name", "employee_no"),
    "employee_no": ("employee_no",),
    "unit": (drilldown.tree_order(), "employee_no"),
}


@dataclass(frozen=True)
class YearRules:
    """The requirement of every staff category for a year, and the pace for a day."""

    year: int
    requirements: dict[str, Requirement]
    today: dt.date | None = None
    #: When the year was closed: figures then come from the frozen ``YearStatus`` rows, not the balances.
    closed_at: dt.datetime | None = None

    @property
    def frozen(self) -> bool:
        return self.closed_at is not None

    @property
    def minimum_categories(self) -> list[str]:
        return sorted({code for req in self.requirements.values() for code in req.minima})

    def pace_for(self, staff_category: str) -> Decimal:
        return pace(self.requirements[staff_category].required_hours, self.year, self.today)

    def requirement_of(self, staff_category: str) -> Requirement:
        """The requirement ``annotate_people`` applies to a staff category (nothing for one the year does not name)."""
        return self.requirements.get(staff_category) or nothing_required(self.year, staff_category)

    def met_q(self) -> Q:
        """The requirement rule over ``annotate_people``'s columns for these rules (see ``requirements.met_q``)."""
        return met_q(self.requirements, frozen=self.frozen)


def year_rules(year: int, today: dt.date | None = None) -> YearRules:
    """The live rules of ``year`` (balances as they are now)."""
    return YearRules(year=year, requirements=requirements_for_year(year), today=today)


def report_rules(year: int) -> YearRules:
    """The rules a report of ``year`` uses: once the year is closed, its frozen results (one more query)."""
    close = YearClose.objects.filter(year=year).values_list("closed_at", flat=True).first()
    return YearRules(year=year, requirements=requirements_for_year(year), closed_at=close)


def _by_staff_category(values: dict[str, Decimal]) -> Case:
    """``values[staff_category]`` (0 for a category without one), one branch per distinct value.

    Usually every category needs the same hours: one ``IN`` test instead of a
    branch per category keeps both the SQL and its compilation short.
    """
    keys_by_value: dict[Decimal, list[str]] = {}
    for key, value in values.items():
        keys_by_value.setdefault(value, []).append(key)
    return Case(
        *[When(staff_category__in=keys, then=Value(value)) for value, keys in keys_by_value.items()],
        default=Value(ZERO),
        output_field=HOURS,
    )


def _status_q(status: str, rules: YearRules) -> Q:
    compliant = rules.met_q()
    # A closed year has no pace left to keep: everyone who did not make it is behind.
    behind = ~compliant if rules.frozen else Q(hours__lt=F("pace"))
    return {
        "compliant": compliant,
        "not_compliant": ~compliant,
        "behind": ~compliant & behind,
        "on_track": ~compliant & ~behind,
    }.get(status, Q())


def people_in(viewer, unit: OrgUnit | None, *, include_inactive: bool = False) -> QuerySet[User]:
    """Active officials of ``unit`` (or of the whole scope), restricted to the viewer's scope.

    ``viewer=None`` is for trusted system callers only (commands, scheduled
    tasks): no person-level scope applies. ``include_inactive`` is for closed
    years, whose population is whoever was frozen (see ``annotate_people``).
    """
    qs = User.objects.filter(org_unit__isnull=False)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if unit is not None:
        if viewer is not None:
            ensure_can_view_unit(viewer, unit)
        qs = qs.filter(drilldown.in_subtree_q(unit))
    return qs if viewer is None else filter_people(viewer, qs)


def resolve_unit(viewer, code: str) -> OrgUnit | None:
    """The unit a report is about: ``code`` if given (404/403 outside scope), else the viewer's single top unit."""
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise Http404(_("没有这个单位。"))
        ensure_can_view_unit(viewer, unit)
        return unit
    tops = list(top_units(viewer)[:2])
    return tops[0] if len(tops) == 1 else None


def annotate_people(qs: QuerySet[User], rules: YearRules) -> QuerySet[User]:
    """Add ``hours``, ``required``, ``pace`` (and ``cat_<code>`` for minima) from the balances.

    For a closed year (``rules.frozen``) they come from the frozen ``YearStatus``
    rows instead, with ``frozen_compliant``, and only people frozen that year remain.
    """
    if rules.frozen:
        qs = qs.annotate(
            st=FilteredRelation("year_statuses", condition=Q(year_statuses__year=rules.year)),
        ).filter(st__isnull=False)
        qs = qs.annotate(
            hours=F("st__hours"),
            required=F("st__required_hours"),
            pace=F("st__required_hours"),
            frozen_compliant=F("st__compliant"),
        )
        for code in rules.minimum_categories:
            qs = qs.annotate(
                **{
                    f"cat_{code}": Coalesce(
                        Cast(KeyTextTransform(code, "st__by_category"), HOURS), Value(ZERO), output_field=HOURS
                    )
                }
            )
        return qs
    qs = qs.annotate(
        bal=FilteredRelation("year_balances", condition=Q(year_balances__year=rules.year)),
        hours=Coalesce(F("bal__total_hours"), Value(ZERO), output_field=HOURS),
        required=_by_staff_category({k: r.required_hours for k, r in rules.requirements.items()}),
        pace=_by_staff_category({k: rules.pace_for(k) for k in rules.requirements}),
    )
    for code in rules.minimum_categories:
        # A join on the (user, year, category) balance row, not a subquery per person: one pass over the balances.
        balance = FilteredRelation(
            "year_category_balances",
            condition=Q(year_category_balances__year=rules.year, year_category_balances__category_id=code),
        )
        qs = qs.annotate(**{f"catbal_{code}": balance}).annotate(
            **{f"cat_{code}": Coalesce(F(f"catbal_{code}__hours"), Value(ZERO), output_field=HOURS)}
        )
    return qs


def filtered_people(
    viewer,
    unit: OrgUnit | None,
    rules: YearRules,
    *,
    status: str = "",
    staff_category: str = "",
    search: str = "",
    sort: str = "",
) -> QuerySet[User]:
    """The people table of the compliance page and the export, filtered and sorted."""
    qs = annotate_people(people_in(viewer, unit, include_inactive=rules.frozen), rules)
    if status:
        qs = qs.filter(_status_q(status, rules))
    if staff_category:
        qs = qs.filter(staff_category=staff_category)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(employee_no__istartswith=search))
    return qs.select_related("org_unit").order_by(*SORT_FIELDS.get(sort, SORT_FIELDS["unit"]))


def status_of(rules: YearRules, staff_category: str, hours: Decimal, pace_hours: Decimal, cats) -> str:
    """ "compliant", "behind" (under the calendar's pace) or "on_track", from annotated values (live rules).

    ``cats`` maps a category code to hours (only the codes with a minimum matter).
    """
    if is_met(rules.requirement_of(staff_category), hours, cats):
        return "compliant"
    return "behind" if hours < pace_hours else "on_track"


def frozen_status(compliant: bool) -> str:
    """A closed year's status: it was met or it was not."""
    return "compliant" if compliant else "not_compliant"


def with_status(people: Iterable[User], rules: YearRules) -> list[User]:
    """Set ``status``/``compliant``/``behind``/``share`` on each already-annotated person (no queries)."""
    codes = rules.minimum_categories
    result = []
    for person in people:
        if rules.frozen:
            person.status = frozen_status(person.frozen_compliant)
        else:
            cats = {code: getattr(person, f"cat_{code}", ZERO) for code in codes}
            person.status = status_of(rules, person.staff_category, person.hours, person.pace, cats)
        person.compliant = person.status == "compliant"
        person.behind = person.status == "behind"
        person.share = min(100, int(person.hours * 100 / person.required)) if person.required else 100
        result.append(person)
    return result


def _frozen_categories(statuses) -> dict[int, dict[str, Decimal]]:
    return {
        user_id: {code: Decimal(str(hours)) for code, hours in (by_category or {}).items()}
        for user_id, by_category in statuses.values_list("user_id", "by_category")
    }


def category_hours(user_ids: Iterable[int], year: int, *, frozen: bool = False) -> dict[int, dict[str, Decimal]]:
    """Per-category hours for many people in one query (as frozen at the close when ``frozen``)."""
    if frozen:
        return _frozen_categories(YearStatus.objects.filter(user_id__in=list(user_ids), year=year))
    result: dict[int, dict[str, Decimal]] = {}
    rows = PersonYearCategoryBalance.objects.filter(user_id__in=list(user_ids), year=year).values_list(
        "user_id", "category_id", "hours"
    )
    for user_id, code, hours in rows:
        result.setdefault(user_id, {})[code] = hours
    return result


def category_hours_for(qs: QuerySet[User], year: int, *, frozen: bool = False) -> dict[int, dict[str, Decimal]]:
    """Per-category hours for everyone in a (filtered) people queryset, as one query."""
    if frozen:
        return _frozen_categories(YearStatus.objects.filter(year=year, user_id__in=qs.order_by().values("pk")))
    result: dict[int, dict[str, Decimal]] = {}
    rows = PersonYearCategoryBalance.objects.filter(year=year, user_id__in=qs.order_by().values("pk")).values_list(
        "user_id", "category_id", "hours"
    )
    for user_id, code, hours in rows.iterator(chunk_size=5000):
        result.setdefault(user_id, {})[code] = hours
    return result


# --- roll-up ---------------------------------------------------------------


@dataclass
class UnitRow:
    unit: OrgUnit | None
    label: str
    headcount: int = 0
    compliant: int = 0
    behind: int = 0
    total_hours: Decimal = ZERO
    is_self: bool = False

    @property
    def share(self) -> Decimal:
        if not self.headcount:
            return ZERO
        return (Decimal(self.compliant) * 100 / self.headcount).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def average(self) -> Decimal:
        if not self.headcount:
            return ZERO
        return (self.total_hours / self.headcount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Rollup:
    totals: UnitRow
    rows: list[UnitRow] = field(default_factory=list)


def _bands(rules: YearRules, step: int) -> tuple[list[int], list[str]]:
    """The upper bounds and labels of the bands of hours 0–10, 10–20, …, ≥ the highest requirement."""
    top = max((int(r.required_hours) for r in rules.requirements.values()), default=60) or 60
    top = ((top + step - 1) // step) * step
    bounds = list(range(step, top + step, step))
    return bounds, [f"{b - step}–{b}" for b in bounds] + [f"≥{top}"]


def _band_q(bounds: list[int], band: int) -> Q:
    """People whose hours fall in band ``band`` (0: below the first bound; ``len(bounds)``: from the last)."""
    q = Q()
    if band > 0:
        q &= Q(hours__gte=bounds[band - 1])
    if band < len(bounds):
        q &= Q(hours__lt=bounds[band])
    return q


def overview(
    viewer, unit: OrgUnit | None, rules: YearRules, row_units: list[OrgUnit], *, step: int = HISTOGRAM_STEP
) -> tuple[Rollup, list[tuple[str, int]]]:
    """The roll-up by row unit and the histogram of hours, from ONE query grouped by org unit.

    Grouping by the person's own unit (a column PostgreSQL keeps statistics on, so it
    plans an in-memory hash of a few thousand groups even at province size) with a
    filtered count per band and status, then rolling the units up to the row units here,
    yields both figures in one pass over the staff. Grouping by an expression (the row
    unit's key, a band) instead left the planner guessing a group per person and sorting
    the whole province on disk.
    """
    bounds, labels = _bands(rules, step)
    met = rules.met_q()
    # A closed year has no pace left to keep: everyone who did not make it is behind.
    behind = ~met if rules.frozen else ~met & Q(hours__lt=F("pace"))
    aggregates = {
        "n": Count("pk"),
        "n_compliant": Count("pk", filter=met),
        "n_behind": Count("pk", filter=behind),
        "hours_sum": Sum("hours"),
        **{f"band_{i}": Count("pk", filter=_band_q(bounds, i)) for i in range(len(labels))},
    }
    qs = annotate_people(people_in(viewer, unit, include_inactive=rules.frozen), rules)
    unit_key = drilldown.unit_key()
    grouped = qs.order_by().values(unit_key).annotate(**aggregates)
    by_group: dict[str, dict] = {}
    counts = [0] * len(labels)
    for row in grouped:
        for i in range(len(labels)):
            counts[i] += row[f"band_{i}"]
        group = drilldown.rollup_key_of(row[unit_key], unit, row_units)
        acc = by_group.get(group)
        if acc is None:
            acc = by_group[group] = {"n": 0, "n_compliant": 0, "n_behind": 0, "hours_sum": ZERO}
        for key in ("n", "n_compliant", "n_behind"):
            acc[key] += row[key]
        acc["hours_sum"] += row["hours_sum"] or ZERO
    rows = []
    for child in row_units:
        rows.append(_row(child, child.name, by_group.pop(drilldown.key_of(child), None)))
    own = drilldown.key_of(unit) if unit is not None else None
    for group, data in by_group.items():
        label = _("本级") if group == own else _("其他")
        rows.append(_row(unit if group == own else None, label, data, is_self=True))
    totals = UnitRow(unit=unit, label=unit.name if unit else _("全部"))
    for row in rows:
        totals.headcount += row.headcount
        totals.compliant += row.compliant
        totals.behind += row.behind
        totals.total_hours += row.total_hours
    return Rollup(totals=totals, rows=rows), list(zip(labels, counts, strict=True))


def rollup(viewer, unit: OrgUnit | None, rules: YearRules, row_units: list[OrgUnit]) -> Rollup:
    """Headcount, compliant, behind and hours per row unit, plus the totals (one query).

    ``row_units`` are the children of ``unit`` (or the viewer's top units when
    ``unit`` is None); people sitting directly in ``unit`` form a "本级" row.
    """
    return overview(viewer, unit, rules, row_units)[0]


def _row(unit, label, data, *, is_self=False) -> UnitRow:
    data = data or {}
    return UnitRow(
        unit=unit,
        label=str(label),
        headcount=data.get("n", 0),
        compliant=data.get("n_compliant", 0),
        behind=data.get("n_behind", 0),
        total_hours=data.get("hours_sum") or ZERO,
        is_self=is_self,
    )


def row_units_for(viewer, unit: OrgUnit | None) -> list[OrgUnit]:
    """The row units of the roll-up: the units one level below ``unit`` (or the viewer's top units)."""
    return drilldown.child_units(viewer, unit)


def histogram(viewer, unit: OrgUnit | None, rules: YearRules, *, step: int = HISTOGRAM_STEP) -> list[tuple[str, int]]:
    """People per band of hours (0–10, 10–20, …, ≥ top)."""
    return overview(viewer, unit, rules, row_units_for(viewer, unit), step=step)[1]


def breadcrumbs(viewer, unit: OrgUnit | None) -> list[OrgUnit]:
    """Ancestors of ``unit`` the viewer may open, outermost first (one query)."""
    return drilldown.breadcrumbs(viewer, unit)


def unit_context(viewer, code: str) -> tuple[OrgUnit | None, list[OrgUnit], list[OrgUnit]]:
    """The page's unit, its row units and its breadcrumbs — what ``resolve_unit``,
    ``row_units_for`` and ``breadcrumbs`` give — in at most two queries.

    With a code, the unit comes first (404/403 as in ``resolve_unit``), then its
    children and ancestors together (``drilldown.drill_down``). Without one, the
    drill-down starts at the viewer's top units, in one query.
    """
    return drilldown.drill_down(viewer, resolve_unit(viewer, code) if code else None)


# --- export ------------------------------------------------------------------


def export_table(viewer, unit: OrgUnit | None, rules: YearRules, **filters) -> tuple[list[str], Iterable[list]]:
    """Header and rows (one per official) for the Excel/CSV export and ``compliance_report``.

    Two queries whatever the size: the people with their balances, and the
    per-category hours of the same people.
    """
    from learning.selectors.ledger import categories

    cats = categories()
    headers = [
        str(_("工号")),
        str(_("姓名")),
        str(_("单位路径")),
        str(_("人员类别")),
        str(_("学时")),
        str(_("应修学时")),
        str(_("是否达标")),
        str(_("状态")),
    ] + [str(c.name) for c in cats]
    qs = filtered_people(viewer, unit, rules, **filters)
    by_cat = category_hours_for(qs, rules.year, frozen=rules.frozen)
    labels = {key: str(label) for key, label in STATUS_CHOICES}
    staff_labels = {key: str(label) for key, label in StaffCategory.choices}
    yes, no = str(_("是")), str(_("否"))
    codes = rules.minimum_categories
    fields = ["pk", "employee_no", "full_name", "org_unit__full_path", "staff_category", "hours", "required", "pace"]
    fields += [f"cat_{code}" for code in codes]
    if rules.frozen:
        fields.append("frozen_compliant")

    def rows():
        # Plain values, not model instances: the export of a whole prefecture stays close to openpyxl's own speed.
        for p in qs.values(*fields).iterator(chunk_size=2000):
            mine = by_cat.get(p["pk"], {})
            if rules.frozen:
                status = frozen_status(p["frozen_compliant"])
            else:
                cats = {code: p[f"cat_{code}"] for code in codes}
                status = status_of(rules, p["staff_category"], p["hours"], p["pace"], cats)
            yield [
                p["employee_no"],
                p["full_name"],
                p["org_unit__full_path"],
                staff_labels.get(p["staff_category"], p["staff_category"]),
                p["hours"],
                p["required"],
                yes if status == "compliant" else no,
                labels[status],
            ] + [mine.get(c.code, ZERO) for c in cats_list]

    cats_list = cats
    return headers, rows()
