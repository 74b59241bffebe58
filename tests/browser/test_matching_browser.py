"""A matching question (匹配题) on a phone: one select per item, the answers survive a reload, nothing is wider
than the screen, and the result shows each item's right answer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import Exam, ExamAttempt, QuestionType
from tests.browser.conftest import PHONE
from tests.exams import factories_exams as f
from tests.exams.factories_questions import make_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAIRS = [
    ("警告", "申诫罚"),
    ("罚款", "财产罚"),
    ("责令停产停业、责令关闭、限制从业（一个较长的左项，在手机上应当换行而不撑宽页面）", "行为罚"),
    ("行政拘留", "人身罚"),
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_a_matching_question_on_a_phone(page_at, login_as, live_server, learner):
    question = make_question(
        QuestionType.MATCHING,
        stem="将下列行政处罚与其种类对应起来。",
        options=[{"text": left, "answer": right} for left, right in PAIRS] + [{"text": "", "answer": "资格罚"}],
        points=Decimal("4"),
    )
    exam = f.exam(
        [question],
        title="匹配题测验",
        shuffle_options=True,
        partial_credit=True,
        review_policy=Exam.ReviewPolicy.FULL,
        review_from=timezone.now() - timedelta(minutes=1),
    )
    page = login_as(page_at(*PHONE), learner)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.get_by_test_id("start-exam").click()
    page.wait_for_selector("[data-exam-paper]")
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    item = attempt.items.get()
    options = {o["key"]: o for o in question.current_version.options}
    parts = [k for k in item.option_order if k.startswith("P")]
    choices = [k for k in item.option_order if k.startswith("C")]

    selects = page.locator("#q1 select[data-answer]")
    assert selects.count() == 4
    labels = [page.locator(f"label[for=a1-{i}]").inner_text() for i in range(4)]
    assert labels == [options[k]["text"] for k in parts]
    # Every select offers the five answers (and 请选择) and fits the screen.
    assert selects.nth(0).locator("option").count() == 6
    for i in range(4):
        box = selects.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
        assert box["height"] >= 40  # a finger-sized target
    # Three right, the long item wrong.
    for i, key in enumerate(parts):
        right = choices.index(options[key]["answer"])
        value = right if "较长" not in options[key]["text"] else choices.index("C1.5")
        selects.nth(i).select_option(str(value))
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    page.reload()
    page.wait_for_selector("[data-exam-paper]")
    values = [selects.nth(i).input_value() for i in range(4)]
    assert all(values) and page.locator("[data-save-summary]").filter(has_text="已保存 1 / 1 题").count() == 1

    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    assert page.get_by_test_id("score").inner_text() == "3"
    review = page.locator(".review-parts .part")
    assert review.count() == 4
    assert page.locator(".review-parts .part.wrong").count() == 1
    assert "正确答案：行为罚" in page.locator(".review-parts .part.wrong").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
