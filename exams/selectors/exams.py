"""Reads about exams for one learner: audience, attempts used, the counted result, review rights.

Who may sit an exam is the audience rule of ``accounts.audience`` over the exam's
``audience_units``, ``audience_staff_categories`` and ``audience_users`` (``AUDIENCE``):
named people always; people in the units' subtrees and of the categories when either is set;
everyone when nothing is set. On top of it, the extensions registered in
``exams.audience`` admit more people: a study plan (学法清单) that lists the exam admits
everyone the plan is for, to the exam and to its make-ups. An extension only ever adds
people: listing an open exam in one county's plan does not close it to anyone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.audience import AudienceFields
from accounts.models import User
from core.db import QueryTemplate
from exams import audience as extensions
from exams.models import Exam, ExamAttempt
from exams.selectors.accommodations import (
    Arrangement,
    arrangement_of,
    latest_close,
    window_open_after,
    with_arrangement,
)

Status = ExamAttempt.Status
AUDIENCE = AudienceFields(Exam, units="audience_units", categories="audience_staff_categories", people="audience_users")


def with_audience_flags(queryset: QuerySet, user) -> QuerySet:
    """Annotate exams with all ``in_audience`` needs to know of them about ``user``, in the one query.

    A start, and "我的考试" for any number of exams, then read neither the exams' units and
    named people nor the learner's own unit (``AudienceFields.with_flags``).
    """
    return AUDIENCE.with_flags(queryset, user)


def _published_exam(*, exam_id: int, user_id: int, org_unit_id: int) -> QuerySet[Exam]:
    who = SimpleNamespace(pk=user_id, org_unit_id=org_unit_id)
    exams = with_arrangement(Exam.objects.filter(pk=exam_id, is_published=True), who)  # extra time, own window
    return with_audience_flags(exams, who).order_by("pk")[:1]


def _own_attempts(*, exam_id: int, user_id: int) -> QuerySet[ExamAttempt]:
    return ExamAttempt.objects.filter(exam_id=exam_id, user_id=user_id)


# Exam day: 1,800 starts within minutes, each of these two queries the same but for three ids.
_PUBLISHED_EXAM = QueryTemplate(_published_exam)
_OWN_ATTEMPTS = QueryTemplate(_own_attempts)


def published_exam_for(exam_id: int, user) -> Exam | None:
    """The published exam, with the audience flags ``in_audience`` reads about ``user`` and the
    accommodation that applies to them (``arrangement_of``), in one query."""
    rows = _PUBLISHED_EXAM(exam_id=exam_id, user_id=user.pk, org_unit_id=user.org_unit_id)
    return rows[0] if rows else None


def own_attempts(exam: Exam, user) -> list[ExamAttempt]:
    """``user``'s attempts at ``exam``, in no particular order (one query)."""
    return _OWN_ATTEMPTS(exam_id=exam.pk, user_id=user.pk)


def in_audience(exam: Exam, user, plan_exam_ids: set[int] | None = None) -> bool:
    """Whether ``user`` may sit ``exam`` (make-up eligibility is checked separately).

    ``plan_exam_ids`` (the exams the registered extensions admit ``user`` to:
    ``exams.audience.exam_ids_for``) saves their queries when many exams are checked for one user.
    """
    if AUDIENCE.admits(exam, user):
        return True
    # Extensions only ever add people, so they are asked last: the examinee of an exam open to
    # them by unit or category (every one of them, on exam day) costs no plan queries.
    if plan_exam_ids is None:
        plan_exam_ids = extensions.exam_ids_for(user)
    return exam.pk in plan_exam_ids or bool(exam.makeup_for_id and exam.makeup_for_id in plan_exam_ids)


@dataclass
class AttemptsSummary:
    """One learner's standing in one exam."""

    used: int = 0
    in_progress: ExamAttempt | None = None
    pending: bool = False
    counted: ExamAttempt | None = None
    attempts: list[ExamAttempt] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.counted and self.counted.passed)

    @property
    def failed(self) -> bool:
        return self.counted is not None and not self.counted.passed


def counted_attempt(exam: Exam, attempts: list[ExamAttempt]) -> ExamAttempt | None:
    """The graded attempt that is the learner's result (highest score or the last one)."""
    graded = [a for a in attempts if a.status == Status.GRADED]
    if not graded:
        return None
    if exam.counted_attempt == Exam.CountedAttempt.LAST:
        return max(graded, key=lambda a: a.number)
    return max(graded, key=lambda a: (a.score or Decimal("0"), -a.number))


def passed_counted_attempts(exam_ids: Iterable[int]) -> QuerySet[ExamAttempt]:
    """Graded attempts that are their person's result in one of ``exam_ids`` (``counted_attempt``), and a pass.

    Read from ``ExamAttempt.is_counted``, which grading keeps (``exams.services.counted``):
    the passers of a whole province are one scan of a small partial index.
    """
    return ExamAttempt.objects.filter(exam_id__in=list(exam_ids), is_counted=True, passed=True)


def summarise(exam: Exam, attempts: list[ExamAttempt]) -> AttemptsSummary:
    attempts = sorted(attempts, key=lambda a: a.number)
    return AttemptsSummary(
        used=len(attempts),
        in_progress=next((a for a in attempts if a.status == Status.IN_PROGRESS), None),
        pending=any(a.status in (Status.SUBMITTED, Status.FINALISED) for a in attempts),
        counted=counted_attempt(exam, attempts),
        attempts=attempts,
    )


def attempts_summary(exam: Exam, user) -> AttemptsSummary:
    return summarise(exam, list(ExamAttempt.objects.filter(exam=exam, user=user)))


def makeup_eligible(
    exam: Exam,
    user,
    summaries: dict[int, AttemptsSummary] | None = None,
    *,
    originals: dict[int, Exam] | None = None,
    plan_exam_ids: set[int] | None = None,
    now=None,
) -> bool:
    """A make-up (补考) is for people who did not pass the original exam.

    That is those whose result in it is a fail, and those who were expected to
    sit it (in its audience) but never did, once it has closed (缺考). Someone
    who passed, or whose answers are still being graded, is not eligible.
    ``summaries``/``originals``/``plan_exam_ids`` let a list check many exams
    without a query each.
    """
    if not exam.makeup_for_id:
        return True
    if summaries is not None:
        # ``summaries`` holds every exam the learner has attempts at: none at the original means absent.
        result = summaries.get(exam.makeup_for_id) or AttemptsSummary()
    else:
        result = attempts_summary(exam.makeup_for, user)
    if result.failed:
        return True
    if result.used:
        return False
    original = (originals or {}).get(exam.makeup_for_id) or exam.makeup_for
    if (now or timezone.now()) < original.closes_at:
        return False  # the original can still be sat
    return in_audience(original, user, plan_exam_ids)


@dataclass
class LearnerExam:
    """A row of "我的考试"."""

    exam: Exam
    summary: AttemptsSummary
    state: str  # upcoming | open | closed
    can_start: bool
    attempts_left: int
    arrangement: Arrangement = field(default_factory=Arrangement)  # the learner's extra time or own window


def exams_for_learner(user, *, now=None, from_plans: set[int] | None = None) -> list[LearnerExam]:
    """Published exams the learner is (or was) in the audience of, with their standing.

    Six queries whatever the number of exams: the exams, their units, the
    learner's attempts, and the exams their study plans assign (``from_plans``,
    when the caller already has them).
    """
    now = now or timezone.now()
    mine = ExamAttempt.objects.filter(user=user, exam_id=OuterRef("pk"))
    open_makeup = Exam.objects.filter(makeup_for_id=OuterRef("pk"), is_published=True, closes_at__gt=now)
    exams = list(
        # Originals of open make-ups are listed too: whether someone absent may sit the make-up depends on them.
        with_audience_flags(with_arrangement(Exam.objects.filter(is_published=True), user), user)
        .filter(
            Q(closes_at__gt=now - timedelta(days=60))
            | Exists(mine)
            | Exists(open_makeup)
            | window_open_after(user, now)  # a separate sitting still to come
        )
        .select_related("makeup_for")
        .order_by("closes_at", "pk")
    )
    wanted = {e.pk for e in exams} | {e.makeup_for_id for e in exams if e.makeup_for_id}
    by_exam: dict[int, list[ExamAttempt]] = {}
    for attempt in ExamAttempt.objects.filter(user=user, exam_id__in=wanted):
        by_exam.setdefault(attempt.exam_id, []).append(attempt)
    exam_by_id = {e.pk: e for e in exams}
    summaries = {
        exam_id: summarise(exam_by_id.get(exam_id) or _Counting(), attempts) for exam_id, attempts in by_exam.items()
    }
    if from_plans is None:
        from_plans = extensions.exam_ids_for(user)
    rows = []
    for exam in exams:
        summary = summaries.get(exam.pk) or AttemptsSummary()
        if not summary.used:
            if not in_audience(exam, user, from_plans):
                continue
            if exam.makeup_for_id and not makeup_eligible(
                exam, user, summaries, originals=exam_by_id, plan_exam_ids=from_plans, now=now
            ):
                continue
        arrangement = arrangement_of(exam, user)
        opens, closes = arrangement.window(exam)
        state = "upcoming" if now < opens else ("open" if now < closes else "closed")
        left = max(exam.attempts_allowed - summary.used, 0)
        can_start = state == "open" and left > 0 and not summary.passed and not summary.pending
        rows.append(LearnerExam(exam, summary, state, can_start or summary.in_progress is not None, left, arrangement))
    return rows


class _Counting:
    """Stand-in for an original exam not in the list (only its counting rule matters: highest)."""

    counted_attempt = Exam.CountedAttempt.HIGHEST


@dataclass(frozen=True)
class ReviewRights:
    score: bool
    responses: bool
    key: bool
    available_from: object = None


def review_rights(attempt: ExamAttempt, *, now=None) -> ReviewRights:
    """What the learner may see of a closed attempt.

    The answer key (correct options, accepted answers, explanations) is shown only
    when the attempt is graded, the exam's policy allows it, the review time has
    come (by default the exam's close, or the last close an accommodation gives, so that
    nobody still sitting it can learn the key from someone who finished) and the learner
    has no attempt in progress.
    """
    now = now or timezone.now()
    exam = attempt.exam
    if attempt.status != Status.GRADED:
        return ReviewRights(False, False, False)
    opens = exam.review_from or latest_close(exam)  # incl. whoever sits later or longer (特殊安排)
    if now < opens:
        return ReviewRights(True, False, False, opens)
    policy = exam.review_policy
    responses = policy in (Exam.ReviewPolicy.RESPONSES, Exam.ReviewPolicy.FULL)
    key = (
        policy == Exam.ReviewPolicy.FULL
        and not ExamAttempt.objects.filter(exam=exam, user_id=attempt.user_id, status=Status.IN_PROGRESS).exists()
    )
    return ReviewRights(True, responses, key, opens)


def audience_people(exam: Exam) -> QuerySet:
    """The active people ``in_audience`` admits, as one queryset (statistics: who should sit it)."""
    rule = AUDIENCE.of(exam).q()
    extra = extensions.people_for(exam.makeup_for_id or exam.pk)
    return User.objects.filter(rule if extra is None else rule | extra)


@dataclass(frozen=True)
class Retake:
    """The way on after a failed result: this exam again ("还剩 N 次 · 再考") or its make-up."""

    exam: Exam
    attempts_left: int
    is_makeup: bool
    in_progress: ExamAttempt | None = None


def _can_go_on(summary: AttemptsSummary) -> bool:
    return summary.failed and not summary.passed and not summary.pending and summary.in_progress is None


def retake_for(exam: Exam, user, summary: AttemptsSummary, *, now=None) -> Retake | None:
    """After a failed result: attempts left in the open window, else an open make-up the learner may sit, else none.

    A make-up counts when it is published and open, the learner is in its audience (having failed the
    original, they are eligible for it) and they have attempts left at it (or one in progress).
    """
    now = now or timezone.now()
    if not _can_go_on(summary):
        return None
    left = exam.attempts_allowed - summary.used
    if left > 0 and exam.opens_at <= now < exam.closes_at:
        return Retake(exam, left, False)
    makeups = with_audience_flags(
        Exam.objects.filter(makeup_for=exam, is_published=True, opens_at__lte=now, closes_at__gt=now), user
    ).order_by("closes_at", "pk")
    for makeup in makeups:
        if not in_audience(makeup, user):
            continue
        standing = attempts_summary(makeup, user)
        if standing.passed or standing.pending:
            continue
        makeup_left = makeup.attempts_allowed - standing.used
        if standing.in_progress is not None or makeup_left > 0:
            return Retake(makeup, max(makeup_left, 0), True, standing.in_progress)
    return None


def retakes_in_list(rows: list[LearnerExam]) -> dict[int, Retake]:
    """``retake_for`` for the rows of "我的考试", from the rows alone (no query): exam id → the way on."""
    makeups: dict[int, LearnerExam] = {}
    for row in rows:
        if row.exam.makeup_for_id and row.state == "open" and row.can_start:
            makeups.setdefault(row.exam.makeup_for_id, row)
    found = {}
    for row in rows:
        if not _can_go_on(row.summary):
            continue
        if row.state == "open" and row.attempts_left > 0:
            found[row.exam.pk] = Retake(row.exam, row.attempts_left, False)
        elif row.exam.pk in makeups:
            makeup = makeups[row.exam.pk]
            found[row.exam.pk] = Retake(makeup.exam, makeup.attempts_left, True, makeup.summary.in_progress)
    return found
