"""Which courses a learner may study, and what the course pages show.

The audience rule lives here and only here: a course is open to a learner when it
is published, its catalogue page is published, and the learner is in its audience
— a unit restriction matches the learner's unit or any unit above it, a category
restriction matches the learner's staff category, an empty restriction matches
everyone. ``courses_for`` expresses it as one queryset so that catalogue pages,
lesson pages, heartbeats and search results all apply the same rule in SQL.
Heartbeats ask it through ``may_study_lesson``, which keeps its *yes* in the cache
until something the rule reads changes (``cms.access_cache`` lists what and how):
a new input to the rule needs its changes to reach that module too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from wagtail.images import get_image_model
from wagtail.models import Page

from accounts.models import OrgUnit
from cms import access_cache
from cms.fields import empty_or_contains
from cms.models.courses import CourseIndexPage, CourseLawArticle, CoursePage, LessonPage

if TYPE_CHECKING:
    from accounts.models import User

COVER_SPEC = "fill-640x360"
STEP = Page.steplen


def ancestor_paths(unit: OrgUnit | None) -> list[str]:
    """Materialised paths of ``unit`` and every unit above it."""
    if unit is None:
        return []
    step = OrgUnit.steplen
    return [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]


def parent_path(path, depth):
    """SQL expression for the materialised path of a page's parent, from its path and depth expressions."""
    return Substr(path, 1, (depth - 1) * STEP)


def courses_for(user: User) -> QuerySet[CoursePage]:
    """Published courses in a published catalogue whose audience includes ``user``."""
    if not user.is_authenticated or not user.is_active:
        return CoursePage.objects.none()
    through = CoursePage.audience_units.through
    restricted = Exists(through.objects.filter(coursepage_id=OuterRef("pk")))
    unit = user.org_unit if user.org_unit_id else None
    mine = Exists(through.objects.filter(coursepage_id=OuterRef("pk"), orgunit__path__in=ancestor_paths(unit)))
    index_live = Exists(CourseIndexPage.objects.live().filter(path=parent_path(OuterRef("path"), OuterRef("depth"))))
    return (
        CoursePage.objects.live()
        .filter(index_live)
        .filter(empty_or_contains("audience_categories", user.staff_category))
        .filter(~restricted | mine)
    )


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


def _cover_prefetch() -> Prefetch:
    return Prefetch("cover", queryset=get_image_model().objects.prefetch_renditions(COVER_SPEC))


def _category_names() -> dict[str, str]:
    from learning.models import HourCategory

    return dict(HourCategory.objects.values_list("code", "name"))


def catalogue(*, user: User, index: CourseIndexPage, params) -> dict:
    """Courses of the catalogue the learner may study, filtered, with their progress."""
    from cms.course_forms import CatalogueFilterForm
    from learning.selectors.plans import required_course_ids
    from learning.selectors.progress import course_progress

    categories = _category_names()
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
    from learning.selectors.progress import course_progress, lesson_progress_map

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
        "category_name": _category_names().get(course.category, course.category),
        "law_groups": list(groups.values()),
        "resume_lesson": unfinished[0] if unfinished else None,
    }


def resolve_current_articles(article_ids) -> dict[int, object]:
    """Map each cited article id to the same-numbered article of its law's current version (two queries)."""
    from cms.models import LawArticle

    ids = {pk for pk in article_ids if pk}
    if not ids:
        return {}
    chosen = LawArticle.objects.select_related("version__law").in_bulk(ids)
    result = {pk: a for pk, a in chosen.items() if a.version.is_current}
    stale = [a for a in chosen.values() if not a.version.is_current]
    if stale:
        condition = Q()
        for a in stale:
            condition |= Q(version__law_id=a.version.law_id, number=a.number, sub_number=a.sub_number)
        current = {
            (a.version.law_id, a.number, a.sub_number): a
            for a in LawArticle.objects.select_related("version__law").filter(condition, version__is_current=True)
        }
        for a in stale:
            result[a.pk] = current.get((a.version.law_id, a.number, a.sub_number))
    return result


def cited_article_ids(lesson: LessonPage) -> list[int]:
    """Ids of the articles the lesson cites, read from the raw stream (no query)."""
    ids = []
    for item in lesson.body.raw_data:
        if item.get("type") == "law_citation":
            article_id = (item.get("value") or {}).get("article")
            if isinstance(article_id, int):
                ids.append(article_id)
    return ids


def lesson_detail(*, user: User, lesson: LessonPage) -> dict:
    """Everything the lesson page shows besides its body: citations, the course outline, progress."""
    from learning.models import CourseCompletion
    from learning.selectors.progress import lesson_progress_map
    from learning.services.progress import heartbeat_interval

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
