"""Courses and lessons in the site search (``cms.search``).

Pages are (re)indexed when they are published and taken out when unpublished
or deleted (``cms.course_signals``); who sees a hit is decided by the same
audience rule as the pages themselves (``cms.selectors.courses``).
"""

from __future__ import annotations

from django.utils.html import strip_tags

from cms.search import COURSE, LESSON, SearchEntry, index_many, remove_object


def visible_course_ids(user):
    from cms.selectors.courses import courses_for

    return courses_for(user).values("pk")


def visible_lesson_ids(user):
    from cms.selectors.courses import lessons_for

    return lessons_for(user).values("pk")


def lesson_text(lesson) -> str:
    """The words a learner reads on the lesson page (cited articles as the lesson quotes them, no answers)."""
    from cms.selectors.courses import cited_article_ids, resolve_current_articles

    current = resolve_current_articles(cited_article_ids(lesson))
    parts: list[str] = []
    for item in lesson.body.raw_data:
        kind, value = item.get("type"), item.get("value")
        if kind == "heading":
            parts.append(str(value or ""))
        elif kind == "paragraph":
            parts.append(strip_tags(str(value or "")))
        elif kind == "law_citation":
            citation = current.get((value or {}).get("article"))
            article = citation and (citation.cited if citation.amended else citation.current)
            if article is not None:
                parts.append(f"《{article.version.law.title}》{article.number_text} {article.text}")
            parts.append((value or {}).get("note") or "")
        elif kind == "check":
            parts.append((value or {}).get("question") or "")
        elif kind in ("image", "document", "video"):
            parts.append((value or {}).get("caption") or (value or {}).get("title") or "")
    return "\n".join(p for p in parts if p)


def _course_entry(course) -> SearchEntry:
    return SearchEntry(obj_id=course.pk, title=course.title, body=course.summary, url=course.get_url() or "")


def _lesson_entry(lesson, course) -> SearchEntry:
    return SearchEntry(
        obj_id=lesson.pk,
        title=lesson.title,
        body=lesson_text(lesson),
        url=lesson.get_url() or "",
        context=course.title if course else "",
    )


def index_course(course) -> None:
    """Index a live course and its live lessons (their context is the course title)."""
    from cms.selectors.courses import lessons_of

    index_many(kind=COURSE, entries=[_course_entry(course)])
    index_many(kind=LESSON, entries=[_lesson_entry(lesson, course) for lesson in lessons_of(course)])


def index_lesson(lesson) -> None:
    from cms.models.courses import CoursePage

    course = CoursePage.objects.filter(path=lesson.path[: -lesson.steplen]).first()
    index_many(kind=LESSON, entries=[_lesson_entry(lesson, course)])


def unindex(page) -> None:
    from cms.models.courses import CoursePage, LessonPage

    if isinstance(page, CoursePage):
        remove_object(kind=COURSE, obj_id=page.pk)
    elif isinstance(page, LessonPage):
        remove_object(kind=LESSON, obj_id=page.pk)


def reindex_all_courses() -> None:
    """Index every live course and lesson (idempotent: unchanged documents are not rewritten)."""
    from cms.models.courses import CoursePage

    for course in CoursePage.objects.live().order_by("path"):
        index_course(course)
