"""The demo's attachments (demo/media.py): a cover and a handout the demo learner receives, and only them."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from wagtail.documents import get_document_model

from cms.models import CoursePage, LessonPage
from demo.courses import seed_demo_course
from demo.media import HANDOUT_FILENAME, seed_demo_attachments
from tests.auth import sign_in
from tests.cms.law_helpers import PENALTY, copy_laws
from tests.cms.media_helpers import read


@pytest.fixture
def demo_course(db, tmp_path):
    call_command("import_laws", str(copy_laws(tmp_path / "laws", PENALTY)))
    seed_demo_course()
    return CoursePage.objects.get(slug="xzcf-jingjiang")


def test_the_first_lesson_has_a_pdf_handout_and_the_course_a_cover(demo_course, learner):
    assert seed_demo_attachments() is True
    course = CoursePage.objects.get(pk=demo_course.pk)
    lesson = LessonPage.objects.child_of(course).order_by("path").first()
    handout = get_document_model().objects.get()
    # The storage adds a suffix when another test already wrote a file of that name.
    stem, ext = HANDOUT_FILENAME.rsplit(".", 1)
    assert re.fullmatch(rf"{re.escape(stem)}(_\w+)?\.{ext}", handout.filename) and course.cover is not None
    assert [block.block_type for block in lesson.body][-1] == "document"
    client = sign_in(Client(), learner)
    assert handout.url in client.get(lesson.url).content.decode()
    body = read(client.get(handout.url))
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    cover = course.cover.get_rendition("fill-640x360")
    assert cover.url in client.get(course.url).content.decode()
    assert read(client.get(cover.url)).startswith(b"\x89PNG")
    assert Client().get(handout.url).status_code == 403


def test_seeding_the_attachments_again_changes_nothing(demo_course):
    assert seed_demo_attachments() is True
    revisions = LessonPage.objects.child_of(demo_course).first().revisions.count()
    assert seed_demo_attachments() is False
    assert get_document_model().objects.count() == 1
    assert LessonPage.objects.child_of(demo_course).first().revisions.count() == revisions
