"""Demo question bank and an open annual law exam (called from ``seed_demo``), idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.drilldown import child_units
from exams.models import Exam, ExamQuestion, Question, QuestionCategory
from exams.selectors.questions import resolve_citation
from exams.services.question_import import import_questions

BANK = Path(__file__).resolve().parent / "data" / "xzcf.gift"


@transaction.atomic
def seed_demo_exam(*, year: int, created_by) -> Exam:
    if not Question.objects.filter(name__startswith="XZCF-").exists():
        import_questions(data=BANK.read_bytes(), fmt="gift", user=created_by)
    title = f"{year}年度行政执法人员法律知识考试"
    exam = Exam.objects.filter(title=title).first()
    if exam is None:
        exam = _create_exam(title=title, year=year, created_by=created_by)
    _open_for_study(exam)
    return exam


# The article of 行政处罚法 (2021) each demo question tests: practice and the 错题本 group by law.
CITATIONS = {
    "XZCF-01": "行政处罚法第九条",
    "XZCF-02": "行政处罚法第三十六条",
    "XZCF-03": "行政处罚法第五十一条",
    "XZCF-04": "行政处罚法第六十四条",
    "XZCF-05": "行政处罚法第四十二条",
    "XZCF-06": "行政处罚法第三十二条",
    "XZCF-07": "行政处罚法第六十六条",
    "XZCF-08": "行政处罚法第三十条",
    "XZCF-09": "行政处罚法第三十九条",
    "XZCF-10": "行政处罚法第二十九条",
    "XZCF-11": "行政处罚法第六十条",
    "XZCF-12": "行政处罚法第五十二条",
}


def _open_for_study(exam: Exam) -> None:
    """The demo bank is open for practice, cites its articles, and the demo exam has a mock (idempotent)."""
    questions = Question.objects.filter(name__startswith="XZCF-")
    QuestionCategory.objects.filter(pk__in=questions.values("category")).update(open_for_practice=True)
    Exam.objects.filter(pk=exam.pk).update(has_mock=True)
    exam.has_mock = True
    for question in questions.prefetch_related("law_articles"):
        article = resolve_citation(CITATIONS.get(question.name, ""))
        if article is not None and not question.law_articles.all():
            question.law_articles.add(article)


def _create_exam(*, title: str, year: int, created_by) -> Exam:
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
