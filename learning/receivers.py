"""What the ledger and course progress do when other apps announce something.

* ``exams.signals.pass_recorded`` (inside the grading transaction): the exam's hours
  are credited — the exam's own ``credit_hours``, else the year's credit rule — with
  source key ``exam:{exam}:{user}`` (one credit per person and exam, whatever the
  attempts); the hours credited are returned to the exam, for its certificate. After
  commit, the courses that waited for this exam are completed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from learning.models import SourceKind
from learning.selectors.requirements import credit_rules
from learning.services.ledger import post_credit
from learning.services.progress import complete_courses_of_exam


def credit_exam_pass(sender, attempt, earned_on, **kwargs) -> Decimal | None:
    exam = attempt.exam
    hours = exam.credit_hours if exam.credit_hours is not None else credit_rules(earned_on.year).exam_pass_hours
    if hours and hours > 0:
        post_credit(
            user=attempt.user,
            hours=hours,
            category=exam.credit_category_id or "legal",
            source_kind=SourceKind.EXAM,
            source_key=f"exam:{exam.pk}:{attempt.user_id}",
            source_ref=exam.title,
            source_url=reverse("exams:exam_detail", args=[exam.pk]),
            earned_on=earned_on,
        )
    return hours


def complete_courses_after_pass(sender, attempt, **kwargs) -> None:
    user, exam_id = attempt.user, attempt.exam_id
    transaction.on_commit(lambda: complete_courses_of_exam(user=user, exam_id=exam_id))


def connect() -> None:
    from exams.signals import pass_recorded

    pass_recorded.connect(credit_exam_pass, dispatch_uid="learning_credit_exam_pass")
    pass_recorded.connect(complete_courses_after_pass, dispatch_uid="learning_complete_courses_after_pass")
