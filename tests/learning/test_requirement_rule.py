"""The requirement rule has one home (``learning.selectors.requirements``) and two forms that agree.

``is_met`` / ``shortfalls`` decide in Python (a person's pages, certificates, the annual
review); ``met_q`` decides in SQL over ``annotate_people`` (the compliance reports, the
at-risk list, the bulk certificate run). A table of cases — requirements with and without
category minimums, totals a hundredth below, at and above, category rows missing or back
at zero, a zero requirement, a staff category the year does not name — is checked both
ways on real people and balances, and the two must agree on every case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from accounts.models import User
from learning.models import AnnualRequirement, CategoryMinimum, LedgerEntry, YearStatus
from learning.selectors.compliance import annotate_people, report_rules, year_rules
from learning.selectors.ledger import year_balance
from learning.selectors.requirements import Requirement, is_met, met_q, shortfalls
from learning.services.ledger import reverse_entry
from learning.services.yearclose import close_year
from tests.factories import UserFactory

from .factories import credit

pytestmark = pytest.mark.django_db

WITH_MINIMA, PLAIN = 2024, 2025
NOT_NAMED = "retired"  # a staff category code the year's rules do not name

#: year → staff category → (required hours, {category: minimum}); PLAIN leaves "other" to the settings' default.
RULES = {
    WITH_MINIMA: {
        "enforcement": ("60", {"legal": "20", "professional": "16"}),
        "leader": ("40", {}),
        "other": ("0", {"legal": "5"}),
    },
    PLAIN: {
        "enforcement": ("60", {}),
        "leader": ("0", {}),
    },
}

#: (case, year, staff category, credits per category, what is missing: {None (the total) or category: hours}).
CASES = [
    ("minima all exactly met", WITH_MINIMA, "enforcement", {"legal": "44", "professional": "16"}, {}),
    ("minima all above", WITH_MINIMA, "enforcement", {"legal": "50", "professional": "20"}, {}),
    (
        "total met, one minimum a hundredth short",
        WITH_MINIMA,
        "enforcement",
        {"legal": "44.01", "professional": "15.99"},
        {"professional": "0.01"},
    ),
    (
        "minima met, total a hundredth short",
        WITH_MINIMA,
        "enforcement",
        {"legal": "23.99", "professional": "36"},
        {None: "0.01"},
    ),
    ("no row in a category with a minimum", WITH_MINIMA, "enforcement", {"legal": "70"}, {"professional": "16"}),
    (
        "hours only in a category without a minimum",
        WITH_MINIMA,
        "enforcement",
        {"other": "60"},
        {"legal": "20", "professional": "16"},
    ),
    (
        "no balance at all",
        WITH_MINIMA,
        "enforcement",
        {},
        {None: "60", "legal": "20", "professional": "16"},
    ),
    (
        "everything short",
        WITH_MINIMA,
        "enforcement",
        {"legal": "10", "professional": "5.5"},
        {None: "44.5", "legal": "10", "professional": "10.5"},
    ),
    ("no minima, a hundredth below", WITH_MINIMA, "leader", {"legal": "39.99"}, {None: "0.01"}),
    ("no minima, exactly at", WITH_MINIMA, "leader", {"legal": "20", "professional": "20"}, {}),
    ("no minima, a hundredth above", WITH_MINIMA, "leader", {"other": "40.01"}, {}),
    ("no minima, nothing", WITH_MINIMA, "leader", {}, {None: "40"}),
    ("zero total with a minimum, nothing", WITH_MINIMA, "other", {}, {"legal": "5"}),
    ("zero total with a minimum, wrong category", WITH_MINIMA, "other", {"professional": "30"}, {"legal": "5"}),
    ("zero total with a minimum, met", WITH_MINIMA, "other", {"legal": "5"}, {}),
    ("staff category not named, nothing", WITH_MINIMA, NOT_NAMED, {}, {}),
    ("staff category not named, some hours", WITH_MINIMA, NOT_NAMED, {"legal": "1.5"}, {}),
    ("half an hour short", PLAIN, "enforcement", {"legal": "59.5"}, {None: "0.5"}),
    ("exactly at, over two categories", PLAIN, "enforcement", {"legal": "59.5", "professional": "0.5"}, {}),
    ("zero requirement, nothing", PLAIN, "leader", {}, {}),
    ("zero requirement, some hours", PLAIN, "leader", {"other": "3"}, {}),
    ("default requirement, a hundredth below", PLAIN, "other", {"legal": "59.99"}, {None: "0.01"}),
    ("default requirement, exactly at", PLAIN, "other", {"professional": "60"}, {}),
    ("staff category not named, plain year", PLAIN, NOT_NAMED, {}, {}),
]


@pytest.fixture
def people(org_tree, settings):
    """One person per case, credited through the ledger service, under the RULES of each year."""
    settings.DEFAULT_REQUIRED_HOURS = 60
    for year, by_staff in RULES.items():
        for staff_category, (required, minima) in by_staff.items():
            requirement = AnnualRequirement.objects.create(
                year=year, staff_category=staff_category, required_hours=Decimal(required)
            )
            for code, hours in minima.items():
                CategoryMinimum.objects.create(requirement=requirement, category_id=code, min_hours=Decimal(hours))
    result = {}
    for n, (case, year, staff_category, credits, _missing) in enumerate(CASES):
        person = UserFactory(org_unit=org_tree["shache_dept"], staff_category=staff_category, full_name=f"规则{n}")
        for code, hours in credits.items():
            credit(person, hours=hours, category=code, earned_on=dt.date(year, 6, 1))
        result[case] = person
    return result


def _sql_met(year: int, ids: list[int]) -> set[int]:
    rules = year_rules(year)
    qs = annotate_people(User.objects.filter(pk__in=ids), rules).filter(met_q(rules.requirements, frozen=False))
    return set(qs.values_list("pk", flat=True))


def test_python_and_sql_forms_of_the_rule_agree_on_every_case(people):
    disagreements = []
    for year in RULES:
        rules = year_rules(year)
        cases = [case for case in CASES if case[1] == year]
        ids = [people[case[0]].pk for case in cases]
        met_in_sql = _sql_met(year, ids)
        annotated = {p.pk: p for p in annotate_people(User.objects.filter(pk__in=ids), rules)}
        for case, _year, staff_category, _credits, missing in cases:
            person = people[case]
            requirement = rules.requirement_of(staff_category)
            balance = year_balance(person, year)
            met = is_met(requirement, balance.total, balance.by_category)
            gaps = shortfalls(requirement, balance.total, balance.by_category)
            row = annotated[person.pk]
            row_cats = {code: getattr(row, f"cat_{code}") for code in rules.minimum_categories}
            found = {
                "expected": not missing,
                "is_met": met,
                "is_met over annotated columns": is_met(requirement, row.hours, row_cats),
                "met_q": person.pk in met_in_sql,
            }
            if len(set(found.values())) != 1:
                disagreements.append((case, found))
            assert row.required == requirement.required_hours, case
            assert (not gaps) == met, case
            assert {gap.category: gap.missing for gap in gaps} == {k: Decimal(v) for k, v in missing.items()}, case
            assert all(gap.missing > 0 and gap.have + gap.missing == gap.required for gap in gaps), case
            if gaps and gaps[0].category is not None:
                assert None not in {gap.category for gap in gaps}, case
            elif gaps:
                assert all(gap.category is not None for gap in gaps[1:]), case
    assert disagreements == []


def test_a_category_back_at_zero_after_a_reversal_counts_like_a_missing_one(people):
    """A balance row of 0.00 (credited, then reversed) and no row at all are the same to both forms."""
    person = people["minima all exactly met"]
    professional = LedgerEntry.objects.get(user=person, year=WITH_MINIMA, category_id="professional")
    reverse_entry(entry=professional, reason="测试冲销")
    rules = year_rules(WITH_MINIMA)
    balance = year_balance(person, WITH_MINIMA)
    assert balance.by_category["professional"] == 0
    requirement = rules.requirement_of(person.staff_category)
    gaps = shortfalls(requirement, balance.total, balance.by_category)
    assert {gap.category: gap.missing for gap in gaps} == {None: Decimal("16"), "professional": Decimal("16")}
    assert not is_met(requirement, balance.total, balance.by_category)
    assert person.pk not in _sql_met(WITH_MINIMA, [person.pk])


def test_a_closed_year_is_decided_by_its_frozen_figures_in_both_forms(people):
    """After the close, ``met_q`` reads the frozen result, which is ``is_met`` over the frozen figures —
    and a credit posted into the year afterwards changes neither."""
    close_year(year=PLAIN)
    late = people["half an hour short"]
    credit(late, hours="0.5", category="legal", earned_on=dt.date(PLAIN, 12, 31))
    live = year_rules(PLAIN)
    rules = report_rules(PLAIN)
    assert rules.frozen
    ids = [people[case[0]].pk for case in CASES if case[1] == PLAIN]
    met_in_sql = set(
        annotate_people(User.objects.filter(pk__in=ids), rules)
        .filter(met_q(rules.requirements, frozen=True))
        .values_list("pk", flat=True)
    )
    for status in YearStatus.objects.filter(year=PLAIN, user_id__in=ids).select_related("user"):
        requirement: Requirement = replace(
            live.requirement_of(status.user.staff_category), required_hours=status.required_hours
        )
        frozen_cats = {code: Decimal(value) for code, value in status.by_category.items()}
        assert is_met(requirement, status.hours, frozen_cats) == status.compliant == (status.user_id in met_in_sql)
    assert late.pk not in met_in_sql
    balance = year_balance(late, PLAIN)
    assert is_met(live.requirement_of(late.staff_category), balance.total, balance.by_category)
