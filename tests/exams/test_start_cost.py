"""What a start costs, and that the paper PostgreSQL draws is the paper ``draw_paper`` would draw.

On exam day 1,800 people start within minutes: a start is a fixed handful of statements
whatever the number of questions (the paper is drawn, shuffled and frozen in one
``INSERT … SELECT``), and the exam page after it one query for the whole paper.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffCategory
from exams.models import AttemptAnswer, AttemptQuestion, Exam, ExamAttempt, PaperRule, QuestionType
from exams.selectors.exams import in_audience, with_audience_flags
from exams.services import attempts as service
from exams.services.attempts import AttemptError, draw_paper, rule_candidates, start_attempt
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the paper is drawn in SQL on PostgreSQL")

#: A start on PostgreSQL: the exam with everything the audience rule needs (the exam is for a unit
#: subtree), the learner's attempts, then one statement (the attempt, its frozen paper and its empty
#: answers) between the savepoint pair.
START_QUERIES = 5
KINDS = (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE, QuestionType.FILL)


def _bank(size: int, cat=None) -> list:
    return [f.question(KINDS[n % len(KINDS)], cat=cat) for n in range(size)]


def _fixed_exam(questions: int, org_tree) -> Exam:
    exam = f.exam(_bank(questions), shuffle_questions=True, shuffle_options=True)
    exam.audience_units.add(org_tree["pref"])
    return exam


def _rule_exam(questions: int, org_tree) -> Exam:
    """A paper of ``questions`` questions drawn by four rules (one per type) from a bank twice its size."""
    law = f.category("法律知识")
    chapters = [f.category(f"第{i}章", parent=law) for i in range(2)]
    for chapter in chapters:
        _bank(questions, cat=chapter)
    exam = f.exam(paper_mode=Exam.PaperMode.RULES, shuffle_questions=True, shuffle_options=True)
    exam.audience_units.add(org_tree["pref"])
    for i, qtype in enumerate(KINDS):
        PaperRule.objects.create(
            exam=exam, category=law, question_type=qtype, count=questions // 4, points_each=Decimal("2"), sort_order=i
        )
    return exam


PAPERS = {
    "fixed paper of 20": (_fixed_exam, 20),
    "rule-drawn paper of 20": (_rule_exam, 20),
    "rule-drawn paper of 100": (_rule_exam, 100),
}


@on_postgresql
@pytest.mark.parametrize("paper", list(PAPERS))
def test_a_start_is_the_same_few_queries_whatever_the_paper(paper, learner, org_tree, django_assert_num_queries):
    build, questions = PAPERS[paper]
    exam = build(questions, org_tree)
    learner.refresh_from_db()  # as the request's user: its unit not yet loaded
    with django_assert_num_queries(START_QUERIES):
        attempt = start_attempt(exam_id=exam.pk, user=learner)
    assert attempt.items.count() == questions
    assert AttemptAnswer.objects.filter(item__attempt=attempt, seq=0, response__isnull=True).count() == questions


def test_a_start_costs_no_more_queries_for_five_times_the_questions(learner, org_tree):
    counts = []
    for questions in (20, 100):
        exam = _rule_exam(questions, org_tree)
        person = UserFactory(org_unit=org_tree["shache_dept"])
        with CaptureQueriesContext(connection) as queries:
            start_attempt(exam_id=exam.pk, user=person)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("questions", [20, 100])
def test_the_paper_page_reads_the_paper_in_one_query(questions, learner, org_tree, client_for):
    exam = _rule_exam(questions, org_tree)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    client = client_for(learner)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("exams:attempt", args=[attempt.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('class="card question"') == questions
    paper_reads = [q["sql"] for q in queries.captured_queries if 'FROM "exams_attemptquestion"' in q["sql"]]
    assert len(paper_reads) == 1


# --- the SQL draw is draw_paper's twin ---------------------------------------------------------


def _frozen(attempt) -> list[tuple]:
    return list(
        attempt.items.order_by("position").values_list("question_version_id", "qtype", "option_order", "points")
    )


@on_postgresql
def test_an_unshuffled_fixed_paper_is_frozen_exactly_as_draw_paper_draws_it(learner):
    questions = f.mixed_paper() + [f.question(QuestionType.SHORT)]
    exam = f.exam(questions, points={questions[1].pk: Decimal("3.5")})
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    expected = [(i.version_id, i.qtype, i.option_order, i.points) for i in draw_paper(exam)]
    assert _frozen(attempt) == expected
    assert attempt.max_score == Decimal("7.5")
    assert ExamAttempt.objects.get(pk=attempt.pk).max_score == Decimal("7.5")


@on_postgresql
def test_shuffling_changes_the_order_never_the_content(learner):
    questions = [f.question(QuestionType.SINGLE, keys=tuple("ABCDEFGH")) for _ in range(12)]
    questions += [f.question(QuestionType.TRUEFALSE), f.question(QuestionType.FILL)]
    exam = f.exam(questions, shuffle_questions=True, shuffle_options=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    frozen = _frozen(attempt)
    expected = [(i.version_id, i.qtype, i.option_order, i.points) for i in draw_paper(exam)]
    assert sorted(v for v, *_ in frozen) == sorted(v for v, *_ in expected)
    by_version = {v: (qtype, sorted(order), points) for v, qtype, order, points in expected}
    assert all(by_version[v] == (qtype, sorted(order), points) for v, qtype, order, points in frozen)
    assert [v for v, *_ in frozen] != [v for v, *_ in expected]  # 14! orders: equal by chance never
    choice_orders = [order for _v, qtype, order, _p in frozen if qtype == QuestionType.SINGLE]
    assert any(order != list("ABCDEFGH") for order in choice_orders)
    assert [order for _v, qtype, order, _p in frozen if qtype == QuestionType.TRUEFALSE] == [["T", "F"]]
    assert [order for _v, qtype, order, _p in frozen if qtype == QuestionType.FILL] == [[]]


@on_postgresql
def test_rules_draw_in_rule_order_from_their_category_and_type_only(learner):
    law = f.category("法律知识")
    chapter = f.category("行政处罚法", parent=law)
    other = f.category("其他")
    top = [f.question(QuestionType.SINGLE, cat=law) for _ in range(2)]
    below = [f.question(QuestionType.SINGLE, cat=chapter) for _ in range(3)]
    archived = f.question(QuestionType.SINGLE, cat=chapter)
    archived.is_archived = True
    archived.save(update_fields=["is_archived"])
    empty = f.question(QuestionType.SINGLE, cat=chapter)
    empty.current_version = None
    empty.save(update_fields=["current_version"])
    f.question(QuestionType.SINGLE, cat=other)
    fills = [f.question(QuestionType.FILL, cat=chapter) for _ in range(2)]
    exam = f.exam(paper_mode=Exam.PaperMode.RULES)
    exact = PaperRule.objects.create(
        exam=exam,
        category=law,
        include_subcategories=False,
        question_type=QuestionType.SINGLE,
        count=2,
        points_each=Decimal("1"),
        sort_order=0,
    )
    subtree = PaperRule.objects.create(
        exam=exam, category=law, question_type=QuestionType.SINGLE, count=3, points_each=Decimal("2"), sort_order=1
    )
    PaperRule.objects.create(
        exam=exam, category=chapter, question_type=QuestionType.FILL, count=2, points_each=Decimal("4"), sort_order=2
    )
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    items = list(attempt.items.select_related("question_version").order_by("position"))
    drawn = [item.question_version.question_id for item in items]
    # Siblings are kept in name order, so adding "其他" moved 法律知识's path: the rules as stored.
    exact, subtree = (PaperRule.objects.select_related("category").get(pk=rule.pk) for rule in (exact, subtree))
    assert set(drawn[:2]) == {q.pk for q in top} == {qid for qid, _v in rule_candidates(exact)}
    assert set(drawn[2:5]) == {q.pk for q in below}  # the subtree rule gets what the first rule left
    assert {qid for qid, _v in rule_candidates(subtree)} == {q.pk for q in top + below}
    assert set(drawn[5:]) == {q.pk for q in fills}
    assert [item.points for item in items] == [Decimal(p) for p in "1122244"]
    assert attempt.max_score == Decimal("16")


@on_postgresql
def test_a_later_rule_draws_uniformly_from_what_earlier_rules_left():
    """As ``_rule_paper`` does: a rule's draw is a fresh uniform sample of what is left, not biased by the earlier draw.

    Rule 1 takes one of {a, b}; rule 2 one of {a, b, c} minus that: ``c`` half of the time
    (one random order shared by both rules would give ``c`` two times in three).
    """
    law = f.category("法律知识")
    chapter = f.category("第一章", parent=law)
    f.question(QuestionType.SINGLE, cat=chapter)
    f.question(QuestionType.SINGLE, cat=chapter)
    c = f.question(QuestionType.SINGLE, cat=law)
    exam = f.exam(paper_mode=Exam.PaperMode.RULES, shuffle_questions=False)
    for i, category in enumerate((chapter, law)):
        PaperRule.objects.create(
            exam=exam, category=category, question_type=QuestionType.SINGLE, count=1, points_each=1, sort_order=i
        )
    now = timezone.now()
    user = UserFactory()
    trials, second_is_c = 600, 0
    for _ in range(trials):
        with transaction.atomic():
            attempt = ExamAttempt(exam=exam, user=user, number=1, started_at=now, deadline=now + timedelta(hours=1))
            service._start_in_database(attempt, exam)
            second = AttemptQuestion.objects.get(attempt=attempt, position=2).question_version.question_id
            second_is_c += second == c.pk
            transaction.set_rollback(True)
    assert 0.42 < second_is_c / trials < 0.58


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_slots", "本场考试还没有试卷"),
        ("question_without_content", "试卷中的题目“空题”没有内容"),
        ("no_rules", "本场考试还没有抽题规则"),
        ("rule_short", "需要 3 道题，题库中只有 2 道"),
    ],
)
def test_a_paper_that_cannot_be_drawn_starts_nothing_and_says_why(setup, message, learner):
    if setup in ("no_slots", "question_without_content"):
        questions = [f.question(QuestionType.SINGLE)]
        if setup == "question_without_content":
            empty = f.question(QuestionType.SINGLE, name="空题")
            empty.current_version = None
            empty.save(update_fields=["current_version"])
            questions.append(empty)
        exam = f.exam(questions if setup != "no_slots" else [])
    else:
        cat = f.category("行政强制法")
        f.question(QuestionType.MULTIPLE, cat=cat)
        f.question(QuestionType.MULTIPLE, cat=cat)
        exam = f.exam(paper_mode=Exam.PaperMode.RULES)
        if setup == "rule_short":
            PaperRule.objects.create(
                exam=exam, category=cat, question_type=QuestionType.MULTIPLE, count=3, points_each=Decimal("1")
            )
    with pytest.raises(AttemptError, match=message):
        start_attempt(exam_id=exam.pk, user=learner)
    assert not ExamAttempt.objects.exists()
    assert not AttemptQuestion.objects.exists()


def test_the_audience_flags_a_start_reads_agree_with_the_rule_read_from_the_exam(org_tree):
    """``with_audience_flags`` answers the unit-subtree part of the audience rule in SQL: its twin must agree."""
    people = {
        "in the subtree": UserFactory(org_unit=org_tree["shache_dept"]),
        "at the top of it": UserFactory(org_unit=org_tree["shache"]),
        "elsewhere": UserFactory(org_unit=org_tree["shufu_dept"]),
        "leader in the subtree": UserFactory(org_unit=org_tree["shache_dept"], staff_category=StaffCategory.LEADER),
        "without a unit": UserFactory(org_unit=None),
    }
    exams = {
        "open": f.exam(),
        "units": f.exam(),
        "categories": f.exam(audience_staff_categories=[StaffCategory.ENFORCEMENT]),
        "units and categories": f.exam(audience_staff_categories=[StaffCategory.ENFORCEMENT]),
        "named only": f.exam(),
    }
    exams["units"].audience_units.add(org_tree["shache"])
    exams["units and categories"].audience_units.add(org_tree["shache"], org_tree["shufu_dept"])
    exams["named only"].audience_users.add(people["elsewhere"])
    seen = set()
    for person in people.values():
        flagged = {e.pk: e for e in with_audience_flags(Exam.objects.all(), person)}
        for name, exam in exams.items():
            plain = Exam.objects.get(pk=exam.pk)
            verdict = in_audience(flagged[exam.pk], person, set())
            assert verdict == in_audience(plain, person, set()), (name, person.org_unit)
            seen.add(verdict)
    assert seen == {True, False}
