"""The at-risk page's one statement (``RiskList.load``) against the list as the ORM filters it.

The page reads its counts by unit, the people per reason and one page of the list in one
statement that works out each holder's flags once and combines them in SQL; the reminders
and every other reader use ``RiskList.people``, the same list as a Django filter. These
tests hold the two to the same people, reasons and order, for every filter and a search,
with category minimums, the annual exam open, and people of every standing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import timeutil
from exams.models import ExamAttempt
from exams.services.counted import mark_counted
from learning.models import AnnualRequirement, CategoryMinimum
from learning.selectors import compliance as sel
from review.selectors.review import at_risk_people, review_rule, risk_page_people
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db


def _passed(exam, user) -> None:
    started = timezone.now() - dt.timedelta(hours=2)
    attempt = ExamAttempt.objects.create(
        exam=exam,
        user=user,
        number=1,
        started_at=started,
        deadline=started + dt.timedelta(minutes=30),
        status=ExamAttempt.Status.GRADED,
        max_score=Decimal("100"),
        score=Decimal("90"),
        passed=True,
    )
    mark_counted(attempt)
    attempt.save(update_fields=["is_counted"])


@pytest.fixture
def standings(org_tree):
    """Officers in two units: ahead, behind, short of a category minimum, with and without the exam passed."""
    year = timeutil.current_year()
    requirement = AnnualRequirement.objects.create(
        year=year, staff_category="enforcement", required_hours=Decimal("60")
    )
    CategoryMinimum.objects.create(requirement=requirement, category_id="legal", min_hours=Decimal("20"))
    exam = fr.annual_exam(year)
    figures = [
        ("0", "0", True),
        ("70", "30", True),  # compliant, passed: not listed
        ("70", "30", False),  # compliant, exam not passed
        ("61", "0", True),  # 60 hours but the legal minimum missed
        ("5", "5", False),
        ("12", "12", True),
        ("33", "0", False),
        ("59", "19", True),
    ]
    people = []
    for n, (hours, legal, passed) in enumerate(figures * 2):
        unit = org_tree["shache_dept"] if n % 2 else org_tree["shache"]
        person = fr.officer(unit, full_name=f"人员{n:02}", employee_no=f"RS{n:03}")
        other = Decimal(hours) - Decimal(legal)
        if Decimal(legal):
            credit(person, hours=legal, category="legal")
        if other:
            credit(person, hours=str(other), category="professional")
        if passed:
            _passed(exam, person)
        people.append(person)
    return year, people


def _read_by_pages(risk, size: int) -> list:
    pages, number = [], 1
    while True:
        risk.load(number, size)
        people = risk_page_people(risk)
        if not people:
            return pages
        pages += people
        number += 1


@pytest.mark.parametrize("risk_filter", ["", "behind", "category", "exam"])
@pytest.mark.parametrize("search", ["", "RS00", "人员1"])
def test_the_statement_lists_the_orms_people_in_the_orms_order(hr_shache, standings, risk_filter, search):
    year, _people = standings
    if timeutil.today() == dt.date(year, 1, 1):
        pytest.skip("nobody is behind pace on 1 January")
    rules = sel.year_rules(year)
    risk = at_risk_people(hr_shache, None, rules, review_rule(year), risk=risk_filter, search=search)
    expected = list(risk.people)
    paged = _read_by_pages(risk, 3)

    assert [p.pk for p in paged] == [p.pk for p in expected]
    assert expected, "the standings put someone on every list"
    for mine, theirs in zip(paged, expected, strict=True):
        assert (mine.hours, mine.pace, mine.cat_legal, mine.exam_passed) == (
            theirs.hours,
            theirs.pace,
            theirs.cat_legal,
            theirs.exam_passed,
        )
    # The counts: the list's length, and per reason what the ORM filter of that reason (within the list) holds.
    assert risk.count() == len(expected)
    for key, n in risk.breakdown().items():
        within = risk.conditions[key] if risk.lists_every_reason else risk.listed & risk.conditions[key]
        assert n == risk.holders.filter(within).count(), key
    holders = sum(counts["holders"] for _key, counts in risk.counts_by_unit())
    assert holders == risk.holders.count()


def test_the_page_reads_counts_and_people_in_one_statement_whatever_the_page(
    client_for, hr_shache, standings, monkeypatch
):
    """One statement over the holders gives the counts and the page's ids and figures; the names are read by id."""
    from review.views import review as views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = client_for(hr_shache)
    client.get(reverse("review:review_risk"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("review:review_risk"), {"page": 2})
    over_holders = [q["sql"] for q in queries.captured_queries if '"accounts_credential"' in q["sql"]]
    assert len(over_holders) == 1 and over_holders[0].startswith("WITH base")
    assert response.context["page"].number == 2


def test_a_page_past_the_end_shows_the_last_page(client_for, hr_shache, standings, monkeypatch):
    from review.views import review as views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = client_for(hr_shache)
    total = client.get(reverse("review:review_risk")).context["page"].paginator.count
    last = -(-total // 4)
    response = client.get(reverse("review:review_risk"), {"page": 99})
    assert response.context["page"].number == last
    assert len(response.context["people"]) == total - 4 * (last - 1)
    huge = client.get(reverse("review:review_risk"), {"page": "9" * 40})  # past any OFFSET the database takes
    assert huge.status_code == 200 and huge.context["page"].number == last
    for bad in ("0", "-3", "x", "1e3", ""):
        assert client.get(reverse("review:review_risk"), {"page": bad}).context["page"].number == 1
