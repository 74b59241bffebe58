"""What the learner's catalogue, course and lesson pages show besides their content.

The pages are ``cms``'s (Wagtail pages: content only); these selectors add the
learner's progress, what their study plans require (``learning.selectors.path.required_course_ids``,
which the plans app fills) and the hour categories' names, and ``learning.views.course_pages``
hands them to the pages through ``cms.extensions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch
from wagtail.images import get_image_model

from cms.course_forms import CatalogueFilterForm
from cms.models.courses import CourseIndexPage, CourseLawArticle, CoursePage, LessonPage
from cms.selectors.courses import COVER_SPEC, STEP, cited_article_ids, courses_for, lessons_of, resolve_current_articles
from learning.models import CourseCompletion
from learning.selectors.ledger import category_names
from learning.selectors.path import required_course_ids
from learning.selectors.progress import course_progress, lesson_progress_map
from learning.services.progress import heartbeat_interval

if TYPE_CHECKING:
    from accounts.models import User


def _cover_prefetch() -> Prefetch:
    return Prefetch("cover", queryset=get_image_model().objects.prefetch_renditions(COVER_SPEC))


def catalogue(*, user: User, index: CourseIndexPage, params) -> dict:
    """Courses of the catalogue the learner may study, filtered, with their progress."""
    categories = category_names()
    form = CatalogueFilterForm(params or None, categories=categories)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = courses_for(user).child_of(index).order_by("path")
    if filters.get("category"):
        courses = courses.filter(category=filters["category"])
    if filters.get("law"):
        courses = courses.filter(
            Exists(CourseLawArticle.objects.filter(page_id=OuterRef("pk"), article__version__law_id=filters["law"].pk))
        )
    required_ids = required_course_ids(user)
    if filters.get("required"):
        courses = courses.filter(pk__in=required_ids)
    courses = list(courses.prefetch_related(_cover_prefetch()))
    progress = course_progress(user, courses)
    status = filters.get("status")
    if status:
        courses = [c for c in courses if progress[c.pk].status == status]
    rows = [
        {
            "course": c,
            "progress": progress[c.pk],
            "required": c.pk in required_ids,
            "category_name": categories.get(c.category, c.category),
        }
        for c in courses
    ]
    return {"filter_form": form, "rows": rows, "filtered": bool(params and form.is_valid() and any(filters.values()))}


def course_detail(*, user: User, course: CoursePage) -> dict:
    lessons = list(lessons_of(course))
    progress_by_lesson = lesson_progress_map(user, lessons)
    articles = (
        CourseLawArticle.objects.filter(page=course).select_related("article__version__law").order_by("sort_order")
    )
    groups: dict[int, dict] = {}
    for link in articles:
        law = link.article.version.law
        groups.setdefault(law.pk, {"law": law, "articles": []})["articles"].append(link.article)
    unfinished = [lesson for lesson in lessons if not getattr(progress_by_lesson.get(lesson.pk), "completed_at", None)]
    return {
        "lessons": [{"lesson": lesson, "progress": progress_by_lesson.get(lesson.pk)} for lesson in lessons],
        "course_progress": course_progress(user, [course])[course.pk],
        "category_name": category_names().get(course.category, course.category),
        "law_groups": list(groups.values()),
        "resume_lesson": unfinished[0] if unfinished else None,
    }


def lesson_detail(*, user: User, lesson: LessonPage) -> dict:
    """Everything the lesson page shows besides its body: citations, the course outline, progress."""
    course = getattr(lesson, "_learner_course", None)
    if course is None:
        course = CoursePage.objects.filter(path=lesson.path[:-STEP]).first()
    siblings = list(lessons_of(course)) if course else []
    progress_by_lesson = lesson_progress_map(user, siblings)
    position = next((i for i, s in enumerate(siblings) if s.pk == lesson.pk), None)
    return {
        "course": course,
        "current_articles": resolve_current_articles(cited_article_ids(lesson)),
        "outline": [{"lesson": s, "progress": progress_by_lesson.get(s.pk)} for s in siblings],
        "previous_lesson": siblings[position - 1] if position else None,
        "next_lesson": siblings[position + 1] if position is not None and position + 1 < len(siblings) else None,
        "progress": progress_by_lesson.get(lesson.pk),
        "required_seconds": lesson.required_seconds,
        "heartbeat_interval": heartbeat_interval(),
        "course_done": bool(course)
        and user.is_authenticated
        and CourseCompletion.objects.filter(user=user, course=course).exists(),
    }
