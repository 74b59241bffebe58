"""Which graded attempt is a person's result at an exam (``ExamAttempt.is_counted``).

The rule is ``exams.selectors.exams.counted_attempt``: the highest score (the
earlier of equal scores, no score counting as 0) or the last attempt, per
``Exam.counted_attempt``. It is written down on the attempts rather than worked
out by every reader, so that "who passed" — for a whole province, on the review's
at-risk page — is one scan of a small index instead of an anti-join of every
graded attempt against every other, evaluated wherever the page needs it.

Two writers keep it: grading, for one person (``mark_counted``, in the grading
transaction), and ``recount``, for whole exams at once (when an exam's
``counted_attempt`` setting changes, and for attempts written in bulk). Their SQL
and Python forms are twins; tests/learning/test_review_exam_passers.py checks that
they agree case by case.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F, QuerySet, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from exams.models import Exam, ExamAttempt
from exams.selectors.exams import counted_attempt

GRADED = ExamAttempt.Status.GRADED


def mark_counted(attempt: ExamAttempt) -> None:
    """``attempt`` has just been graded (not saved yet): make the person's result at its exam the right attempt.

    Sets ``attempt.is_counted`` (the caller saves it with the grade) and clears the flag
    on the person's attempt that counted until now, if another. Runs inside the
    grading transaction, with the person's graded attempts at this exam locked, so two
    gradings of the same person cannot both count.
    """
    others = list(
        ExamAttempt.objects.select_for_update()
        .filter(exam_id=attempt.exam_id, user_id=attempt.user_id, status=GRADED)
        .exclude(pk=attempt.pk)
        .order_by("pk")
    )
    winner = counted_attempt(attempt.exam, [*others, attempt])
    attempt.is_counted = winner is attempt
    stale = [other.pk for other in others if other.is_counted and other is not winner]
    if stale:
        ExamAttempt.objects.filter(pk__in=stale).update(is_counted=False)
    if winner is not attempt and winner is not None and not winner.is_counted:
        ExamAttempt.objects.filter(pk=winner.pk).update(is_counted=True)


def _ranked_first(ids: list[int], counted_setting: str) -> QuerySet:
    """The graded attempts that ``counted_attempt`` picks, for exams ``ids`` with that setting (a subquery of ids).

    Each person's graded attempts at an exam are ranked by one window (the last for ``LAST``;
    for ``HIGHEST`` the highest score, no score counting as 0, the earlier of equal scores) and
    the first of each is the winner: one sort of the exam's attempts, so a province's exam of
    52,000 attempts is recounted in linear time whatever the planner knows of the table.
    """
    if counted_setting == Exam.CountedAttempt.LAST:
        order = [F("number").desc()]
    else:
        order = [Coalesce("score", Value(Decimal("0"))).desc(), F("number").asc()]
    rank = Window(RowNumber(), partition_by=[F("exam_id"), F("user_id")], order_by=order)
    return ExamAttempt.objects.filter(exam_id__in=ids, status=GRADED).annotate(rank=rank).filter(rank=1).values("pk")


def recount(*, exam_ids: Iterable[int]) -> int:
    """Set ``is_counted`` afresh on every attempt of these exams, in SQL (two UPDATEs per setting); returns
    how many attempts changed."""
    exam_ids = list(exam_ids)
    changed = 0
    with transaction.atomic():
        by_setting: dict[str, list[int]] = {}
        for pk, setting in Exam.objects.filter(pk__in=exam_ids).values_list("pk", "counted_attempt"):
            by_setting.setdefault(setting, []).append(pk)
        for setting, ids in by_setting.items():
            winners = _ranked_first(ids, setting)
            # Clear first: the unique constraint allows one counted attempt per person and exam at any moment.
            changed += (
                ExamAttempt.objects.filter(exam_id__in=ids, is_counted=True)
                .exclude(pk__in=winners)
                .update(is_counted=False)
            )
            changed += ExamAttempt.objects.filter(pk__in=winners, is_counted=False).update(is_counted=True)
    return changed
