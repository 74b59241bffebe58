"""Factories for exams and attempts (questions are built in the stored shape of exams.models.questions)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exams.models import Exam, ExamQuestion, Question, QuestionCategory, QuestionType, QuestionVersion

SECRET_EXPLANATION = "解析：这是只有交卷后才能看到的解析XYZ"


def category(name: str = "行政处罚法", parent: QuestionCategory | None = None) -> QuestionCategory:
    existing = (parent.get_children() if parent else QuestionCategory.get_root_nodes()).filter(name=name).first()
    if existing:
        return existing
    return parent.add_child(name=name) if parent else QuestionCategory.add_root(name=name)


def question(
    qtype: str = QuestionType.SINGLE,
    *,
    stem: str = "",
    correct=("B",),
    keys=("A", "B", "C", "D"),
    accepted=("行政处罚",),
    points: str = "1",
    cat: QuestionCategory | None = None,
    fractions: dict | None = None,
    name: str = "",
) -> Question:
    """One question with its first version; choice questions get options keyed ``keys``."""
    cat = cat or category()
    q = Question.objects.create(category=cat, type=qtype, name=name)
    if qtype == QuestionType.TRUEFALSE:
        keys = ("T", "F")
        correct = correct if set(correct) <= {"T", "F"} else ("T",)
    options = []
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE):
        for key in keys:
            fraction = (fractions or {}).get(key, "1" if key in correct else "0")
            options.append(
                {"key": key, "text": f"选项{key}的内容", "correct": key in correct, "fraction": str(fraction)}
            )
    version = QuestionVersion.objects.create(
        question=q,
        number=1,
        stem=stem or f"<p>{QuestionType(qtype).label}题干{q.pk}</p>",
        options=options,
        accepted_answers=list(accepted) if qtype in (QuestionType.FILL, QuestionType.SHORT) else [],
        points=Decimal(points),
        explanation=f"<p>{SECRET_EXPLANATION}</p>",
    )
    q.current_version = version
    q.save(update_fields=["current_version"])
    return q


def exam(questions=(), *, points=None, **overrides) -> Exam:
    """A published exam open now (one hour window, 30 minutes), fixed paper of ``questions``."""
    now = timezone.now()
    fields = {
        "title": "2026年度行政执法人员法律知识考试",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(hours=1),
        "duration_minutes": 30,
        "attempts_allowed": 1,
        "pass_percent": Decimal("60"),
        "is_published": True,
        "shuffle_questions": False,
        "shuffle_options": False,
    }
    fields.update(overrides)
    e = Exam.objects.create(**fields)
    for i, q in enumerate(questions):
        ExamQuestion.objects.create(exam=e, question=q, sort_order=i, points=(points or {}).get(q.pk))
    return e


def mixed_paper() -> list[Question]:
    """Single, multiple, true/false and fill-in, 1 point each (answers: B / A+C / T / 行政处罚)."""
    return [
        question(QuestionType.SINGLE, correct=("B",)),
        question(QuestionType.MULTIPLE, correct=("A", "C")),
        question(QuestionType.TRUEFALSE, correct=("T",)),
        question(QuestionType.FILL, accepted=("行政处罚",)),
    ]
