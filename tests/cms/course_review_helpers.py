"""Courses as a trainer leaves them in the CMS before review: pages with draft revisions, not live."""

from __future__ import annotations

import itertools
from decimal import Decimal

from wagtail.rich_text import RichText

from cms.models import CoursePage, LessonPage
from tests.cms import course_factories as cf

_seq = itertools.count(1)


def lesson_body(text: str = "本课时讲解行政许可的设定。", *, check: dict | None = cf.CHECK, extra=()) -> list:
    body = [("heading", "要点"), ("paragraph", RichText(f"<p>{text}</p>")), *extra]
    if check is not None:
        body.append(("check", check))
    return body


def draft_course(
    trainer, *, title: str = "《行政许可法》精讲", lessons: int = 2
) -> tuple[CoursePage, list[LessonPage]]:
    """A new course with ``lessons`` new lessons, saved as drafts by ``trainer`` (as the editor does)."""
    n = next(_seq)
    course = CoursePage(
        title=title,
        slug=f"review-course-{n}",
        summary="逐章学习《行政许可法》。",
        category="legal",
        credit_hours=Decimal("2"),
        live=False,
        owner=trainer,
    )
    cf.catalogue().add_child(instance=course)
    course.save_revision(user=trainer)
    made = [draft_lesson(course, trainer, title=f"第{i + 1}课", text=f"第{i + 1}课的正文。") for i in range(lessons)]
    course.refresh_from_db()
    return course, made


def draft_lesson(course: CoursePage, trainer, *, title: str, text: str = "正文。", check: dict | None = cf.CHECK):
    n = next(_seq)
    lesson = LessonPage(
        title=title, slug=f"review-lesson-{n}", min_study_seconds=60, body=lesson_body(text, check=check), live=False
    )
    lesson.owner = trainer
    course.add_child(instance=lesson)
    lesson.save_revision(user=trainer)
    lesson.refresh_from_db()
    return lesson


def edit_draft(page, user, **changes):
    """Save a new draft revision of ``page`` with ``changes`` (what the editor's "保存草稿" does)."""
    draft = page.get_latest_revision_as_object()
    for name, value in changes.items():
        setattr(draft, name, value)
    revision = draft.save_revision(user=user)
    page.refresh_from_db()
    return revision


def body_text(page) -> str:
    return " ".join(str(block.value.source) for block in page.body if block.block_type == "paragraph")
