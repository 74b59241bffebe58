"""Wagtail's ``get_context`` of every page type writes nothing; a learner's visit (``serve``) is what writes.

``get_context`` also draws previews and may be called by anything that renders a
page, so a write there would record study nobody did. Every concrete page model of
the project is swept: a new page type without a case here fails.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from learning.models import LessonProgress
from tests.cms import course_factories as cf

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _project_page_models() -> set[type]:
    return {
        model
        for model in apps.get_models()
        if issubclass(model, Page) and model is not Page and not model.__module__.startswith("wagtail.")
    }


def _pages(learner) -> dict[type, Page]:
    from cms.models import HomePage

    course_page, lessons = cf.course_with_lessons(2, min_seconds=60, hours="2")
    return {
        HomePage: HomePage.objects.first(),
        type(cf.catalogue()): cf.catalogue(),
        type(course_page): course_page,
        type(lessons[0]): lessons[0],
    }


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_every_page_types_get_context_writes_nothing(learner):
    pages = _pages(learner)
    assert _project_page_models() <= set(pages), "add a case for the new page type"
    for page in pages.values():
        page = page.specific
        with CaptureQueriesContext(connection) as queries:
            page.get_context(_request(learner))
        assert not _writes(queries.captured_queries), f"{type(page).__name__}.get_context wrote"


def test_the_sweep_sees_a_write(learner):
    """The check above can fail: what a visit does (starting the lesson) is seen as a write."""
    from learning.services.progress import start_lesson

    _course, lessons = cf.course_with_lessons(1, min_seconds=60)
    lesson = lessons[0]
    with CaptureQueriesContext(connection) as queries:
        start_lesson(user=learner, lesson=lesson)
    assert _writes(queries.captured_queries)


def test_a_learners_visit_starts_the_lesson_but_reading_its_context_does_not(learner):
    _course, lessons = cf.course_with_lessons(1, min_seconds=60)
    lesson = lessons[0]
    lesson.get_context(_request(learner))
    assert not LessonProgress.objects.filter(user=learner, lesson=lesson).exists()
    response = lesson.serve(_request(learner))
    assert response.status_code == 200
    assert LessonProgress.objects.filter(user=learner, lesson=lesson).exists()
