"""A learner answers 选词填空 and 拖词填空 on a phone: one select per numbered gap, saved, graded, reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import Exam, ExamAttempt
from tests.browser.conftest import PHONE
from tests.exams import factories_exams as f
from tests.exams.factories_questions import make_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _value(item, part: int) -> str:
    """The select value of part ``part``'s right choice (its display index within its group)."""
    by_key = {o["key"]: o for o in item.question_version.options}
    key = [k for k in item.option_order if k.startswith("P")][part]
    group = key.split(".")[1]
    return str([k for k in item.option_order if k.startswith(f"C{group}.")].index(by_key[key]["answer"]))


def test_gap_questions_on_a_phone(page_at, login_as, live_server, learner, tmp_path):
    gapselect = make_question(
        "gapselect",
        stem="<p>行政处罚由违法行为发生地的[[1]]以上地方人民政府具有行政处罚权的[[3]]管辖。法律、行政法规另有规定的，从其规定。</p>",
        options=[
            {"text": "县级", "group": 1},
            {"text": "乡级", "group": 1},
            {"text": "行政机关", "group": 2},
            {"text": "司法机关", "group": 2},
        ],
        data={"shuffle": True},
    )
    ddwtos = make_question(
        "ddwtos",
        stem="<p>对当事人的同一个违法行为，不得给予两次以上[[1]]的行政处罚；当事人有违法所得的，应当予以[[2]]。</p>",
        options=[{"text": "罚款"}, {"text": "没收"}, {"text": "警告"}],
        data={"shuffle": True},
    )
    exam = f.exam(
        [gapselect, ddwtos],
        title="选词与拖词填空测验",
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
    items = {i.position: i for i in attempt.items.select_related("question_version")}

    first = page.locator("#q1")
    assert first.locator(".question-stem .gap").all_inner_texts() == ["（1）", "（2）"]
    assert "[[" not in first.inner_text()
    assert first.locator("label.part-label").all_inner_texts() == ["（1）", "（2）"]
    first.locator("select").nth(0).select_option(_value(items[1], 0))
    first.locator("select").nth(1).select_option(_value(items[1], 1))
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()
    second = page.locator("#q2")
    second.locator("select").nth(0).select_option(_value(items[2], 0))
    wrong = [k for k in items[2].option_order if k.startswith("C")].index("C1.3")  # 警告, where 没收 is right
    second.locator("select").nth(1).select_option(str(wrong))
    page.locator("#q2 [data-save-state]").filter(has_text="已保存").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    page.screenshot(path=str(tmp_path / "gaps-attempt-375.png"), full_page=True)

    page.reload()
    page.wait_for_selector("[data-exam-paper]")
    assert page.locator("#q1 select").nth(1).input_value() == _value(items[1], 1)

    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    attempt.refresh_from_db()
    assert attempt.score == 2 + 1  # two points each; the second question has one gap of two right
    assert "正确答案：没收" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    page.screenshot(path=str(tmp_path / "gaps-result-375.png"), full_page=True)
