"""Builders for course pages in tests (pages are created through Wagtail's tree API and published)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from wagtail.rich_text import RichText

from cms.models import CourseIndexPage, CoursePage, LessonPage

_seq = itertools.count(1)

CHECK = {
    "question": "行政处罚遵循什么原则？",
    "options": ["从重从快", "公正、公开", "属地管理"],
    "answer": 2,
    "explanation": "《行政处罚法》第五条：行政处罚遵循公正、公开的原则。",
}


def catalogue() -> CourseIndexPage:
    from cms.setup import ensure_course_index

    return ensure_course_index()


def _publish(page, live: bool):
    if live:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def course(
    index: CourseIndexPage | None = None,
    *,
    title: str | None = None,
    hours: str = "2",
    category: str = "legal",
    units=(),
    categories=(),
    live: bool = True,
    summary: str = "课程简介",
) -> CoursePage:
    index = index or catalogue()
    n = next(_seq)
    page = CoursePage(
        title=title or f"测试课程{n}",
        slug=f"course-{n}",
        summary=summary,
        category=category,
        credit_hours=Decimal(hours),
        audience_categories=list(categories),
        live=live,
    )
    index.add_child(instance=page)
    if units:
        page.audience_units.set(units)
        page.save()
    return _publish(page, live)


def lesson(
    course_page: CoursePage,
    *,
    title: str | None = None,
    min_seconds: int = 60,
    check: dict | None = CHECK,
    text: str = "<p>本课时讲解行政处罚的听证程序。</p>",
    citations=(),
    live: bool = True,
) -> LessonPage:
    n = next(_seq)
    body = [("heading", "要点"), ("paragraph", RichText(text))]
    body += [("law_citation", {"article": article, "note": ""}) for article in citations]
    if check is not None:
        body.append(("check", check))
    page = LessonPage(
        title=title or f"课时{n}", slug=f"lesson-{n}", min_study_seconds=min_seconds, body=body, live=live
    )
    course_page.add_child(instance=page)
    return _publish(page, live)


def course_with_lessons(n_lessons: int = 2, **kwargs) -> tuple[CoursePage, list[LessonPage]]:
    lesson_kwargs = {k: kwargs.pop(k) for k in ("min_seconds", "check", "citations") if k in kwargs}
    page = course(**kwargs)
    return page, [lesson(page, **lesson_kwargs) for _ in range(n_lessons)]
