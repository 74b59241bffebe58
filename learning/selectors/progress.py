"""A learner's progress through courses, in a fixed number of queries whatever the catalogue's size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from learning.models import CourseCompletion, LessonProgress


@dataclass(frozen=True)
class CourseProgress:
    total: int = 0
    completed: int = 0
    started: bool = False
    done: bool = False
    seconds: int = 0

    @property
    def percent(self) -> int:
        if self.done:
            return 100
        return int(100 * self.completed / self.total) if self.total else 0

    @property
    def status(self) -> str:
        if self.done:
            return "done"
        return "in_progress" if self.started else "not_started"

    @property
    def minutes(self) -> int:
        return self.seconds // 60


def _parent_path(path, depth):
    from cms.selectors.courses import parent_path

    return parent_path(path, depth)


def lesson_progress_map(user, lessons: Iterable) -> dict[int, LessonProgress]:
    ids = [lesson.pk for lesson in lessons]
    if not ids or not user.is_authenticated:
        return {}
    return {p.lesson_id: p for p in LessonProgress.objects.filter(user=user, lesson_id__in=ids)}


def course_progress(user, courses: Iterable) -> dict[int, CourseProgress]:
    """Progress of ``user`` in each course (three queries for any number of courses)."""
    from cms.models.courses import LessonPage

    courses = list(courses)
    result = {c.pk: CourseProgress() for c in courses}
    if not courses or not user.is_authenticated:
        return result
    by_path = {c.path: c.pk for c in courses}
    totals = (
        LessonPage.objects.live()
        .annotate(parent=_parent_path(F("path"), F("depth")))
        .filter(parent__in=list(by_path))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
    )
    mine = (
        LessonProgress.objects.filter(user=user, lesson__live=True)
        .annotate(parent=_parent_path(F("lesson__path"), F("lesson__depth")))
        .filter(parent__in=list(by_path))
        .order_by()
        .values("parent")
        .annotate(
            rows=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            seconds=Sum("seconds_studied"),
        )
    )
    done = set(
        CourseCompletion.objects.filter(user=user, course_id__in=list(result)).values_list("course_id", flat=True)
    )
    counts = {row["parent"]: row["n"] for row in totals}
    studied = {row["parent"]: row for row in mine}
    for path, pk in by_path.items():
        row = studied.get(path, {})
        result[pk] = CourseProgress(
            total=counts.get(path, 0),
            completed=row.get("completed", 0),
            started=bool(row.get("rows")),
            done=pk in done,
            seconds=row.get("seconds") or 0,
        )
    return result
