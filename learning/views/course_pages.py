"""The learner's side of the course pages, handed to ``cms`` through ``cms.extensions``.

Reading (``*_context``) and writing on a visit (``*_visit``) are apart: Wagtail's
``get_context`` — also used for previews — only reads; a visit by a signed-in learner
starts the lesson's timer, or completes a course whose last requirement (a withdrawn
lesson, a course exam passed since) was met after the learner's last lesson.
"""

from __future__ import annotations

from cms import extensions
from cms.models.courses import CourseIndexPage, CoursePage, LessonPage
from learning.models import CourseCompletion, LessonProgress
from learning.selectors.course_pages import catalogue, course_detail, lesson_detail
from learning.selectors.ledger import category_names
from learning.services.progress import complete_course_if_done, start_lesson


def catalogue_context(request, page: CourseIndexPage) -> dict:
    return catalogue(user=request.user, index=page, params=request.GET)


def course_context(request, page: CoursePage) -> dict:
    return course_detail(user=request.user, course=page)


def course_visit(request, page: CoursePage, context: dict) -> dict:
    progress = context["course_progress"]
    if progress.total and progress.completed == progress.total and not progress.done:
        return {"course_completed_now": complete_course_if_done(user=request.user, course_id=page.pk)}
    return {}


def lesson_context(request, page: LessonPage) -> dict:
    context = lesson_detail(user=request.user, lesson=page)
    context["preview"] = getattr(request, "is_preview", False)
    return context


def lesson_visit(request, page: LessonPage, context: dict) -> dict:
    if context["progress"] is None and request.user.is_authenticated:
        return {"progress": start_lesson(user=request.user, lesson=page)}
    return {}


def hour_categories() -> list[tuple[str, str]]:
    return list(category_names().items())


def learner_records(course_ids, lesson_ids) -> bool:
    """Lesson progress or a completion of these pages (the plans app registers its own check for plan items)."""
    return (
        LessonProgress.objects.filter(lesson_id__in=lesson_ids).exists()
        or CourseCompletion.objects.filter(course_id__in=course_ids).exists()
    )


def connect() -> None:
    extensions.register_learner_context(CourseIndexPage, catalogue_context)
    extensions.register_learner_context(CoursePage, course_context)
    extensions.register_learner_visit(CoursePage, course_visit)
    extensions.register_learner_context(LessonPage, lesson_context)
    extensions.register_learner_visit(LessonPage, lesson_visit)
    extensions.register_hour_categories(hour_categories)
    extensions.register_learner_records(learner_records)
