"""The CMS names people by their name (姓名), never by their 工号.

``User`` has ``full_name`` and no ``first_name``; Wagtail names a user with
``get_full_name()`` in most places, but its sidebar's account menu reads
``first_name`` and its aging-pages report ``get_username()`` (the 工号). These tests
open the CMS pages that name someone — the dashboard with its sidebar, a page's
history and editor ("edited by"), the review lists, the reports — and look for the
name, and for the 工号 nowhere.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from cms.services.course_review import approve_submission, submit_course
from cms.setup import ensure_workflow_and_permissions
from tests.auth import sign_in
from tests.cms.course_review_helpers import draft_course

pytestmark = pytest.mark.django_db

SIDEBAR = re.compile(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', re.S)


def sidebar_user(html: str) -> dict:
    """The user the sidebar's account menu names (Wagtail's MainMenuModule, packed by telepath)."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if "avatarUrl" in value:
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(SIDEBAR.search(html).group(1)))
    assert len(found) == 1
    return found[0]


@pytest.fixture
def reviewed_course(db, trainer, reviewer):
    """A course the trainer wrote and submitted, and the reviewer approved (so published)."""
    ensure_workflow_and_permissions()
    course, _lessons = draft_course(trainer, title="《行政复议法》导读")
    approve_submission(submission=submit_course(course=course, user=trainer), reviewer=reviewer)
    course.refresh_from_db()
    return course


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_sidebar_names_the_trainer_not_their_employee_number(trainer):
    html = _get(sign_in(Client(), trainer), reverse("wagtailadmin_home"))

    assert sidebar_user(html)["name"] == "培训员"
    assert trainer.employee_no not in html


def test_every_cms_page_naming_the_trainer_shows_the_name(reviewed_course, trainer):
    client = sign_in(Client(), trainer)
    pages = {
        "dashboard": reverse("wagtailadmin_home"),
        "history": reverse("wagtailadmin_pages:history", args=[reviewed_course.pk]),
        "editor": reverse("wagtailadmin_pages:edit", args=[reviewed_course.pk]),
        "reviews": reverse("course_reviews:index"),
        "site history": reverse("wagtailadmin_reports:site_history"),
    }
    for what, url in pages.items():
        html = _get(client, url)
        assert "培训员" in html, what
        assert trainer.employee_no not in html, what


def test_every_cms_page_naming_the_reviewer_shows_the_name(reviewed_course, reviewer):
    client = sign_in(Client(), reviewer)
    pages = {
        "dashboard": reverse("wagtailadmin_home"),
        "history": reverse("wagtailadmin_pages:history", args=[reviewed_course.pk]),
        "reviews": reverse("course_reviews:index"),
        "aging pages": reverse("wagtailadmin_reports:aging_pages"),
        "aging pages results": reverse("wagtailadmin_reports:aging_pages_results"),
    }
    for what, url in pages.items():
        html = _get(client, url)
        assert "审核员" in html, what
        assert reviewer.employee_no not in html, what


def test_the_aging_pages_export_names_who_published(reviewed_course, reviewer):
    response = sign_in(Client(), reviewer).get(reverse("wagtailadmin_reports:aging_pages") + "?export=csv")

    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert "审核员" in text
    assert reviewer.employee_no not in text


def test_the_aging_report_names_each_publisher_in_one_query(reviewed_course, reviewer, django_assert_max_num_queries):
    client = sign_in(Client(), reviewer)
    _get(client, reverse("wagtailadmin_reports:aging_pages_results"))
    with django_assert_max_num_queries(30):
        _get(client, reverse("wagtailadmin_reports:aging_pages_results"))
