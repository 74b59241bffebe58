"""The grading queue: short answers waiting for a person, visible only to the exam's graders.

Answers are shown without the learner's name (a grader is not necessarily in the
learner's HR scope, and blind marking is fairer): the grader sees the exam, the
answer sheet number, the question, its reference answer and the text typed.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from exams import qtypes
from exams.models import AttemptAnswer, Exam, ExamAttempt

Status = ExamAttempt.Status
PENDING = Q(
    item__qtype__in=sorted(qtypes.names(manual=True)),
    score__isnull=True,
    item__attempt__status__in=[Status.SUBMITTED, Status.FINALISED],
)


def is_grader(user) -> bool:
    return user.is_authenticated and Exam.objects.filter(graders=user).exists()


def grader_exams(user) -> QuerySet:
    """The exams ``user`` grades, with how many answers wait for them."""
    return (
        Exam.objects.filter(graders=user)
        .annotate(
            pending=Count(
                "attempts__items__answer",
                filter=Q(
                    attempts__items__qtype__in=sorted(qtypes.names(manual=True)),
                    attempts__items__answer__score__isnull=True,
                    attempts__status__in=[Status.SUBMITTED, Status.FINALISED],
                ),
            )
        )
        .order_by("-closes_at")
    )


def pending_answers(user, *, exam_id: int | None = None, limit: int = 20) -> list[AttemptAnswer]:
    answers = AttemptAnswer.objects.filter(PENDING, item__attempt__exam__graders=user)
    if exam_id is not None:
        answers = answers.filter(item__attempt__exam_id=exam_id)
    return list(
        answers.select_related("item__question_version", "item__attempt__exam").order_by(
            "item__attempt__submitted_at", "item__attempt_id", "item__position"
        )[:limit]
    )
