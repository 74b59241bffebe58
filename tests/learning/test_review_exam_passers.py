"""Who passed the annual exam, for many people at once: the exams app's rule, as one subquery.

The at-risk page of a province used to load every graded attempt into Python and send the
passers' ids back as a literal ``NOT IN (…)``: these tests pin that the SQL answer equals
``exams.selectors.exams.summarise(...).passed`` case by case, and that neither the number
of queries nor their size grows with the number of passers.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core import timeutil
from exams.models import Exam, ExamAttempt
from exams.selectors.exams import summarise
from exams.services.counted import mark_counted, recount
from learning.models import AnnualRequirement, CategoryMinimum
from learning.selectors import compliance as sel
from review.selectors.review import at_risk_people, exam_family_ids, exam_passers, review_rule
from tests.factories import UserFactory
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db
GRADED = ExamAttempt.Status.GRADED


def _attempt(exam: Exam, user, number: int, score: str | None, passed: bool | None, status=GRADED) -> ExamAttempt:
    """An attempt as it stands after its grading: a graded one is marked as the result as grading marks it."""
    started = timezone.now() - dt.timedelta(hours=5 - number)
    attempt = ExamAttempt.objects.create(
        exam=exam,
        user=user,
        number=number,
        started_at=started,
        deadline=started + dt.timedelta(minutes=30),
        status=status,
        max_score=Decimal("100"),
        score=None if score is None else Decimal(score),
        passed=passed,
    )
    if status == GRADED:
        mark_counted(attempt)
        attempt.save(update_fields=["is_counted"])
    return attempt


def _by_the_exams_rule(exam: Exam, people) -> set[int]:
    """The oracle: a person passed when ``summarise`` says so for the exam or any make-up of it."""
    family = list(Exam.objects.filter(pk__in=exam_family_ids(exam)))
    result = set()
    for person in people:
        for member in family:
            attempts = list(ExamAttempt.objects.filter(exam=member, user=person))
            if summarise(member, attempts).passed:
                result.add(person.pk)
    return result


def test_passers_follow_the_exams_rule_for_highest_last_ties_and_makeups(org_tree):
    year = timeutil.current_year()
    exam = fr.annual_exam(year, counted_attempt=Exam.CountedAttempt.HIGHEST)
    makeup = fr.annual_exam(
        year, title="补考", makeup_for=exam, is_annual_law_exam=False, counted_attempt=Exam.CountedAttempt.LAST
    )
    second_makeup = fr.annual_exam(year, title="二次补考", makeup_for=makeup, is_annual_law_exam=False)
    p = {name: UserFactory(org_unit=org_tree["shache_dept"], full_name=name) for name in "ABCDEFGHIJK"}
    _attempt(exam, p["A"], 1, "50", False)
    _attempt(exam, p["A"], 2, "80", True)  # the higher score counts: passed
    _attempt(exam, p["B"], 1, "80", True)
    _attempt(exam, p["B"], 2, "40", False)  # still the higher: passed
    _attempt(exam, p["C"], 1, "70", True)
    _attempt(exam, p["C"], 2, "70", False)  # a tie goes to the earlier attempt: passed
    _attempt(exam, p["D"], 1, "70", False)
    _attempt(exam, p["D"], 2, "70", True)  # … so here it fails
    _attempt(exam, p["E"], 1, None, True)
    _attempt(exam, p["E"], 2, "0", False)  # no score counts as 0: a tie, the earlier one passed
    _attempt(exam, p["F"], 1, "90", True, status=ExamAttempt.Status.SUBMITTED)  # not graded yet
    _attempt(exam, p["H"], 1, "30", False)
    _attempt(makeup, p["H"], 1, "90", True)
    _attempt(makeup, p["H"], 2, "20", False)  # the make-up counts its last attempt: failed
    _attempt(exam, p["I"], 1, "30", False)
    _attempt(makeup, p["I"], 1, "20", False)
    _attempt(makeup, p["I"], 2, "75", True)  # passed the make-up at the second try
    _attempt(second_makeup, p["J"], 1, "65", True)  # a make-up of the make-up counts too
    _attempt(exam, p["K"], 1, "59", None)  # graded without a verdict is not a pass
    people = list(p.values())

    expected = _by_the_exams_rule(exam, people)
    assert expected == {p[n].pk for n in "ABCEIJ"}
    assert exam_passers(exam, [person.pk for person in people]) == expected
    assert exam_passers(exam, type(people[0]).objects.filter(org_unit=org_tree["shache_dept"])) == expected
    assert exam_passers(None, [person.pk for person in people]) == set()


def _counted_by_the_rule(exam: Exam) -> set[int]:
    """The oracle: each person's counted attempt by ``summarise`` (the exams app's Python rule)."""
    exam.refresh_from_db()
    by_person: dict[int, list[ExamAttempt]] = {}
    for attempt in ExamAttempt.objects.filter(exam=exam):
        by_person.setdefault(attempt.user_id, []).append(attempt)
    return {summary.counted.pk for summary in map(lambda a: summarise(exam, a), by_person.values()) if summary.counted}


@pytest.mark.parametrize("seed", range(4))
def test_the_result_marked_at_grading_is_the_rules_and_recount_agrees(org_tree, seed):
    """Grading marks one result per person (``mark_counted``); the set-based ``recount`` marks the same, and
    changing the exam's counting rule marks each person's result under the new rule."""
    rng = random.Random(seed)
    exam = fr.annual_exam(timeutil.current_year(), attempts_allowed=4)
    for person in [fr.officer(org_tree["shache_dept"]) for _ in range(12)]:
        for number in range(1, rng.randint(0, 4) + 1):
            score = rng.choice([None, "0", "40", "60", "60", "90"])
            status = rng.choice([GRADED, GRADED, GRADED, ExamAttempt.Status.SUBMITTED])
            _attempt(exam, person, number, score, score is not None and Decimal(score) >= 60, status=status)
    changes_with_the_rule = fr.officer(org_tree["shache_dept"])
    _attempt(exam, changes_with_the_rule, 1, "90", True)
    _attempt(exam, changes_with_the_rule, 2, "40", False)

    def marked() -> set[int]:
        return set(ExamAttempt.objects.filter(exam=exam, is_counted=True).values_list("pk", flat=True))

    expected = _counted_by_the_rule(exam)
    assert expected and marked() == expected
    ExamAttempt.objects.filter(exam=exam).update(is_counted=False)
    recount(exam_ids=[exam.pk])
    assert marked() == expected
    exam.counted_attempt = Exam.CountedAttempt.LAST
    exam.save()
    assert marked() == _counted_by_the_rule(exam) != expected


def _risk_page(client):
    response = client.get(reverse("review:review_risk"), {"risk": "exam"})
    assert response.status_code == 200
    return response


def test_at_risk_page_stays_the_same_size_whatever_the_number_of_passers(
    client_for, hr_shache, org_tree, django_assert_max_num_queries
):
    """More passers change neither the list, nor the number of queries, nor their text (no id list in the SQL)."""
    exam = fr.annual_exam(timeutil.current_year())
    not_yet = [fr.officer(org_tree["shache_dept"], full_name=f"未考{i}") for i in range(2)]
    failed = fr.officer(org_tree["shache_dept"], full_name="未通过")
    _attempt(exam, failed, 1, "10", False)
    for person in [*not_yet, failed]:
        credit(person, hours="60")

    def add_passers(n: int) -> None:
        for _ in range(n):
            person = fr.officer(org_tree["shache_dept"])
            credit(person, hours="60")
            _attempt(exam, person, 1, "90", True)

    client = client_for(hr_shache)
    add_passers(2)
    _risk_page(client)  # warm caches (session, content types)
    with django_assert_max_num_queries(40) as small:
        before = _risk_page(client)
    add_passers(25)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        after = _risk_page(client)

    assert len(large.captured_queries) == len(small.captured_queries)
    assert [len(q["sql"]) for q in large.captured_queries] == [len(q["sql"]) for q in small.captured_queries]
    listed = {"未考0", "未考1", "未通过"}
    for response in (before, after):
        assert {p.full_name for p in response.context["people"]} == listed
        assert response.context["breakdown"]["exam"] == 3
        assert "年度考法尚未通过" in response.content.decode()
    assert after.context["totals"].holders == 3 + 27 and after.context["totals"].at_risk == 3


def test_at_risk_exam_part_is_everyone_the_exams_rule_does_not_pass(org_tree):
    year = timeutil.current_year()
    exam = fr.annual_exam(year, attempts_allowed=2)
    people = [fr.officer(org_tree["shache_dept"]) for _ in range(6)]
    _attempt(exam, people[0], 1, "90", True)
    _attempt(exam, people[1], 1, "10", False)
    _attempt(exam, people[2], 1, "10", False)
    _attempt(exam, people[2], 2, "60", True)
    _attempt(exam, people[3], 1, "70", True, status=ExamAttempt.Status.SUBMITTED)
    for person in people:
        credit(person, hours="60")
    rules = sel.year_rules(year)
    risk = at_risk_people(None, None, rules, review_rule(year), risk="exam")
    listed = {person.pk: person.exam_passed for person in risk.people}
    assert set(listed) == {p.pk for p in people} - _by_the_exams_rule(exam, people)
    assert not any(listed.values())


def test_category_minimums_read_the_per_category_balances(org_tree):
    """``cat_<code>`` is the person's category balance of the year (0 without one), as before the join."""
    year = 2025
    req = AnnualRequirement.objects.create(year=year, staff_category="enforcement", required_hours=Decimal("60"))
    CategoryMinimum.objects.create(requirement=req, category_id="legal", min_hours=Decimal("20"))
    CategoryMinimum.objects.create(requirement=req, category_id="professional", min_hours=Decimal("16"))
    both = UserFactory(org_unit=org_tree["shache_dept"], full_name="两类")
    legal_only = UserFactory(org_unit=org_tree["shache_dept"], full_name="法律")
    UserFactory(org_unit=org_tree["shache_dept"], full_name="无")
    credit(both, hours="25", category="legal", earned_on=dt.date(year, 3, 1))
    credit(both, hours="17", category="professional", earned_on=dt.date(year, 4, 1))
    credit(both, hours="9", category="legal", earned_on=dt.date(year - 1, 4, 1))  # another year
    credit(legal_only, hours="40", category="legal", earned_on=dt.date(year, 5, 1))
    rules = sel.year_rules(year)
    people = {p.full_name: p for p in sel.annotate_people(sel.people_in(None, org_tree["shache_dept"]), rules)}
    figures = {name: (p.hours, p.cat_legal, p.cat_professional) for name, p in people.items()}
    assert figures == {
        "两类": (Decimal("42"), Decimal("25"), Decimal("17")),
        "法律": (Decimal("40"), Decimal("40"), Decimal("0")),
        "无": (Decimal("0"), Decimal("0"), Decimal("0")),
    }
    compliant = sel.filtered_people(None, org_tree["shache_dept"], rules, status="not_compliant")
    assert {p.full_name for p in compliant} == {"两类", "法律", "无"}  # 42 < 60 for everyone
    roll = sel.rollup(None, org_tree["shache"], rules, sel.row_units_for(None, org_tree["shache"]))
    assert roll.totals.headcount == 3 and roll.totals.compliant == 0
