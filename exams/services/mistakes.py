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

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from core.db import execute_prepared
from exams import qtypes
from exams.models import AttemptAnswer, Exam, ExamAttempt, Mistake, PracticeRecord

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


# ``record_practice_answer`` on PostgreSQL: the practice record counted, and the miss recorded (as
# ``record_misses``) or the entry resolved (as ``resolve``), in one statement a learner's answer runs.
PRACTICE_ANSWER_SQL = """WITH record AS (
    INSERT INTO "exams_practicerecord" AS r
        ("user_id", "question_id", "answered_count", "right_count", "last_correct", "last_answered_at")
    VALUES (%(user)s, %(question)s, 1, %(right)s, %(last_correct)s, %(now)s)
    ON CONFLICT ("user_id", "question_id") DO UPDATE SET
        "answered_count" = r."answered_count" + 1,
        "right_count" = r."right_count" + EXCLUDED."right_count",
        "last_correct" = EXCLUDED."last_correct",
        "last_answered_at" = EXCLUDED."last_answered_at"
    RETURNING 1
), missed AS (
    INSERT INTO "exams_mistake" AS m
        ("user_id", "question_id", "source", "times_missed", "last_missed_at", "visible_from", "key_hidden", "resolved_at")
    SELECT %(user)s, %(question)s, %(source)s::varchar, 1, %(now)s::timestamptz, NULL::timestamptz, %(key_hidden)s::boolean,
        NULL::timestamptz
    WHERE %(missed)s::boolean
    ON CONFLICT ("user_id", "question_id") DO UPDATE SET
        "times_missed" = m."times_missed" + 1,
        "last_missed_at" = EXCLUDED."last_missed_at",
        "source" = EXCLUDED."source",
        "resolved_at" = NULL,
        "visible_from" = NULL,
        "key_hidden" = m."key_hidden" AND EXCLUDED."key_hidden"
    RETURNING 1
), resolved AS (
    UPDATE "exams_mistake" SET "resolved_at" = %(now)s
    WHERE %(solved)s::boolean AND "user_id" = %(user)s AND "question_id" = %(question)s AND "resolved_at" IS NULL
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM resolved), (SELECT count(*) FROM record), (SELECT count(*) FROM missed)"""


def record_practice_answer(*, user_id: int, question_id: int, correct: bool | None, now, key_hidden: bool) -> bool:
    """A practice answer: count it on the learner's practice record; a wrong one goes in the book (``record_misses``),
    a right one leaves it (``resolve``). ``correct`` None (a short answer, not scored) only counts. Returns whether
    the question left the book.

    On PostgreSQL one statement (``PRACTICE_ANSWER_SQL``, prepared per connection), the practice page's
    hot path; elsewhere the same writes through the ORM, in one transaction.
    """
    if connection.vendor == "postgresql":
        params = {
            "user": user_id,
            "question": question_id,
            "right": int(bool(correct)),
            "last_correct": bool(correct),
            "now": now,
            "source": Mistake.Source.PRACTICE,
            "key_hidden": key_hidden,
            "missed": correct is False,
            "solved": correct is True,
        }
        with execute_prepared(PRACTICE_ANSWER_SQL, params) as cursor:
            return bool(cursor.fetchone()[0])
    with transaction.atomic():
        _count_practice(user_id, question_id, correct=bool(correct), now=now)
        if correct is False:
            record_misses(
                user_id=user_id,
                question_ids=[question_id],
                source=Mistake.Source.PRACTICE,
                now=now,
                key_hidden=key_hidden,
            )
            return False
        return bool(correct) and resolve(user_id=user_id, question_id=question_id, now=now)


def _count_practice(user_id: int, question_id: int, *, correct: bool, now) -> None:
    changes = {
        "answered_count": F("answered_count") + 1,
        "right_count": F("right_count") + int(correct),
        "last_correct": correct,
        "last_answered_at": now,
    }
    if PracticeRecord.objects.filter(user_id=user_id, question_id=question_id).update(**changes):
        return
    try:
        with transaction.atomic():
            PracticeRecord.objects.create(
                user_id=user_id,
                question_id=question_id,
                answered_count=1,
                right_count=int(correct),
                last_correct=correct,
                last_answered_at=now,
            )
    except IntegrityError:  # the same learner's other tab created it first
        PracticeRecord.objects.filter(user_id=user_id, question_id=question_id).update(**changes)


def record_exam_mistakes(*, attempt: ExamAttempt, now) -> None:
    """Called when an attempt's result becomes final (``exams.services.attempts._finish``)."""
    exam = attempt.exam
    if exam.review_policy not in FEEDS_BOOK:
        return
    missed = (
        AttemptAnswer.objects.filter(item__attempt_id=attempt.pk, score__lt=F("item__points"))
        .exclude(item__qtype__in=qtypes.names(manual=True))
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
