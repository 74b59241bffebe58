"""A learner on a phone: catalogue → course → lesson, studies until the lesson completes, sees the hours."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from learning.models import LedgerEntry
from tests.cms import course_factories as cf

from .conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def short_lessons(settings):
    settings.LESSON_MIN_SECONDS_OVERRIDE = 3
    settings.LESSON_HEARTBEAT_SECONDS = 1


def test_learner_studies_a_lesson_on_a_phone_and_sees_the_hours(live_server, page_at, login_as, learner, short_lessons):
    course_page = cf.course(title="《行政处罚法》精讲", hours="2")
    cf.lesson(course_page, title="第一章 总则", min_seconds=600)
    page = login_as(page_at(*PHONE), learner)

    page.goto(live_server.url + cf.catalogue().url)
    page.get_by_role("link", name="《行政处罚法》精讲").click()
    assert page.get_by_text("已完成 0 / 1 课时").is_visible()
    page.get_by_role("link", name="第一章 总则").click()

    status = page.locator("[data-study-status]")
    status.get_by_text("计时中").wait_for()
    page.get_by_text("公正、公开").click()
    page.get_by_role("button", name="提交答案").click()
    page.get_by_text(re.compile("回答正确")).wait_for()
    status.get_by_text("本课时已完成").wait_for(timeout=20000)
    done = page.locator("[data-course-done]")
    done.wait_for(state="visible")
    assert "学时已计入" in done.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    entry = LedgerEntry.objects.get(user=learner)
    assert entry.source_key == f"course:{course_page.pk}:{learner.pk}"

    done.get_by_role("link", name="查看我的学时").click()
    page.wait_for_url(live_server.url + reverse("learning:my_hours"))
    body = page.locator("main").inner_text()
    assert "《行政处罚法》精讲" in body
    assert re.search(r"\b2(\.0+)?\b", body)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
