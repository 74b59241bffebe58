"""Honest study time, check answers and course completion.

Study time is measured by the server, never reported by the page. Each learner
has one ``LessonTimer``; a heartbeat from the lesson that holds it adds the real
time elapsed since the previous accepted heartbeat (at most ``cap`` seconds, in
case the page went to sleep without saying so), and only if the timer was running,
i.e. the page said it was visible. A beat from another lesson takes the timer
over when it claims it (a page that was just opened or shown again) or when the
timer has gone quiet; the first lesson then stops earning.

Concurrency: the timer moves by an atomic compare-and-set ``UPDATE … WHERE
last_beat_at = <the value this beat read>``. Of two concurrent beats only one
moves it and credits the interval it read; the other credits nothing. Credited
intervals are therefore disjoint and each ends no later than the server's "now":
whatever a client sends — beats ten times a second, forged "visible" flags, two
tabs, two devices — the seconds credited never exceed the real time elapsed.
Completion is a conditional ``UPDATE … WHERE completed_at IS NULL AND
check_passed AND seconds_studied >= required``, evaluated by the database on the
latest row, so a beat and a check answer racing each other cannot both miss it.

Completing a course posts its hours through the ledger with the source key
``course:{page_id}:{user_id}``, which the ledger credits at most once.

Every beat asks whether the learner may still study the lesson, and a *no* stops
the earning at that beat. The beat's one read says whether the lesson and its
course are live and which course that is; the audience rule itself is answered by
``cms.selectors.courses.may_study_lesson`` from a grant cached per learner and
lesson, which whatever could change the answer invalidates (``cms.access_cache``).
So the usual beat is one read, one cache lookup and one conditional write — no ORM
query building — and unpublishing a course, taking a learner out of its audience
or deactivating them stops the earning at the next beat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cms.access_cache import GRANT_SECONDS
from core import timeutil
from learning.models import CourseCompletion, LessonProgress, LessonTimer, SourceKind
from learning.services.ledger import post_credit
from learning.signals import course_completed

#: The longest a cached access grant is trusted: the bound for a change no invalidation reports.
ACCESS_RECHECK_SECONDS = GRANT_SECONDS


class ProgressError(Exception):
    """A heartbeat or answer that cannot be accepted; the message is for the learner."""


def heartbeat_interval() -> int:
    return int(getattr(settings, "LESSON_HEARTBEAT_SECONDS", 15))


def heartbeat_cap() -> int:
    return int(getattr(settings, "LESSON_HEARTBEAT_CAP_SECONDS", 2 * heartbeat_interval()))


@dataclass(frozen=True)
class LessonState:
    active: bool
    credited: int
    seconds_studied: int
    required_seconds: int
    check_passed: bool
    lesson_completed: bool
    course_completed: bool

    def as_json(self) -> dict:
        return {
            "active": self.active,
            "credited": self.credited,
            "seconds": self.seconds_studied,
            "required": self.required_seconds,
            "check_passed": self.check_passed,
            "completed": self.lesson_completed,
            "course_completed": self.course_completed,
        }


@dataclass(frozen=True)
class CheckResult:
    correct: bool
    explanation: str
    state: LessonState
    lesson: object


@dataclass
class _Snapshot:
    """One read of everything a beat needs: the lesson and its course, the learner's progress, the timer.

    ``pk`` is None until the learner's progress row exists, ``version`` until their timer does.
    """

    pk: int | None
    seconds: int
    check_passed: bool
    completed_at: dt.datetime | None
    lesson_id: int
    lesson_live: bool
    course_id: int | None
    course_live: bool
    required: int
    timer_lesson_id: int | None
    last_beat_at: dt.datetime | None
    running: bool
    version: int | None
    _has_check: bool | None = None

    @property
    def has_check(self) -> bool:
        """Whether the lesson has a check question (reads the lesson body, so only asked when needed)."""
        if self._has_check is None:
            from cms.models.courses import LessonPage

            body = LessonPage.objects.filter(pk=self.lesson_id).values_list("body", flat=True).first()
            self._has_check = body is not None and any(item.get("type") == "check" for item in body.raw_data)
        return self._has_check


def start_lesson(*, user, lesson, now: dt.datetime | None = None) -> LessonProgress:
    """The learner's progress row for ``lesson``, created when they first open it."""
    progress, _created = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"started_at": now or timezone.now()}
    )
    return progress


def _lesson_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ProgressError(_("该课时不存在、未发布，或不面向您。"))


def _aware(value) -> dt.datetime | None:
    """A datetime read by raw SQL (SQLite gives naive UTC strings, PostgreSQL aware datetimes)."""
    if value is None or isinstance(value, dt.datetime) and timezone.is_aware(value):
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, dt.UTC)


@lru_cache(maxsize=1)
def _snapshot_sql() -> str:
    from wagtail.models import Page

    from cms.models.courses import LessonPage

    page = Page._meta.db_table
    return (
        "SELECT p.id, p.seconds_studied, p.check_passed, p.completed_at, pg.live, l.min_study_seconds, "
        "c.id, c.live, t.lesson_id, t.last_beat_at, t.running, t.version "
        f"FROM {LessonPage._meta.db_table} l "
        f"JOIN {page} pg ON pg.id = l.page_ptr_id "
        f"LEFT JOIN {page} c ON c.path = SUBSTR(pg.path, 1, LENGTH(pg.path) - {Page.steplen}) "
        f"LEFT JOIN {LessonProgress._meta.db_table} p ON p.lesson_id = l.page_ptr_id AND p.user_id = %s "
        f"LEFT JOIN {LessonTimer._meta.db_table} t ON t.user_id = %s "
        "WHERE l.page_ptr_id = %s"
    )


def _snapshot(user_id: int, lesson_id: int) -> _Snapshot | None:
    """Lesson, course, progress and timer in one statement: heartbeats are the busiest request of the site."""
    from cms.models.courses import required_seconds_for

    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql(), [user_id, user_id, lesson_id])
        row = cursor.fetchone()
    if row is None:
        return None
    (
        pk,
        seconds,
        check_passed,
        completed_at,
        live,
        min_seconds,
        course_id,
        course_live,
        t_lesson,
        last,
        running,
        version,
    ) = row
    return _Snapshot(
        pk=pk,
        seconds=seconds or 0,
        check_passed=bool(check_passed),
        completed_at=_aware(completed_at),
        lesson_id=lesson_id,
        lesson_live=bool(live),
        course_id=course_id,
        course_live=bool(course_live),
        required=required_seconds_for(min_seconds),
        timer_lesson_id=t_lesson,
        last_beat_at=_aware(last),
        running=bool(running),
        version=version,
    )


def _may_study(user, snap: _Snapshot, now: dt.datetime) -> bool:
    """Both pages live (read with the beat) and the audience rule's yes (cached: ``cms.access_cache``)."""
    from cms.selectors.courses import may_study_lesson

    return (
        snap.lesson_live
        and snap.course_live
        and snap.course_id is not None
        and may_study_lesson(user, snap.lesson_id, course_id=snap.course_id, now=now)
    )


def _prepare(user, lesson_id: int, now: dt.datetime) -> _Snapshot:
    """Make sure the progress row and the timer exist; read again."""
    LessonProgress.objects.bulk_create(
        [LessonProgress(user=user, lesson_id=lesson_id, started_at=now)], ignore_conflicts=True
    )
    LessonTimer.objects.bulk_create(
        [LessonTimer(user=user, lesson_id=lesson_id, last_beat_at=now, running=False)], ignore_conflicts=True
    )
    return _snapshot(user.pk, lesson_id)


def _advance_timer(snap: _Snapshot, user_id: int, *, visible: bool, claim: bool, now: dt.datetime) -> tuple[bool, int]:
    """Move the timer for one beat and credit the progress row; return (this lesson holds the timer, seconds).

    The credit is conditional on the compare-and-set: on PostgreSQL both are one
    statement (one commit); elsewhere the increment follows a successful move.
    """
    cap = heartbeat_cap()
    old_last = snap.last_beat_at
    credited = 0
    if snap.timer_lesson_id == snap.lesson_id:
        new_last = now
        if snap.running:
            elapsed = (now - old_last).total_seconds()
            if elapsed > cap:
                credited = cap
            elif elapsed > 0:
                credited = int(elapsed)
                new_last = old_last + dt.timedelta(seconds=credited)  # keep the fraction for the next beat
            else:
                new_last = old_last
        if not visible:
            new_last = now
    else:
        quiet = not snap.running or (now - old_last).total_seconds() > cap
        if not visible or not (claim or quiet):
            return False, 0
        new_last = now
    move = (
        f"UPDATE {LessonTimer._meta.db_table} SET lesson_id = %s, last_beat_at = %s, running = %s, "
        "version = version + 1 WHERE user_id = %s AND version = %s"
    )
    params = [snap.lesson_id, connection.ops.adapt_datetimefield_value(new_last), bool(visible), user_id, snap.version]
    credit = f"UPDATE {LessonProgress._meta.db_table} SET seconds_studied = seconds_studied + %s WHERE id = %s"
    with connection.cursor() as cursor:
        if credited and connection.vendor == "postgresql":
            cursor.execute(
                f"WITH moved AS ({move} RETURNING 1) {credit} AND EXISTS (SELECT 1 FROM moved)",
                [*params, credited, snap.pk],
            )
            moved = cursor.rowcount
        else:
            cursor.execute(move, params)
            moved = cursor.rowcount
            if moved and credited:
                cursor.execute(credit, [credited, snap.pk])
    if not moved:  # a concurrent beat moved the timer first and credited this interval
        return False, 0
    return True, credited


def _try_complete_lesson(snap: _Snapshot, now: dt.datetime) -> bool:
    """Mark the lesson complete if time and check allow (decided by the database on the latest row)."""
    if snap.completed_at is not None:
        return False
    condition = Q(seconds_studied__gte=snap.required)
    if snap.has_check:
        condition &= Q(check_passed=True)
    done = LessonProgress.objects.filter(condition, pk=snap.pk, completed_at__isnull=True).update(completed_at=now)
    if done:
        snap.completed_at = now
    return bool(done)


def _state(snap: _Snapshot, *, active: bool, credited: int, course_completed: bool) -> LessonState:
    reached = snap.seconds >= snap.required
    return LessonState(
        active=active,
        credited=credited,
        seconds_studied=snap.seconds,
        required_seconds=snap.required,
        check_passed=snap.check_passed or (reached and not snap.has_check),
        lesson_completed=snap.completed_at is not None,
        course_completed=course_completed,
    )


def record_heartbeat(
    *, user, lesson_id, visible: bool, claim: bool = False, now: dt.datetime | None = None
) -> LessonState:
    """Account for one heartbeat of an open lesson page (see the module docstring).

    In the usual case this is one read (lesson, course, progress and timer), one
    cache lookup (the access grant) and one conditional write (the timer's
    compare-and-set with the credit; on SQLite, two writes).
    """
    lesson_id = _lesson_id(lesson_id)
    now = now or timezone.now()
    snap = _snapshot(user.pk, lesson_id)
    if snap is None or not _may_study(user, snap, now):
        raise ProgressError(_("该课时不存在、未发布，或不面向您。"))
    if snap.pk is None or snap.version is None:
        snap = _prepare(user, lesson_id, now)
    active, credited = _advance_timer(snap, user.pk, visible=bool(visible), claim=bool(claim), now=now)
    course_completed = False
    if credited:
        snap.seconds += credited
        if snap.completed_at is None and snap.seconds >= snap.required and _try_complete_lesson(snap, now):
            course_completed = complete_course_if_done(user=user, course_id=snap.course_id, now=now)
    return _state(snap, active=active, credited=credited, course_completed=course_completed)


def answer_check(*, user, lesson_id, choice, now: dt.datetime | None = None) -> CheckResult:
    """Compare the learner's choice with the lesson's check question (numbered from 1)."""
    from cms.selectors.courses import studyable_lesson

    found = studyable_lesson(user, lesson_id)
    if found is None:
        raise ProgressError(_("该课时不存在、未发布，或不面向您。"))
    lesson = found.lesson
    question = lesson.check_question()
    if question is None:
        raise ProgressError(_("本课时没有随堂检测题。"))
    options = list(question["options"])
    try:
        choice = int(choice)
    except (TypeError, ValueError):
        choice = 0
    if not 1 <= choice <= len(options):
        raise ProgressError(_("请从 %(count)s 个选项中选择一项再提交。") % {"count": len(options)})
    correct = choice == question["answer"]
    now = now or timezone.now()
    start_lesson(user=user, lesson=lesson, now=now)
    updates = {"check_attempts": F("check_attempts") + 1}
    if correct:
        updates["check_passed"] = True
    LessonProgress.objects.filter(user=user, lesson=lesson).update(**updates)
    snap = _snapshot(user.pk, lesson.pk)
    snap._has_check = True
    course_completed = False
    if _try_complete_lesson(snap, now) or snap.completed_at is not None:
        course_completed = complete_course_if_done(user=user, course_id=found.course_id, now=now)
    state = _state(snap, active=True, credited=0, course_completed=course_completed)
    explanation = question["explanation"] if correct else ""
    return CheckResult(correct=correct, explanation=explanation, state=state, lesson=lesson)


def course_exam_passed(*, user, course) -> bool:
    """Whether the course's exam, if it has one, has a passed (graded) attempt by ``user``."""
    if course.exam_id is None:
        return True
    from exams.models import ExamAttempt

    return ExamAttempt.objects.filter(exam_id=course.exam_id, user=user, passed=True).exists()


def complete_courses_of_exam(*, user, exam_id: int) -> list[int]:
    """After ``user`` passed exam ``exam_id``: complete the courses that were waiting for it."""
    from cms.models.courses import CoursePage

    waiting = CoursePage.objects.live().filter(exam_id=exam_id).exclude(completions__user=user)
    return [pk for pk in waiting.values_list("pk", flat=True) if complete_course_if_done(user=user, course_id=pk)]


def complete_course_if_done(*, user, course_id: int | None, now: dt.datetime | None = None) -> bool:
    """Record the course as complete and credit its hours once, if every published lesson is complete."""
    from cms.models.courses import CoursePage
    from cms.selectors.courses import lessons_of

    if course_id is None:
        return False
    now = now or timezone.now()
    if CourseCompletion.objects.filter(user=user, course_id=course_id).exists():
        return True
    course = CoursePage.objects.get(pk=course_id)
    lesson_ids = list(lessons_of(course).values_list("pk", flat=True))
    if not lesson_ids:
        return False
    done = LessonProgress.objects.filter(user=user, lesson_id__in=lesson_ids, completed_at__isnull=False).count()
    if done < len(lesson_ids) or not course_exam_passed(user=user, course=course):
        return False
    with transaction.atomic():
        completion, created = CourseCompletion.objects.get_or_create(
            user=user, course=course, defaults={"completed_at": now}
        )
        if created:
            _credit_course(completion, course)
    return True


def _credit_course(completion: CourseCompletion, course) -> None:
    completed_on = timeutil.local_date(completion.completed_at)
    result = post_credit(
        user=completion.user,
        hours=course.credit_hours,
        category=course.category,
        source_kind=SourceKind.COURSE,
        source_key=f"course:{course.pk}:{completion.user_id}",
        source_ref=course.title,
        source_url=course.get_url() or "",
        earned_on=completed_on,
    )
    CourseCompletion.objects.filter(pk=completion.pk).update(ledger_entry=result.entry)
    if result.created:
        user = completion.user
        transaction.on_commit(
            lambda: course_completed.send(sender=CourseCompletion, user=user, course=course, completed_on=completed_on)
        )
