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
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce

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


def _counted_q(counted_setting: str) -> Q:
    """``counted_attempt`` in SQL, for graded attempts of exams with that setting: no other graded attempt of
    the same person at the same exam beats it (a later one for ``LAST``; a higher score, or an equal score
    earlier, for ``HIGHEST``)."""
    graded = ExamAttempt.objects.filter(status=GRADED, exam_id=OuterRef("exam_id"), user_id=OuterRef("user_id"))
    if counted_setting == Exam.CountedAttempt.LAST:
        return ~Exists(graded.filter(number__gt=OuterRef("number")))
    points = Coalesce("score", Value(Decimal("0")))
    higher = graded.annotate(points=points).filter(
        Q(points__gt=OuterRef("points")) | Q(points=OuterRef("points"), number__lt=OuterRef("number"))
    )
    return ~Exists(higher)


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
            graded = ExamAttempt.objects.filter(exam_id__in=ids, status=GRADED).annotate(
                points=Coalesce("score", Value(Decimal("0")))
            )
            winners = graded.filter(_counted_q(setting)).values("pk")
            # Clear first: the unique constraint allows one counted attempt per person and exam at any moment.
            changed += (
                ExamAttempt.objects.filter(exam_id__in=ids, is_counted=True)
                .exclude(pk__in=winners)
                .update(is_counted=False)
            )
            changed += ExamAttempt.objects.filter(pk__in=winners, is_counted=False).update(is_counted=True)
    return changed
