"""Which courses a learner may study (what the learner pages show besides content: ``learning.selectors.course_pages``).

A course is open to a learner when it is published, its catalogue page is published,
and the learner is in its audience: the audience rule of ``accounts.audience`` over the
course's ``audience_units`` and ``audience_categories`` (``AUDIENCE``; courses name no
people), so a unit admits its whole subtree, a category restriction matches the learner's
staff category, and a course with neither is open to every active learner.
``courses_for`` expresses it as one queryset so that catalogue pages, lesson pages,
heartbeats and search results all apply the same rule in SQL.
Heartbeats ask it through ``may_study_lesson``, which keeps its *yes* in the cache
until something the rule reads changes (``cms.access_cache`` lists what and how):
a new input to the rule needs its changes to reach that module too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr
from wagtail.models import Page

from accounts.audience import AudienceFields
from cms import access_cache
from cms.fields import empty_or_contains
from cms.models.courses import CourseIndexPage, CoursePage, LessonPage

if TYPE_CHECKING:
    from accounts.models import User

COVER_SPEC = "fill-640x360"
STEP = Page.steplen
AUDIENCE = AudienceFields(
    CoursePage, units="audience_units", categories="audience_categories", categories_sql=empty_or_contains
)


def parent_path(path, depth):
    """SQL expression for the materialised path of a page's parent, from its path and depth expressions."""
    return Substr(path, 1, (depth - 1) * STEP)


def courses_for(user: User) -> QuerySet[CoursePage]:
    """Published courses in a published catalogue whose audience includes ``user``."""
    if not user.is_authenticated:
        return CoursePage.objects.none()
    index_live = Exists(CourseIndexPage.objects.live().filter(path=parent_path(OuterRef("path"), OuterRef("depth"))))
    return CoursePage.objects.live().filter(index_live).filter(AUDIENCE.admitting(user))


def lessons_for(user: User) -> QuerySet[LessonPage]:
    """Published lessons of the courses ``user`` may study."""
    return (
        LessonPage.objects.live()
        .annotate(parent=parent_path(F("path"), F("depth")))
        .filter(parent__in=courses_for(user).values("path"))
    )


def can_study(user: User, course: CoursePage) -> bool:
    return courses_for(user).filter(pk=course.pk).exists()


def lessons_of(course: CoursePage) -> QuerySet[LessonPage]:
    return LessonPage.objects.live().child_of(course).order_by("path")


def course_of_lesson(user: User, lesson: LessonPage) -> CoursePage | None:
    """The lesson's course if the learner may study it (the lesson itself must be live)."""
    if not lesson.live:
        return None
    course = courses_for(user).filter(path=lesson.path[:-STEP]).first()
    lesson._learner_course = course  # the lesson page reuses it instead of asking again
    return course


@dataclass(frozen=True)
class StudyableLesson:
    """What a heartbeat or a check answer needs to know about a lesson, in one query."""

    lesson: LessonPage
    course_id: int


def studyable_lesson(user: User, lesson_id) -> StudyableLesson | None:
    """The live lesson ``lesson_id`` if ``user`` may study its course, else ``None`` (one query)."""
    try:
        lesson_id = int(lesson_id)
    except (TypeError, ValueError):
        return None
    course = courses_for(user).filter(path=parent_path(OuterRef("path"), OuterRef("depth"))).values("pk")[:1]
    lesson = (
        LessonPage.objects.live()
        .filter(pk=lesson_id)
        .annotate(visible_course_id=Subquery(course))
        .exclude(visible_course_id=None)
        .first()
    )
    # The second test is not redundant: for a learner ``courses_for`` rules out in Python
    # (inactive), the subquery is empty, and Django drops an exclude() on an empty subquery.
    if lesson is None or lesson.visible_course_id is None:
        return None
    return StudyableLesson(lesson=lesson, course_id=lesson.visible_course_id)


def may_study_lesson(user: User, lesson_id: int, *, course_id: int, now: dt.datetime) -> bool:
    """``studyable_lesson``'s answer for a heartbeat, from a cached grant while still valid.

    ``course_id`` is the lesson's parent as the caller just read it (with both pages
    live). A miss runs the full check and keeps a *yes* for the next beats.
    """
    lookup = access_cache.look_up(user, lesson_id, course_id=course_id, now=now)
    if lookup.granted:
        return True
    found = studyable_lesson(user, lesson_id)
    if found is None:
        return False
    if found.course_id == course_id:
        access_cache.remember(lookup, now=now)
    return True


# --- Page contexts -------------------------------------------------------------------------


def resolve_current_articles(article_ids) -> dict[int, object]:
    """Each cited article id → a ``CitedArticle``: the cited article and what continues it now (two or three queries).

    What continues an article of an older version is the match ``cms.laws.amendments``
    stored when the current version was imported (it follows renumbering); an article
    whose versions were never compared falls back to the same number in the current version.
    """
    from cms.selectors.laws import cited_articles

    return cited_articles(article_ids)


def cited_article_ids(lesson: LessonPage) -> list[int]:
    """Ids of the articles the lesson cites, read from the raw stream (no query)."""
    ids = []
    for item in lesson.body.raw_data:
        if item.get("type") == "law_citation":
            article_id = (item.get("value") or {}).get("article")
            if isinstance(article_id, int):
                ids.append(article_id)
    return ids
