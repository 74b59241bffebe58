"""Demo question bank and an open annual law exam (called from ``seed_demo``), idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.drilldown import child_units
from exams.models import Exam, ExamQuestion, Question
from exams.services.question_import import import_questions

BANK = Path(__file__).resolve().parent / "data" / "xzcf.gift"


@transaction.atomic
def seed_demo_exam(*, year: int, created_by) -> Exam:
    if not Question.objects.filter(name__startswith="XZCF-").exists():
        import_questions(data=BANK.read_bytes(), fmt="gift", user=created_by)
    title = f"{year}年度行政执法人员法律知识考试"
    exam = Exam.objects.filter(title=title).first()
    if exam is not None:
        return exam
    now = timezone.now()
    exam = Exam.objects.create(
        title=title,
        description="闭卷，30 分钟，满分 100 分，60 分及格；通过计 2 学时（法律知识）。",
        opens_at=now - dt.timedelta(days=1),
        closes_at=timezone.make_aware(dt.datetime(year, 12, 31, 23, 0)),
        duration_minutes=30,
        attempts_allowed=2,
        pass_percent=Decimal("60"),
        credit_hours=Decimal("2"),
        credit_category_id="legal",
        is_annual_law_exam=True,
        year=year,
        is_published=True,
        created_by=created_by,
    )
    exam.audience_units.set(child_units(None, None))
    questions = Question.objects.filter(name__startswith="XZCF-").order_by("name")
    for order, question in enumerate(questions):
        points = Decimal("10") if question.name in {"XZCF-06", "XZCF-10"} else Decimal("8")
        ExamQuestion.objects.create(exam=exam, question=question, points=points, sort_order=order)
    return exam
