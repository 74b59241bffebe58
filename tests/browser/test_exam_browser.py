"""A learner takes a short exam on a phone: answers survive a reload and a lost connection, the
result shows after submitting, and the exam's hours appear in 我的学时."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import Exam, ExamAttempt, QuestionType
from tests.browser.conftest import PHONE
from tests.exams import factories_exams as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _index(attempt, position, key):
    return attempt.items.get(position=position).option_order.index(key)


def test_learner_takes_exam_on_a_phone_and_hours_appear(page_at, login_as, live_server, learner):
    exam = f.exam(
        [
            f.question(QuestionType.SINGLE, correct=("B",), stem="<p>行政处罚的设定权属于？</p>"),
            f.question(QuestionType.MULTIPLE, correct=("A", "C"), stem="<p>下列哪些属于行政处罚？</p>"),
            f.question(QuestionType.FILL, accepted=("公正",), stem="<p>行政处罚遵循____、公开的原则。</p>"),
        ],
        title="《行政处罚法》随堂测验",
        shuffle_options=True,
        credit_hours=Decimal("2"),
        review_policy=Exam.ReviewPolicy.FULL,
        review_from=timezone.now() - timedelta(minutes=1),
    )
    page = login_as(page_at(*PHONE), learner)
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{live_server.url}/exams/")
    page.get_by_role("link", name="《行政处罚法》随堂测验").click()
    page.get_by_test_id("start-exam").click()
    page.wait_for_selector("[data-exam-paper]")
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    page.locator("[data-countdown]").filter(has_text=":").wait_for()
    assert page.locator("[data-countdown]").inner_text().startswith(("29:", "30:"))

    page.locator(f"input[name=q1][value='{_index(attempt, 1, 'B')}']").check()
    page.locator(f"input[name=q2][value='{_index(attempt, 2, 'A')}']").check()
    page.locator(f"input[name=q2][value='{_index(attempt, 2, 'C')}']").check()
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()
    page.locator("#q2 [data-save-state]").filter(has_text="已保存").wait_for()

    page.reload()
    page.wait_for_selector("[data-exam-paper]")
    assert page.locator(f"input[name=q1][value='{_index(attempt, 1, 'B')}']").is_checked()
    assert page.locator(f"input[name=q2][value='{_index(attempt, 2, 'C')}']").is_checked()
    page.locator("[data-save-summary]").filter(has_text="已保存 2 / 3 题").wait_for()

    page.context.set_offline(True)
    page.fill("#a3", "公正")
    page.locator("#q3 [data-save-state]").filter(has_text="待发送").wait_for()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#q3 [data-save-state]").filter(has_text="已保存").wait_for()

    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    assert page.get_by_test_id("score").inner_text() == "3"
    assert page.get_by_test_id("verdict").inner_text() == "通过"
    assert "正确答案" in page.content()  # review with the key, now that the attempt is final

    page.goto(f"{live_server.url}/learning/hours/")
    row = page.get_by_test_id("ledger-table").locator("tr", has_text="《行政处罚法》随堂测验")
    assert row.locator("td.num").inner_text().strip() in {"2", "2.0", "2.00"}
    assert "考试" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


def test_page_says_time_is_up_and_the_attempt_is_handed_in(page_at, login_as, live_server, learner):
    exam = f.exam(
        [f.question(QuestionType.SINGLE, correct=("B",))],
        title="限时测验",
        closes_at=timezone.now() + timedelta(seconds=6),
    )
    page = login_as(page_at(*PHONE), learner)
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.get_by_test_id("start-exam").click()
    page.locator("[data-countdown]").filter(has_text=":").wait_for()  # the page script is running
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    page.locator(f"input[name=q1][value='{_index(attempt, 1, 'B')}']").check()
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()

    alert = page.locator("[data-exam-alert]")
    alert.filter(has_text="考试时间已到").wait_for(timeout=15000)
    assert page.locator("input[name=q1]").first.is_disabled()
    for _ in range(20):  # the page hands in; the server closes the attempt with the saved answer
        attempt.refresh_from_db()
        if attempt.status != ExamAttempt.Status.IN_PROGRESS:
            break
        page.wait_for_timeout(250)
    assert attempt.status == ExamAttempt.Status.GRADED and attempt.score == 1
    page.get_by_role("link", name="查看成绩").click()
    assert page.get_by_test_id("verdict").inner_text() == "通过"
