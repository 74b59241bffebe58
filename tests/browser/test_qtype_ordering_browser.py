"""An ordering question (排序题) on a phone: the learner sorts the steps with ↑/↓, the order is saved and comes
back after a reload, and the result shows it right; without JavaScript, practice offers 第 n 位 selects."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import AttemptAnswer, Exam, ExamAttempt
from exams.services.questions import ensure_category, save_question
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.browser.english_scan import english_words, visible_latin_text
from tests.exams import factories_exams as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = ["立案", "调查取证", "告知当事人拟作出的处罚及其陈述申辩权利", "作出行政处罚决定", "送达行政处罚决定书"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _ordering(category: str = "法律知识/行政处罚程序"):
    return save_question(
        category=ensure_category(category),
        qtype="ordering",
        name="普通程序",
        stem="<p>把行政处罚普通程序的步骤排成正确的顺序。</p>",
        options=[{"text": t} for t in STEPS],
        data={"grading": "ABSOLUTE_POSITION"},
        points=Decimal("5"),
    )


def _texts(page) -> list[str]:
    return page.locator("#q1 .ordering-text").all_inner_texts()


def _sort(page) -> None:
    """Selection sort with the buttons: bring each step up to its place."""
    for place, step in enumerate(STEPS):
        while _texts(page).index(step) > place:
            item = page.locator("#q1 .ordering-item").filter(has_text=step)
            item.get_by_role("button", name=f"上移：{step}").click()


def _fits(page, name: str) -> None:
    assert not english_words(" ".join(visible_latin_text(page))), visible_latin_text(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"


def test_sort_the_steps_with_the_buttons_on_a_phone(page_at, login_as, live_server, learner):
    exam = f.exam(
        [_ordering()],
        title="行政处罚程序测验",
        review_policy=Exam.ReviewPolicy.FULL,
        review_from=timezone.now() - timedelta(minutes=1),
    )
    page = login_as(page_at(*PHONE), learner)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.get_by_test_id("start-exam").click()
    page.wait_for_selector("[data-exam-paper]")
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)

    assert _texts(page) != STEPS  # never the right order to start with
    assert page.locator("#q1 [data-answer]:disabled").count() == 5  # unanswered until something moves
    buttons = page.locator("#q1 [data-move]")
    assert buttons.count() == 10 and buttons.first.is_visible()
    box = buttons.first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb's target
    _fits(page, "attempt")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#q1").screenshot(path=str(ARTIFACTS / "ordering-attempt-375.png"))

    _sort(page)
    assert _texts(page) == STEPS
    assert page.locator("#q1 [data-rank]").all_inner_texts() == ["1", "2", "3", "4", "5"]
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()
    assert AttemptAnswer.objects.get(item__attempt=attempt).response == ["A", "B", "C", "D", "E"]

    page.reload()
    page.wait_for_selector("[data-exam-paper]")
    assert _texts(page) == STEPS and page.locator("#q1 [data-answer]:disabled").count() == 0
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    assert page.get_by_test_id("score").inner_text() == "5"
    assert "正确顺序" in page.content() and page.locator(".review-ordering .ordering-item.correct").count() == 10
    _fits(page, "result")
    page.screenshot(path=str(ARTIFACTS / "ordering-result-375.png"), full_page=True)


def test_practice_without_javascript_sorts_with_selects(browser, login_as, live_server, learner):
    question = _ordering("练习/程序")
    category = question.category
    category.open_for_practice = True
    category.save()
    context = browser.new_context(
        viewport={"width": PHONE[0], "height": PHONE[1]}, locale="zh-CN", java_script_enabled=False
    )
    try:
        page = login_as(context.new_page(), learner)
        page.goto(f"{live_server.url}/exams/practice/question/?category={category.pk}")
        assert not page.locator("[data-move]").first.is_visible()  # the buttons need the script
        selects = page.locator(".ordering-fallback select")
        assert selects.count() == 5
        # (page.evaluate cannot run callbacks without script: measure the selects instead)
        assert all(
            selects.nth(i).bounding_box()["x"] + selects.nth(i).bounding_box()["width"] <= PHONE[0] for i in range(5)
        )
        page.screenshot(path=str(ARTIFACTS / "ordering-noscript-375.png"), full_page=True)
        for place, step in enumerate(STEPS):
            selects.nth(place).select_option(label=step)
        page.get_by_test_id("practice-submit").click()
        page.wait_for_load_state()
        assert "正确顺序" in page.content() and page.locator(".review-ordering .ordering-item.wrong").count() == 0
    finally:
        context.close()
