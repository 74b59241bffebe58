"""Demo data of the credential review (called from ``seed_demo``)."""

from __future__ import annotations

from exams.models import Exam
from learning.models import YearClose
from review.models import AnnualReviewRule
from review.services.review import ReviewError, run_annual_review


def seed_review_demo(year: int) -> dict:
    """The year's review rule, naming the year's annual law exam if there is one; idempotent.

    When ``year`` is already closed the review is run too, so the roster has data.
    """
    exam = (
        Exam.objects.filter(is_annual_law_exam=True, year=year, makeup_for__isnull=True)
        .order_by("-is_published", "pk")
        .first()
    )
    rule, created = AnnualReviewRule.objects.get_or_create(
        year=year,
        defaults={
            "requires_hours": True,
            "annual_exam": exam,
            "note": "演示数据：达到年度学时要求并通过年度学法考试。",
        },
    )
    if not created and rule.annual_exam_id is None and exam is not None:
        rule.annual_exam = exam
        rule.save(update_fields=["annual_exam", "updated_at"])
    result = {"rule_created": created, "annual_exam": exam.title if exam else None, "reviewed": 0}
    if YearClose.objects.filter(year=year).exists():
        try:
            result["reviewed"] = run_annual_review(year=year).reviewed
        except ReviewError:
            pass
    return result
