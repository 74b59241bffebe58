"""With category minimums configured, the HR pages that read them cost the same queries at two data sizes.

Category minimums used to be one correlated subquery per person and minimum; they are now
a join on the per-category balance rows. These tests pin that the compliance page, the
at-risk page and the HR home (with its dashboard cards) of an HR officer with a scope send
the same number of queries, of the same size, whether the scope holds a handful of people
or ten times as many in more units — and that the minimums still decide who is compliant.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import OrgUnit
from core import timeutil
from learning.models import AnnualRequirement, CategoryMinimum
from tests.factories import OrgUnitFactory
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db
_units = itertools.count(1)


def _minimums(year: int) -> None:
    for staff_category in ("enforcement", "leader"):
        requirement = AnnualRequirement.objects.create(
            year=year, staff_category=staff_category, required_hours=Decimal("60")
        )
        CategoryMinimum.objects.create(requirement=requirement, category_id="legal", min_hours=Decimal("20"))
        CategoryMinimum.objects.create(requirement=requirement, category_id="professional", min_hours=Decimal("16"))


def _grow(parent: OrgUnit, units: int, per_unit: int) -> list:
    """``units`` new departments under ``parent`` with ``per_unit`` officers each, in three kinds of standing."""
    people = []
    for _ in range(units):
        n = next(_units)
        dept = OrgUnitFactory(name=f"莎车县测试局{n}", code=f"KS-SC-T{n}", kind=OrgUnit.Kind.DEPARTMENT, parent=parent)
        parent.refresh_from_db()
        for j in range(per_unit):
            person = fr.officer(dept)
            people.append(person)
            if j % 3 == 0:  # both minimums met
                credit(person, hours="40", category="legal")
                credit(person, hours="25", category="professional")
            elif j % 3 == 1:  # 60 hours, but the professional minimum missed
                credit(person, hours="60", category="legal")
            else:  # behind
                credit(person, hours="10", category="professional")
    return people


def _shapes(captured) -> list[str]:
    """Each statement with its numbers as 0 and its lists of values as one (a page of people is a list)."""
    shapes = []
    for query in captured.captured_queries:
        sql = re.sub(r"\d+", "0", query["sql"])
        lists = re.findall(r"\((?:%s|0)(?:, (?:%s|0))*\)", sql)
        assert all(item.count(",") < 100 for item in lists), "a list longer than one page of people"
        shapes.append(re.sub(r"\((?:%s|0)(?:, (?:%s|0))*\)", "(…)", sql))
    return shapes


PAGES = {
    "compliance": lambda year: (reverse("learning:compliance"), {"year": year, "unit": "KS-SC"}),
    "at_risk": lambda year: (reverse("review:review_risk"), {}),
    "home": lambda year: ("/", {}),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_with_two_category_minimums_cost_the_same_queries_at_two_sizes(
    client_for, hr_shache, org_tree, page, django_assert_max_num_queries
):
    year = timeutil.current_year()
    _minimums(year)
    url, params = PAGES[page](year)
    client = client_for(hr_shache)
    _grow(org_tree["shache"], 2, 3)
    client.get(url, params)  # warm caches (session, content types, site)
    with django_assert_max_num_queries(45) as small:
        first = client.get(url, params)
    _grow(org_tree["shache"], 6, 10)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        second = client.get(url, params)

    assert first.status_code == second.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    # No list of ids grows inside the SQL: every statement is the same but for the numbers in it.
    assert _shapes(large) == _shapes(small)


def test_the_minimums_decide_who_is_compliant_at_the_larger_size(client_for, hr_shache, org_tree):
    year = timeutil.current_year()
    _minimums(year)
    people = _grow(org_tree["shache"], 6, 10)
    both_met = {p.pk for i, p in enumerate(people) if (i % 10) % 3 == 0}
    page = client_for(hr_shache).get(
        reverse("learning:compliance"), {"year": year, "unit": "KS-SC", "status": "compliant", "per_page": 100}
    )
    listed = {p.pk for p in page.context["page"].paginator.object_list}
    assert listed == both_met
    assert page.context["rollup"].totals.compliant == len(both_met)
