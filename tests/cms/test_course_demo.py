"""The demo courses are real courses built on the imported law texts."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cms.models import CoursePage, LessonPage
from cms.search import search
from demo.courses import seed_demo_course
from tests.cms.law_helpers import PENALTY, copy_laws


@pytest.fixture
def imported_laws(db, tmp_path):
    call_command("import_laws", str(copy_laws(tmp_path / "laws", PENALTY, "行政许可法(2019-04-23).md")))


def test_demo_course_has_one_published_lesson_per_chapter(imported_laws, learner, client_for):
    courses = seed_demo_course()
    penalty = next(c for c in courses if c.slug == "xzcf-jingjiang")
    assert penalty.live and penalty.title == "《行政处罚法》精讲"
    lessons = list(LessonPage.objects.child_of(penalty).live().order_by("path"))
    assert [lesson.title for lesson in lessons][:2] == ["第一章 总则", "第二章 行政处罚的种类和设定"]
    assert len(lessons) == 8
    for lesson in lessons:
        kinds = [block.block_type for block in lesson.body]
        assert kinds.count("check") == 1 and kinds.count("law_citation") >= 2
        assert lesson.min_study_seconds == 600
    hearing = lessons[4]
    html = client_for(learner).get(hearing.url).content.decode()
    assert "当事人要求听证的，应当在行政机关告知后五日内提出" in html
    assert penalty.law_article_links.count() >= 16


def test_demo_seed_is_idempotent(imported_laws):
    first = seed_demo_course()
    pages = CoursePage.objects.count(), LessonPage.objects.count()
    second = seed_demo_course()
    assert [c.pk for c in first] == [c.pk for c in second]
    assert (CoursePage.objects.count(), LessonPage.objects.count()) == pages
    assert {c.slug for c in first} == {"xzcf-jingjiang", "xzxk-yaodian"}  # only laws that were imported


def test_published_lessons_are_found_by_chinese_search_within_the_audience(imported_laws, learner, org_tree):
    from tests.factories import UserFactory

    seed_demo_course()
    hits = search("听证", learner)
    assert any(hit.kind == "lesson" and hit.title == "第五章 行政处罚的决定" for hit in hits)
    assert any(hit.kind == "course" and hit.title == "《行政处罚法》精讲" for hit in search("精讲", learner))
    # The leaders-only course is not imported here; an out-of-audience course is hidden from search.
    course = CoursePage.objects.get(slug="xzxk-yaodian")
    course.audience_units.set([org_tree["shufu"]])
    course.save_revision().publish()
    outsider_hits = search("行政许可", learner, limit=500)
    assert not any(hit.kind in ("course", "lesson") and "许可" in hit.title for hit in outsider_hits)
    insider = UserFactory(org_unit=org_tree["shufu_dept"])
    assert any(hit.kind == "course" and "许可" in hit.title for hit in search("行政许可", insider, limit=500))
