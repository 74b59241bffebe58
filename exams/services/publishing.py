"""What must hold before an exam is published: a paper every learner can be given, and someone to grade it.

The exam form asks these of the paper as it is being entered (questions and rules not
saved yet), so the functions take the paper's parts rather than a saved exam; a saved
exam passes ``[slot.question for slot in exam.paper_questions.all()]`` and
``list(exam.paper_rules.all())``. Each returns the refusal reasons, empty when publishing
may go ahead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.utils.translation import gettext as _

from exams import qtypes
from exams.models import Exam, PaperRule, Question
from exams.services.attempts import rule_candidates


def paper_problems(*, mode: str, questions: Sequence[Question | None], rules: Sequence[PaperRule]) -> list[str]:
    """Why the paper cannot be given to every learner: a fixed paper needs a question, a drawn paper
    a rule, and every rule as many questions in the bank as it draws (counted the way a start draws).

    A rule still missing its category, type or count is left to the form's own field errors.
    """
    if mode == Exam.PaperMode.FIXED:
        return [] if questions else [_("固定试卷至少需要一道题目，才能发布。")]
    if not rules:
        return [_("按规则抽题至少需要一条抽题规则，才能发布。")]
    problems = []
    for number, rule in enumerate(rules, start=1):
        if rule.category_id is None or not rule.question_type or not rule.count:
            continue
        have = len(rule_candidates(rule))
        if have < rule.count:
            problems.append(
                _("第 %(n)s 条抽题规则需要 %(need)s 道题，题库中只有 %(have)s 道。")
                % {"n": number, "need": rule.count, "have": have}
            )
    return problems


def _may_hold_short_answers(*, mode: str, questions: Sequence[Question | None], rules: Sequence[PaperRule]) -> bool:
    """Whether some learner's paper can hold a short answer, which only a person can grade."""
    if mode == Exam.PaperMode.FIXED:
        return any(q is not None and qtypes.get(q.type).manual for q in questions)
    return any(qtypes.get(rule.question_type).manual for rule in rules)


def grader_problems(
    *, mode: str, questions: Sequence[Question | None], rules: Sequence[PaperRule], graders: Collection[Any]
) -> list[str]:
    """Why the exam needs a grader first: without one, short answers would wait for grading forever."""
    if graders or not _may_hold_short_answers(mode=mode, questions=questions, rules=rules):
        return []
    return [_("试卷可能含简答题，须至少指定一名阅卷人才能发布；否则简答题答卷会一直停在“待阅卷”。")]
