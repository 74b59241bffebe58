"""The review's part of "我的达标路径", registered with ``learning.selectors.path`` in
``ReviewConfig.ready`` (learning shows it without importing this app): the year's annual
law exam named by the year's rule, and the years a credential of the official's failed."""

from __future__ import annotations

from accounts.models import User
from learning.selectors.path import AnnualExam, FailedReview
from review.models import AnnualReviewOutcome
from review.selectors.review import exam_family_ids, exam_passers, review_rule


def annual_exam(user: User, *, year: int) -> list[AnnualExam]:
    """The year's annual exam (``review_rule``) with its make-ups, and whether the user passed one of them."""
    exam = review_rule(year).annual_exam
    if exam is None:
        return []
    return [AnnualExam(exam, frozenset(exam_family_ids(exam)), user.pk in exam_passers(exam, [user.pk]))]


def failed_reviews(user: User) -> list[FailedReview]:
    """The user's failing outcomes, oldest year first, with their reasons (one query)."""
    rows = (
        AnnualReviewOutcome.objects.filter(credential__holder_id=user.pk, passed=False)
        .order_by("year")
        .values_list("credential_id", "year", "reasons")
    )
    return [FailedReview(credential_id, year, tuple(reasons or ())) for credential_id, year, reasons in rows]
