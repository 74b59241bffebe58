"""Reads about exams for one learner: audience, attempts used, the counted result, review rights.

The audience rule lives here and only here:

* named people (``audience_users``) may always sit the exam;
* when units and/or staff categories are set, people in those units' subtrees
  (any unit if none set) *and* of those categories (any if none set) may sit it;
* an exam with no units, no categories and no named people is open to everyone;
* a study plan (学法清单) that lists the exam also admits everyone the plan is for,
  to the exam and to its make-ups (``learning.selectors.plans.plan_exam_ids``).
  A plan only ever adds people: listing an open exam in one county's plan does
  not close it to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import OrgUnit
from exams.models import Exam, ExamAttempt

Status = ExamAttempt.Status
AudienceUser = Exam.audience_users.through
AudienceUnit = Exam.audience_units.through


def with_audience_flags(queryset: QuerySet, user) -> QuerySet:
    """Annotate exams with all ``in_audience`` needs to know of them about ``user``, in the one query.

    Whether ``user`` is named, whether anyone is, whether units are set and whether
    ``user``'s unit lies in one of their subtrees (a start, and "我的考试" for any number
    of exams, then read neither the units nor the learner's own unit).
    """
    units = AudienceUnit.objects.filter(exam_id=OuterRef("pk"))
    own_unit = OrgUnit.objects.filter(pk=user.org_unit_id, path__startswith=OuterRef("orgunit__path"))
    return queryset.annotate(
        _user_named=Exists(AudienceUser.objects.filter(exam_id=OuterRef("pk"), user_id=user.pk)),
        _has_named=Exists(AudienceUser.objects.filter(exam_id=OuterRef("pk"))),
        _has_units=Exists(units),
        _user_in_units=Exists(units.filter(Exists(own_unit))),
    )


def _plan_exam_ids(user) -> set[int]:
    from learning.selectors.plans import plan_exam_ids

    return plan_exam_ids(user)


def in_audience(exam: Exam, user, plan_exam_ids: set[int] | None = None) -> bool:
    """Whether ``user`` may sit ``exam`` (make-up eligibility is checked separately).

    ``plan_exam_ids`` (from ``learning.selectors.plans.plan_exam_ids``) saves its
    queries when many exams are checked for one user.
    """
    named = getattr(exam, "_user_named", None)
    if named is None:
        named = exam.audience_users.filter(pk=user.pk).exists()
    if named or _admitted_by_units_and_categories(exam, user):
        return True
    # Plans only ever add people, so they are looked up last: the examinee of an exam open to
    # them by unit or category (every one of them, on exam day) costs no plan queries.
    if plan_exam_ids is None:
        plan_exam_ids = _plan_exam_ids(user)
    return exam.pk in plan_exam_ids or bool(exam.makeup_for_id and exam.makeup_for_id in plan_exam_ids)


def _admitted_by_units_and_categories(exam: Exam, user) -> bool:
    in_units = _in_unit_subtrees(exam, user)
    categories = exam.audience_staff_categories or []
    if in_units is None and not categories:
        has_named = getattr(exam, "_has_named", None)
        if has_named is None:
            has_named = exam.audience_users.exists()
        return not has_named
    if in_units is False:
        return False
    return not categories or user.staff_category in categories


def _in_unit_subtrees(exam: Exam, user) -> bool | None:
    """Whether ``user``'s unit lies in one of the exam's audience unit subtrees; ``None`` when none are set."""
    if hasattr(exam, "_has_units"):  # from ``with_audience_flags``
        return exam._user_in_units if exam._has_units else None
    units = list(exam.audience_units.all())
    if not units:
        return None
    unit = user.org_unit
    return unit is not None and any(unit.path.startswith(u.path) for u in units)


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


def passed_counted_attempts(family: dict[int, str]) -> QuerySet[ExamAttempt]:
    """Graded attempts that are their person's result in one of ``family``'s exams, and a pass.

    ``family`` maps exam ids to their ``counted_attempt`` setting. This is
    ``counted_attempt`` (above) in SQL, its one twin (tests/learning/test_review_exam_passers.py
    checks that the two agree), so that the passers of a whole province are one subquery
    instead of every attempt loaded into Python: of a person's graded attempts at one exam, the counted one is
    the last (``LAST``), or the highest score — no score counting as 0 — and the
    earlier one of equal scores (``HIGHEST``). An attempt is counted when no other
    graded attempt of the same person at the same exam beats it.
    """
    graded = ExamAttempt.objects.filter(status=ExamAttempt.Status.GRADED)
    points = Coalesce("score", Value(Decimal("0")))
    same = {"exam_id": OuterRef("exam_id"), "user_id": OuterRef("user_id")}
    later = graded.filter(**same, number__gt=OuterRef("number"))
    higher = (
        graded.annotate(points=points)
        .filter(**same)
        .filter(Q(points__gt=OuterRef("points")) | Q(points=OuterRef("points"), number__lt=OuterRef("number")))
    )
    last = [pk for pk, counted in family.items() if counted == Exam.CountedAttempt.LAST]
    highest = [pk for pk in family if pk not in last]
    counted = Q(pk__in=[])
    if last:
        counted |= Q(exam_id__in=last) & ~Exists(later)
    if highest:
        counted |= Q(exam_id__in=highest) & ~Exists(higher)
    return graded.annotate(points=points).filter(counted, passed=True)


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
        with_audience_flags(Exam.objects.filter(is_published=True), user)
        .filter(Q(closes_at__gt=now - timedelta(days=60)) | Exists(mine) | Exists(open_makeup))
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
        from_plans = _plan_exam_ids(user)
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
        state = "upcoming" if now < exam.opens_at else ("open" if now < exam.closes_at else "closed")
        left = max(exam.attempts_allowed - summary.used, 0)
        can_start = state == "open" and left > 0 and not summary.passed and not summary.pending
        rows.append(LearnerExam(exam, summary, state, can_start or summary.in_progress is not None, left))
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
    come (by default the exam's close, so that nobody still sitting it can learn the
    key from someone who finished) and the learner has no attempt in progress.
    """
    now = now or timezone.now()
    exam = attempt.exam
    if attempt.status != Status.GRADED:
        return ReviewRights(False, False, False)
    opens = exam.review_from or exam.closes_at
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
    from accounts.models import User
    from learning.models import StudyPlan
    from learning.selectors.plans import plan_people

    people = User.objects.filter(is_active=True)
    named = Q(pk__in=AudienceUser.objects.filter(exam_id=exam.pk).values("user_id"))
    original = exam.makeup_for_id or exam.pk
    for plan in StudyPlan.objects.filter(items__exam_id=original).distinct():
        named |= Q(pk__in=plan_people(plan).values("pk"))
    unit_paths = list(exam.audience_units.values_list("path", flat=True))
    categories = exam.audience_staff_categories or []
    if not unit_paths and not categories:
        if AudienceUser.objects.filter(exam_id=exam.pk).exists():
            return people.filter(named)
        return people
    rule = Q()
    if unit_paths:
        unit_q = Q(pk__in=[])
        for path in unit_paths:
            unit_q |= Q(org_unit__path__startswith=path)
        rule &= unit_q
    if categories:
        rule &= Q(staff_category__in=categories)
    return people.filter(rule | named)
