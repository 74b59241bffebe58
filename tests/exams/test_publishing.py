"""The publishing rules called directly: a paper every learner can be given, and a grader for short answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import Exam, PaperRule, QuestionType
from exams.services.publishing import grader_problems, paper_problems

from . import factories_exams as f

pytestmark = pytest.mark.django_db

FIXED = Exam.PaperMode.FIXED
RULES = Exam.PaperMode.RULES
GRADER_NEEDED = "试卷可能含简答题，须至少指定一名阅卷人才能发布；否则简答题答卷会一直停在“待阅卷”。"


def _rule(category, qtype=QuestionType.SINGLE, count=1, *, include_subcategories=True) -> PaperRule:
    return PaperRule(
        category=category,
        include_subcategories=include_subcategories,
        question_type=qtype,
        count=count,
        points_each=Decimal("2"),
    )


def test_a_fixed_paper_without_questions_is_refused():
    assert paper_problems(mode=FIXED, questions=[], rules=[]) == ["固定试卷至少需要一道题目，才能发布。"]


def test_a_fixed_paper_with_a_question_may_be_published():
    assert paper_problems(mode=FIXED, questions=[f.question()], rules=[]) == []


def test_a_drawn_paper_without_rules_is_refused():
    assert paper_problems(mode=RULES, questions=[], rules=[]) == ["按规则抽题至少需要一条抽题规则，才能发布。"]


def test_each_rule_the_bank_cannot_meet_is_refused_by_number():
    cat = f.category("行政强制法")
    f.question(QuestionType.SINGLE, cat=cat)
    f.question(QuestionType.TRUEFALSE, cat=cat)
    rules = [_rule(cat, QuestionType.SINGLE, 1), _rule(cat, QuestionType.SINGLE, 20), _rule(cat, "truefalse", 3)]
    assert paper_problems(mode=RULES, questions=[], rules=rules) == [
        "第 2 条抽题规则需要 20 道题，题库中只有 1 道。",
        "第 3 条抽题规则需要 3 道题，题库中只有 1 道。",
    ]


def test_rules_the_bank_meets_may_be_published_and_subcategories_count_when_included():
    top = f.category("行政许可法")
    sub = f.category("许可程序", parent=top)
    f.question(QuestionType.SINGLE, cat=top)
    f.question(QuestionType.SINGLE, cat=sub)
    assert paper_problems(mode=RULES, questions=[], rules=[_rule(top, count=2)]) == []
    assert paper_problems(mode=RULES, questions=[], rules=[_rule(top, count=2, include_subcategories=False)]) == [
        "第 1 条抽题规则需要 2 道题，题库中只有 1 道。"
    ]


def test_a_rule_still_missing_its_fields_is_left_to_the_form():
    incomplete = PaperRule(category=None, question_type="", count=None)
    assert paper_problems(mode=RULES, questions=[], rules=[incomplete]) == []


def test_a_saved_exam_is_asked_through_its_paper():
    exam = f.exam([], paper_mode=RULES)
    PaperRule.objects.create(exam=exam, category=f.category("空分类"), question_type="single", count=1, points_each=1)
    problems = paper_problems(
        mode=exam.paper_mode,
        questions=[slot.question for slot in exam.paper_questions.all()],
        rules=list(exam.paper_rules.all()),
    )
    assert problems == ["第 1 条抽题规则需要 1 道题，题库中只有 0 道。"]


def test_a_fixed_paper_with_a_short_answer_needs_a_grader():
    paper = {"mode": FIXED, "questions": [f.question(QuestionType.SHORT)], "rules": []}
    assert grader_problems(**paper, graders=[]) == [GRADER_NEEDED]
    assert grader_problems(**paper, graders=None) == [GRADER_NEEDED]


def test_rules_that_draw_short_answers_need_a_grader():
    rules = [_rule(f.category("案例分析"), QuestionType.SHORT)]
    assert grader_problems(mode=RULES, questions=[], rules=rules, graders=[]) == [GRADER_NEEDED]


def test_a_paper_that_can_hold_short_answers_with_a_grader_may_be_published(trainer):
    paper = {"mode": FIXED, "questions": [f.question(QuestionType.SHORT)], "rules": []}
    assert grader_problems(**paper, graders=[trainer]) == []
    graders = type(trainer).objects.filter(pk=trainer.pk)
    assert grader_problems(**paper, graders=graders) == []


def test_objective_papers_need_no_grader():
    cat = f.category("行政处罚法")
    objective = [f.question(QuestionType.SINGLE, cat=cat), f.question(QuestionType.FILL, cat=cat), None]
    assert grader_problems(mode=FIXED, questions=objective, rules=[], graders=[]) == []
    assert grader_problems(mode=RULES, questions=[], rules=[_rule(cat, QuestionType.SINGLE)], graders=[]) == []


def test_a_short_answer_in_the_bank_is_no_reason_when_no_rule_draws_it():
    cat = f.category("行政许可法")
    f.question(QuestionType.SHORT, cat=cat)
    assert grader_problems(mode=RULES, questions=[], rules=[_rule(cat, QuestionType.SINGLE)], graders=[]) == []
