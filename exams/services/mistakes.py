"""The 错题本: a question goes in when a learner gets it wrong and leaves when they redo it right.

Which exam mistakes go in (decided here, in one place): those of a graded attempt whose exam's
review policy shows the learner their own answers — 显示正确答案和解析 (``FULL``) and
显示本人作答及每题得分 (``RESPONSES``). Under ``RESPONSES`` the entry is ``key_hidden``: the book
says the answer was wrong but shows neither the correct answer nor the explanation, as the exam
itself would not. Under 仅显示分数 (``SCORE``) nothing goes in: the learner may not even know
which questions they missed. An exam mistake shows from the moment the exam's review opens
(``review_from``, or the exam's close), so nobody still sitting the exam learns from it.
Short answers are graded by a person against no single right answer, and never go in.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from exams.models import AttemptAnswer, Exam, ExamAttempt, Mistake, QuestionType

FEEDS_BOOK = frozenset({Exam.ReviewPolicy.FULL, Exam.ReviewPolicy.RESPONSES})


def record_misses(
    *, user_id: int, question_ids: Iterable[int], source: str, now, visible_from=None, key_hidden: bool = False
) -> None:
    """Put the questions in the learner's book, or count one more miss for those already there.

    A miss the learner saw the key for (practice, a mock) makes the entry show the key from then on;
    a key-hidden miss never hides a key the learner was already shown.
    """
    ids = sorted(set(question_ids))
    if not ids:
        return
    changes = {
        "times_missed": F("times_missed") + 1,
        "last_missed_at": now,
        "source": source,
        "resolved_at": None,
        "visible_from": visible_from,
    }
    if not key_hidden:
        changes["key_hidden"] = False
    # Part of the caller's transaction when there is one (no savepoint: a practice answer is a few statements).
    with transaction.atomic(savepoint=False):
        updated = Mistake.objects.filter(user_id=user_id, question_id__in=ids).update(**changes)
        if updated == len(ids):
            return
        # The new ones; those just updated are skipped by the unique constraint.
        Mistake.objects.bulk_create(
            [
                Mistake(
                    user_id=user_id,
                    question_id=qid,
                    source=source,
                    last_missed_at=now,
                    visible_from=visible_from,
                    key_hidden=key_hidden,
                )
                for qid in ids
            ],
            ignore_conflicts=True,
        )


def resolve(*, user_id: int, question_id: int, now) -> bool:
    """The learner redid the question right: it leaves the book (its miss count stays). True if it was in it."""
    return bool(
        Mistake.objects.filter(user_id=user_id, question_id=question_id, resolved_at__isnull=True).update(
            resolved_at=now
        )
    )


def record_exam_mistakes(*, attempt: ExamAttempt, now) -> None:
    """Called when an attempt's result becomes final (``exams.services.attempts._finish``)."""
    exam = attempt.exam
    if exam.review_policy not in FEEDS_BOOK:
        return
    missed = (
        AttemptAnswer.objects.filter(item__attempt_id=attempt.pk, score__lt=F("item__points"))
        .exclude(item__qtype=QuestionType.SHORT)
        .values_list("item__question_version__question_id", flat=True)
    )
    record_misses(
        user_id=attempt.user_id,
        question_ids=list(missed),
        source=Mistake.Source.EXAM,
        now=now,
        visible_from=exam.review_from or exam.closes_at,
        key_hidden=exam.review_policy != Exam.ReviewPolicy.FULL,
    )
