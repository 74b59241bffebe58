"""Reads of the annual credential review: the year's rule, each holder's evaluation, the
at-risk list before year-end, and the roster after it.

The hours part of the review is the ledger's requirement (``learning.selectors.requirements``)
read from the frozen ``YearStatus`` once the year is closed — plus whatever HR posted into
that year after the close (manual adjustments and reversals carry ``recorded_by``: that is
the "make-up with HR approval") — and from the live balances before that. The exam part is
the exams app's "the counted attempt passed" (``exams.selectors.exams.counted_attempt``)
for the year's annual exam or any of its make-ups, read as one SQL subquery over the
attempts grading marked as counted (``exam_passer_ids``). Everything is computed for many people in a fixed number of
queries whose size does not grow with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import drilldown
from accounts.models import Credential, CredentialStatus, OrgUnit, User
from accounts.scope import ensure_can_view_unit, filter_people
from exams.models import Exam
from exams.selectors.exams import passed_counted_attempts
from learning.models import (
    LedgerEntry,
    PersonYearBalance,
    PersonYearCategoryBalance,
    YearClose,
    YearStatus,
)
from learning.selectors import compliance as sel
from learning.selectors.ledger import category_names
from learning.selectors.requirements import (
    Requirement,
    is_met,
    nothing_required,
    pace,
    requirements_for_year,
    shortfalls,
)
from learning.templatetags.hours import format_hours
from review.models import AnnualReviewOutcome, AnnualReviewRule

ZERO = Decimal("0")
#: Credentials the review looks at; suspended, revoked and expired ones are not reviewed.
REVIEWED_STATUSES = (CredentialStatus.VALID, CredentialStatus.PENDING_REVIEW)
MAX_EXAM_GENERATIONS = 5

RESULT_CHOICES = (
    ("passed", gettext_lazy("通过")),
    ("failed", gettext_lazy("未通过")),
    ("cleared", gettext_lazy("补正后通过")),
)
RISK_CHOICES = (
    ("behind", gettext_lazy("学时进度落后")),
    ("category", gettext_lazy("类别学时不足")),
    ("exam", gettext_lazy("年度考法未通过")),
)


# --- the rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRule:
    year: int
    requires_hours: bool = True
    annual_exam: Exam | None = None
    configured: bool = False
    #: No rule for the year and several published annual exams: none counts until HR names one.
    ambiguous: bool = False


def review_rule(year: int) -> ReviewRule:
    """The year's rule; without one, hours are required and the year's single annual exam (if any) counts."""
    rule = AnnualReviewRule.objects.filter(year=year).select_related("annual_exam").first()
    if rule is not None:
        return ReviewRule(year, rule.requires_hours, rule.annual_exam, True)
    candidates = list(
        Exam.objects.filter(is_annual_law_exam=True, year=year, makeup_for__isnull=True, is_published=True).order_by(
            "pk"
        )[:2]
    )
    return ReviewRule(year, True, candidates[0] if len(candidates) == 1 else None, False, len(candidates) > 1)


def exam_family_ids(exam: Exam) -> list[int]:
    """The exam and its make-ups (and make-ups of those): a pass in any of them counts."""
    family = [exam.pk]
    frontier = [exam.pk]
    for _generation in range(MAX_EXAM_GENERATIONS):
        found = list(Exam.objects.filter(makeup_for_id__in=frontier).values_list("pk", flat=True))
        if not found:
            break
        family += found
        frontier = found
    return family


def exam_passer_ids(exam: Exam) -> QuerySet:
    """Ids of everyone whose result in ``exam`` or a make-up of it is a pass, as a subquery (``user_id``)."""
    return passed_counted_attempts(exam_family_ids(exam)).values("user_id")


def exam_passers(exam: Exam | None, people) -> set[int]:
    """Ids of ``people`` (a User queryset or ids) whose result in ``exam`` or a make-up of it is a pass.

    One query after the exam family's (see ``exam_passer_ids``), whatever the number of people.
    """
    if exam is None:
        return set()
    attempts = passed_counted_attempts(exam_family_ids(exam))
    if isinstance(people, QuerySet):
        attempts = attempts.filter(user__in=people)
    else:
        attempts = attempts.filter(user_id__in=list(people))
    return set(attempts.order_by().values_list("user_id", flat=True).distinct())


# --- evaluation ----------------------------------------------------------------------


def _category_label(name: str) -> str:
    return name if name.endswith("类") else f"{name}类"


@dataclass
class Evaluation:
    """One holder's review for a year: the figures and, when not passing, the reasons in words."""

    user_id: int
    year: int
    hours: Decimal
    required_hours: Decimal
    category_hours: dict[str, Decimal]
    exam_required: bool
    exam_passed: bool | None
    frozen: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons

    def snapshot(self) -> dict:
        """The outcome fields this evaluation decides (compared to see whether anything changed)."""
        return {
            "passed": self.passed,
            "reasons": list(self.reasons),
            "hours": self.hours,
            "required_hours": self.required_hours,
            "category_hours": {code: str(value) for code, value in sorted(self.category_hours.items())},
            "exam_required": self.exam_required,
            "exam_passed": self.exam_passed,
            "frozen": self.frozen,
        }


def review_reasons(
    *,
    rule: ReviewRule,
    hours: Decimal,
    required_hours: Decimal,
    category_hours: dict[str, Decimal],
    requirement: Requirement | None,
    exam_passed: bool | None,
    names: dict[str, str],
) -> list[str]:
    """Why a holder does not pass, e.g. ["差 7.5 学时", "法律知识类差 2 学时", "年度考法未通过"].

    The hours part is the requirement rule (``shortfalls``) with ``required_hours`` as the
    total (frozen at the close for a closed year) and the minima of ``requirement``.
    """
    reasons = []
    if rule.requires_hours:
        applied = replace(requirement or nothing_required(rule.year, ""), required_hours=required_hours)
        order = list(names)
        gaps = sorted(
            shortfalls(applied, hours, category_hours),
            key=lambda g: (g.category is not None, order.index(g.category) if g.category in names else 99, g.category),
        )
        for gap in gaps:
            if gap.category is None:
                reasons.append(_("差 %(h)s 学时") % {"h": format_hours(gap.missing)})
            else:
                reasons.append(
                    _("%(cat)s差 %(h)s 学时")
                    % {"cat": _category_label(names.get(gap.category, gap.category)), "h": format_hours(gap.missing)}
                )
    if rule.annual_exam is not None and not exam_passed:
        reasons.append(_("年度考法未通过"))
    return reasons


def _late_hr_entries(year: int, close: YearClose, ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Hours HR posted into the closed year after the close (adjustments and reversals), per category."""
    rows = (
        LedgerEntry.objects.filter(
            year=year, user_id__in=ids, recorded_at__gt=close.closed_at, recorded_by__isnull=False
        )
        .order_by()
        .values_list("user_id", "category_id")
        .annotate(s=Sum("hours"))
    )
    result: dict[int, dict[str, Decimal]] = {}
    for user_id, code, total in rows:
        result.setdefault(user_id, {})[code] = total
    return result


def _hours_by_person(year: int, ids: list[int]) -> dict[int, tuple[Decimal, Decimal | None, dict[str, Decimal], bool]]:
    """(hours, frozen required or None, hours per category, frozen?) per person."""
    result = {}
    close = YearClose.objects.filter(year=year).first()
    frozen_ids = set()
    if close is not None:
        late = _late_hr_entries(year, close, ids)
        for status in YearStatus.objects.filter(year=year, user_id__in=ids):
            cats = {code: Decimal(str(value)) for code, value in (status.by_category or {}).items()}
            extra = late.get(status.user_id, {})
            for code, value in extra.items():
                cats[code] = cats.get(code, ZERO) + value
            result[status.user_id] = (status.hours + sum(extra.values(), ZERO), status.required_hours, cats, True)
            frozen_ids.add(status.user_id)
    live = [i for i in ids if i not in frozen_ids]
    if live:
        totals = dict(
            PersonYearBalance.objects.filter(year=year, user_id__in=live).values_list("user_id", "total_hours")
        )
        cats: dict[int, dict[str, Decimal]] = {}
        for user_id, code, value in PersonYearCategoryBalance.objects.filter(year=year, user_id__in=live).values_list(
            "user_id", "category_id", "hours"
        ):
            cats.setdefault(user_id, {})[code] = value
        for user_id in live:
            result[user_id] = (totals.get(user_id, ZERO), None, cats.get(user_id, {}), False)
    return result


def evaluate(year: int, people: Iterable[User], rule: ReviewRule | None = None) -> dict[int, Evaluation]:
    """Evaluate each of ``people`` (users with ``staff_category`` loaded) for ``year``; fixed query count."""
    people = list(people)
    rule = rule or review_rule(year)
    requirements = requirements_for_year(year)
    names = category_names()
    ids = [p.pk for p in people]
    figures = _hours_by_person(year, ids)
    passers = exam_passers(rule.annual_exam, ids)
    result = {}
    for person in people:
        requirement = requirements.get(person.staff_category) or nothing_required(year, person.staff_category)
        hours, frozen_required, cats, frozen = figures[person.pk]
        required = frozen_required if frozen_required is not None else requirement.required_hours
        exam_passed = (person.pk in passers) if rule.annual_exam is not None else None
        result[person.pk] = Evaluation(
            user_id=person.pk,
            year=year,
            hours=hours,
            required_hours=required,
            category_hours=cats,
            exam_required=rule.annual_exam is not None,
            exam_passed=exam_passed,
            frozen=frozen,
            reasons=review_reasons(
                rule=rule,
                hours=hours,
                required_hours=required,
                category_hours=cats,
                requirement=requirement,
                exam_passed=exam_passed,
                names=names,
            ),
        )
    return result


def reviewed_credentials(unit: OrgUnit | None = None) -> QuerySet[Credential]:
    """Credentials the review covers: valid or pending, held by an active person (of ``unit``'s subtree)."""
    qs = Credential.objects.filter(status__in=REVIEWED_STATUSES, holder__is_active=True)
    if unit is not None:
        qs = qs.filter(drilldown.in_subtree_q(unit, "holder__org_unit"))
    return qs.select_related("holder").order_by("pk")


# --- counts by unit (shared by the at-risk page and the roster) -----------------------


@dataclass
class UnitCount:
    unit: OrgUnit | None
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    is_self: bool = False

    def __getattr__(self, name: str) -> int:
        """Counts read as attributes (``row.failed``); only called for names that are not fields."""
        if name.startswith("_") or name == "counts":
            raise AttributeError(name)
        return self.counts.get(name, 0)


def roll_up(
    unit: OrgUnit | None, row_units: list[OrgUnit], rows: Iterable[tuple[str, dict[str, int]]]
) -> tuple[UnitCount, list[UnitCount]]:
    """Sum per-org-unit counts (``(unit key, {key: n})``) into the rows one level below ``unit``, plus totals."""
    by_row = {drilldown.key_of(u): UnitCount(u, u.name) for u in row_units}
    own = UnitCount(unit, str(_("本级")) if unit is not None else str(_("其他")), is_self=True)
    totals = UnitCount(unit, unit.name if unit is not None else str(_("全部")))
    for row_key, counts in rows:
        target = by_row.get(drilldown.rollup_key_of(row_key, unit, row_units), own)
        for key, n in counts.items():
            target.counts[key] = target.counts.get(key, 0) + n
            totals.counts[key] = totals.counts.get(key, 0) + n
    result = list(by_row.values())
    if own.counts:
        result.append(own)
    return totals, result


# --- before year-end: who is at risk ------------------------------------------------


def holds_reviewed_credential() -> Exists:
    return Exists(Credential.objects.filter(holder_id=OuterRef("pk"), status__in=REVIEWED_STATUSES))


def _exam_open_yet(rule: ReviewRule, now: dt.datetime) -> bool:
    return rule.annual_exam is not None and rule.annual_exam.opens_at <= now


def _risk_qs(rules: sel.YearRules) -> dict[str, Q]:
    behind = Q(hours__lt=F("pace"))
    category = Q(pk__in=[])
    for staff_category, req in rules.requirements.items():
        for code, minimum in req.minima.items():
            due = pace(minimum, rules.year, rules.today)
            category |= Q(staff_category=staff_category, **{f"cat_{code}__lt": min(due, minimum)})
    return {"behind": behind, "category": category}


#: The annotations ``risk_reasons`` reads of each person of the page, besides ``cat_<code>``, ``pace`` and
#: ``exam_passed`` (the pace is the staff category's, ``RiskList.paces``; the exam is a flag).
_PAGE_COLUMNS = ("hours",)
#: Each reason from the flags of ``RiskList.flags``, in SQL over the columns ``RiskList.load`` names after them.
_REASONS_SQL = {
    "behind": "f_pace AND NOT f_compliant",
    "category": "f_category AND NOT f_compliant",
    "exam": "f_exam",
}


@dataclass
class RiskList:
    """The people at risk, annotated (``hours``, ``pace``, ``cat_<code>`` and, once the exam is open, ``exam_passed``).

    ``people`` is the list (filtered and ordered); ``holders`` the same annotated credential holders before the
    list's filter (``listed``), for the ORM (the reminders send to ``people``). The page reads its counts — holders
    and at risk per unit, the people per reason, the length of the list — and the ids of one page of the list in
    one statement over ``holders`` (``load``): each holder's ``flags`` are worked out once (the pace, a category
    behind its pace, the exam, compliance, the search), the reasons and the list are combined from them, then
    grouped by unit and, for the listed ones, sorted for the page.
    """

    people: QuerySet[User]
    exam_checked: bool
    conditions: dict[str, Q] = field(default_factory=dict)
    holders: QuerySet[User] | None = None
    listed: Q = field(default_factory=Q)
    lists_every_reason: bool = False
    minimum_codes: tuple[str, ...] = ()
    flags: dict[str, Q] = field(default_factory=dict)
    #: The reasons the list is made of (``listed`` is any of them, and the search).
    selected: tuple[str, ...] = ()
    #: Each staff category's pace today (``annotate_people``'s ``pace``; a category not listed: 0).
    paces: dict[str, Decimal] = field(default_factory=dict)

    def _statement(self, shown: list[str]) -> tuple[str, tuple]:
        def flag(condition: Q | None) -> Case | Value:
            if condition is None:
                return Value(True)
            # ``Case``: a condition that can hold for nobody (``pk__in=[]``) is false, not an error.
            return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())

        flags = {
            f"f_{name}": flag(self.flags.get(name)) for name in ("pace", "category", "exam", "compliant", "search")
        }
        columns = ["pk", "org_unit_id", "employee_no", *shown, *flags]
        sql, params = self.holders.annotate(**flags).order_by().values_list(*columns).query.sql_with_params()
        keys = list(self.conditions)
        names = ["id", "unit", "employee_no", *(f"s{i}" for i in range(len(shown))), *flags]
        listed = " OR ".join(f"({_REASONS_SQL[key]})" for key in self.selected) or "false"
        reasons = "".join(f", ({_REASONS_SQL[key]}) AS r{i}" for i, key in enumerate(keys))
        reason_counts = "".join(
            f", count(*) FILTER (WHERE r{i}{'' if self.lists_every_reason else ' AND listed'}) AS c{i}"
            for i in range(len(keys))
        )
        counted = "".join(f", counts.c{i}" for i in range(len(keys)))
        blanks = ", ".join(["CAST(NULL AS bigint)"] * (2 + len(keys)))
        shown_columns = "".join(f", s{i}" for i in range(len(shown)))
        shown_blanks = "".join(f", NULL AS s{i}" for i in range(len(shown)))
        # s0 is the hours: the list's order is hours, then number (as ``people``). Counts are keyed by the unit's
        # path, which is ``drilldown.key_of`` (what ``roll_up`` sums by).
        statement = f"""WITH base ({", ".join(names)}) AS MATERIALIZED ({sql}),
h AS NOT MATERIALIZED (SELECT *, (({listed}) AND f_search) AS listed{reasons} FROM base)
SELECT 0 AS part, u.path, counts.holders, counts.at_risk{counted},
       CAST(NULL AS bigint) AS id, CAST(NULL AS bigint) AS n, NULL AS f_exam{shown_blanks}
FROM (
    SELECT unit, count(*) AS holders, count(*) FILTER (WHERE listed) AS at_risk{reason_counts} FROM h GROUP BY unit
) AS counts
JOIN {connection.ops.quote_name(OrgUnit._meta.db_table)} AS u ON u.id = counts.unit
UNION ALL
SELECT 1, NULL, {blanks}, id, row_number() OVER (ORDER BY s0, employee_no), f_exam{shown_columns} FROM (
    SELECT * FROM h WHERE listed ORDER BY s0, employee_no LIMIT %s OFFSET %s
) AS page"""
        return statement, params

    def load(self, page: int = 1, per_page: int = 0) -> None:
        """Read the counts by unit and the ``page``-th ``per_page`` people of the list, in one statement.

        The holders are worked out once (a materialised ``WITH``): the counts are one grouping of them, the
        page one sort of the listed ones (by hours, then number).
        """
        shown = [*_PAGE_COLUMNS, *(f"cat_{code}" for code in self.minimum_codes)]
        statement, params = self._statement(shown)
        keys = list(self.conditions)
        width = 2 + len(keys)
        by_unit, page_rows = [], []
        with connection.cursor() as cursor:
            cursor.execute(statement, (*params, per_page, max(page - 1, 0) * per_page))
            rows = cursor.fetchall()
        for row in rows:
            if row[0] == 0:
                counts = {"holders": row[2], "at_risk": row[3]}
                counts.update({f"reason_{key}": row[4 + i] for i, key in enumerate(keys)})
                by_unit.append((row[1], counts))
                continue
            values = dict(zip(shown, row[5 + width :], strict=True))
            if self.exam_checked:
                values["exam_passed"] = not row[4 + width]
            page_rows.append((row[3 + width], row[2 + width], values))
        self._by_unit = by_unit
        self._page_rows = [(pk, values) for _n, pk, values in sorted(page_rows, key=lambda r: r[0])]

    def counts_by_unit(self) -> list[tuple[str, dict[str, int]]]:
        """``(unit key, {"holders", "at_risk", "reason_<key>"…})`` per unit that has holders (kept)."""
        if not hasattr(self, "_by_unit"):
            self.load()
        return self._by_unit

    def page_rows(self) -> list[tuple[int, dict]]:
        """``(id, {annotation: value})`` of the people of the page ``load`` read, in the list's order."""
        return self._page_rows

    def breakdown(self) -> dict[str, int]:
        """How many of the listed people are at risk for each reason."""
        totals = dict.fromkeys(self.conditions, 0)
        for _key, counts in self.counts_by_unit():
            for key in totals:
                totals[key] += counts[f"reason_{key}"]
        return totals

    def count(self) -> int:
        """How many people the list holds."""
        return sum(counts["at_risk"] for _key, counts in self.counts_by_unit())


def at_risk_people(
    viewer,
    unit: OrgUnit | None,
    rules: sel.YearRules,
    rule: ReviewRule,
    *,
    now: dt.datetime | None = None,
    risk: str = "",
    search: str = "",
) -> RiskList:
    """Credential holders in the viewer's scope who may not pass this year's review.

    At risk: behind the calendar's pace, a category minimum behind its pace, or — once
    the annual exam has opened — the exam not passed yet.
    """
    now = now or timezone.now()
    people = sel.people_in(viewer, unit).filter(holds_reviewed_credential())
    exam_checked = _exam_open_yet(rule, now)
    qs = sel.annotate_people(people, rules)
    parts = _risk_qs(rules)
    if exam_checked:
        # One subquery that PostgreSQL hashes once, not a list of every passer's id.
        passed = Q(pk__in=exam_passer_ids(rule.annual_exam))
        qs = qs.annotate(exam_passed=ExpressionWrapper(passed, output_field=BooleanField()))
        parts["exam"] = Q(exam_passed=False)
    else:
        parts["exam"] = Q(pk__in=[])
    compliant = rules.met_q()
    flags = {"pace": parts["behind"], "category": parts["category"], "exam": parts["exam"], "compliant": compliant}
    parts["behind"] &= ~compliant
    parts["category"] &= ~compliant
    selected = (risk,) if risk in parts else tuple(parts)
    listed = reduce(or_, (parts[key] for key in selected))
    search = (search or "").strip()
    if search:
        # A credential number as a subquery, not a join: one row per person, so counts need no DISTINCT.
        flags["search"] = (
            Q(full_name__icontains=search)
            | Q(employee_no__istartswith=search)
            | Q(Exists(Credential.objects.filter(holder_id=OuterRef("pk"), number__istartswith=search)))
        )
        listed &= flags["search"]
    listed_people = qs.filter(listed).select_related("org_unit").order_by("hours", "employee_no")
    every_reason = risk not in parts and not search
    return RiskList(
        listed_people,
        exam_checked,
        parts,
        holders=qs,
        listed=listed,
        lists_every_reason=every_reason,
        minimum_codes=tuple(rules.minimum_categories),
        flags=flags,
        selected=selected,
        paces={key: rules.pace_for(key) for key in rules.requirements},
    )


def risk_page_people(risk_list: RiskList) -> list[User]:
    """The people of the page ``risk_list.load`` read, in the list's order, annotated for ``risk_reasons``.

    The figures (hours, pace, category hours, the exam) come with the page's ids from the list's one
    statement; only the name, number and unit of the page's people are read here (by id).
    """
    rows = risk_list.page_rows()
    found = {
        person.pk: person
        for person in User.objects.filter(pk__in=[pk for pk, _values in rows])
        .select_related("org_unit")
        .only("employee_no", "full_name", "staff_category", "org_unit__name")
    }
    people = []
    for pk, values in rows:
        person = found.get(pk)
        if person is None:
            continue
        person.pace = risk_list.paces.get(person.staff_category, ZERO)
        for name, value in values.items():
            if name == "exam_passed":
                value = bool(value)
            elif value is not None and type(value) is not Decimal:
                value = Decimal(str(value))  # SQLite answers a number, PostgreSQL a Decimal
            setattr(person, name, value)
        people.append(person)
    return people


def risk_reasons(person: User, rules: sel.YearRules, risk_list: RiskList, names: dict[str, str]) -> list[str]:
    """Why one annotated person is at risk, in words (no queries)."""
    reasons = []
    req = rules.requirement_of(person.staff_category)
    cats = {code: getattr(person, f"cat_{code}", ZERO) for code in req.minima}
    compliant = is_met(req, person.hours, cats)
    if not compliant and person.hours < person.pace:
        reasons.append(
            _("进度落后：已 %(h)s 学时，按进度应达 %(p)s 学时")
            % {"h": format_hours(person.hours), "p": format_hours(person.pace)}
        )
    for code, minimum in req.minima.items():
        have = cats[code]
        due = min(pace(minimum, rules.year, rules.today), minimum)
        if not compliant and have < due:
            reasons.append(
                _("%(cat)s进度落后：已 %(h)s 学时，最低 %(m)s 学时")
                % {"cat": _category_label(names.get(code, code)), "h": format_hours(have), "m": format_hours(minimum)}
            )
    if risk_list.exam_checked and not person.exam_passed:
        reasons.append(_("年度考法尚未通过"))
    return reasons


def risk_counts(viewer, unit: OrgUnit | None, risk_list: RiskList) -> tuple[UnitCount, list[UnitCount]]:
    """Credential holders and those at risk, per unit one level below ``unit`` (the list's one grouped query)."""
    rows = [
        (key, {"holders": counts["holders"], "at_risk": counts["at_risk"]})
        for key, counts in risk_list.counts_by_unit()
    ]
    return roll_up(unit, sel.row_units_for(viewer, unit), rows)


# --- after year-end: the roster --------------------------------------------------------


def roster(viewer, unit: OrgUnit | None, year: int, *, result: str = "", search: str = "") -> QuerySet:
    """The year's outcomes the viewer may see (``viewer=None``: all, for commands and tasks)."""
    qs = AnnualReviewOutcome.objects.filter(year=year)
    if viewer is not None:
        qs = filter_people(viewer, qs, user_field="credential__holder")
    if unit is not None:
        if viewer is not None:
            ensure_can_view_unit(viewer, unit)
        qs = qs.filter(drilldown.in_subtree_q(unit, "credential__holder__org_unit"))
    if result == "passed":
        qs = qs.filter(passed=True, cleared_at__isnull=True)
    elif result == "failed":
        qs = qs.filter(passed=False)
    elif result == "cleared":
        qs = qs.filter(passed=True, cleared_at__isnull=False)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(credential__holder__full_name__icontains=search)
            | Q(credential__holder__employee_no__istartswith=search)
            | Q(credential__number__istartswith=search)
        )
    return qs.select_related("credential__holder__org_unit").order_by(
        drilldown.tree_order("credential__holder__org_unit"), "credential__number"
    )


def roster_counts(viewer, unit: OrgUnit | None, year: int) -> tuple[UnitCount, list[UnitCount]]:
    """Reviewed / passed / failed / cleared per unit one level below ``unit`` (one grouped query)."""
    rows = (
        roster(viewer, unit, year)
        .order_by()
        .values_list(drilldown.unit_key("credential__holder__org_unit"))
        .annotate(
            n_reviewed=Count("pk"),
            n_passed=Count("pk", filter=Q(passed=True)),
            n_failed=Count("pk", filter=Q(passed=False)),
            n_cleared=Count("pk", filter=Q(passed=True, cleared_at__isnull=False)),
        )
    )
    data = [(key, {"reviewed": a, "passed": b, "failed": c, "cleared": d}) for key, a, b, c, d in rows]
    return roll_up(unit, sel.row_units_for(viewer, unit), data)


def result_label(outcome: AnnualReviewOutcome) -> str:
    if not outcome.passed:
        return str(_("未通过"))
    return str(_("补正后通过")) if outcome.cleared_at else str(_("通过"))


def exam_label(outcome: AnnualReviewOutcome) -> str:
    if not outcome.exam_required:
        return str(_("不要求"))
    return str(_("通过")) if outcome.exam_passed else str(_("未通过"))


def roster_table(outcomes: Iterable[AnnualReviewOutcome]) -> tuple[list[str], list[list]]:
    """Header and rows of the roster export (Excel, PDF and the command write the same table)."""
    headers = [
        str(_("执法证号")),
        str(_("姓名")),
        str(_("工号")),
        str(_("单位")),
        str(_("执法领域")),
        str(_("学时")),
        str(_("应修学时")),
        str(_("年度考法")),
        str(_("年审结果")),
        str(_("未通过原因")),
        str(_("补正说明")),
        str(_("证件状态")),
    ]
    rows = []
    for o in outcomes:
        holder = o.credential.holder
        rows.append(
            [
                o.credential.number,
                holder.full_name,
                holder.employee_no,
                holder.org_unit.full_path if holder.org_unit_id else "",
                o.credential.domain,
                o.hours,
                o.required_hours,
                exam_label(o),
                result_label(o),
                "；".join(o.reasons),
                o.clear_reason,
                o.credential.get_status_display(),
            ]
        )
    return headers, rows


def review_years() -> list[int]:
    """Years with outcomes, newest first, plus every closed year (one query each)."""
    years = set(AnnualReviewOutcome.objects.order_by().values_list("year", flat=True).distinct())
    years |= set(YearClose.objects.values_list("year", flat=True))
    return sorted(years, reverse=True)


def exam_reference(model, pks) -> str:
    """Why an exam named by review rules cannot be deleted (``exams.selectors.deletion``, registered in ``ready``)."""
    years = model.objects.filter(pk__in=pks).order_by("year").values_list("year", flat=True)
    return _("被 %(years)s 年度的年审规则引用") % {"years": "、".join(str(y) for y in years)}


def failed_outcome_exists(user_id: int, year: int | None = None) -> bool:
    """Whether the person has an outcome still failing (or any outcome for ``year``): worth re-evaluating."""
    condition = Q(passed=False) if year is None else Q(passed=False) | Q(year=year)
    return AnnualReviewOutcome.objects.filter(condition, credential__holder_id=user_id).exists()
