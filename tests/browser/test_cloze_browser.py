"""A 完形填空题 on a phone: numbered blanks in the stem, a menu, radios and typed boxes under it; answers
survive a reload and are graded blank by blank."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from exams.models import Exam, ExamAttempt
from exams.services.questions import save_question
from tests.browser.conftest import PHONE
from tests.exams import factories_exams as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _cloze():
    return save_question(
        category=f.category(),
        qtype="cloze",
        stem=(
            "<p>违法行为轻微并及时改正，没有造成危害后果的，{#1}行政处罚。当事人有证据足以证明没有主观过错的，"
            "{#2}行政处罚。对当事人处以{#3}元以上罚款的，应当告知其有权要求听证；行政处罚由违法行为发生地的"
            "{#4}以上地方人民政府具有行政处罚权的行政部门管辖。</p>"
        ),
        options=[
            {"code": "{1:SHORTANSWER:=不予}"},
            {"code": "{1:MULTICHOICE:=不予~可以不予~从轻}"},
            {"code": "{2:NUMERICAL:=10000:0}"},
            {"code": "{1:MULTICHOICE_V:=县级~乡级~设区的市级}"},
        ],
        points=Decimal("5"),
        name="行政处罚法完形填空",
    )


def test_a_cloze_question_on_a_phone(page_at, login_as, live_server, learner):
    question = _cloze()
    exam = f.exam(
        [question],
        title="完形填空测验",
        partial_credit=True,
        review_policy=Exam.ReviewPolicy.FULL,
        review_from=timezone.now() - timedelta(minutes=1),
    )
    page = login_as(page_at(*PHONE), learner)
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.get_by_test_id("start-exam").click()
    page.wait_for_selector("[data-exam-paper]")
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)

    gaps = page.locator(".question-stem .gap")
    assert gaps.all_inner_texts() == ["（1）", "（2）", "（3）", "（4）"]
    assert page.locator(".parts .part-label").all_inner_texts() == ["（1）", "（2）", "（3）", "（4）"]
    assert "10000" not in page.content() and "NUMERICAL" not in page.content()

    page.fill("#a1-0", "不 予")
    page.select_option("#a1-1", label="不予")
    page.fill("#a1-2", "１００００")
    page.get_by_label("县级", exact=True).check()
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cloze-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    page.reload()
    page.wait_for_selector("[data-exam-paper]")
    assert page.input_value("#a1-0") == "不 予" and page.input_value("#a1-2") == "１００００"
    assert page.get_by_label("县级", exact=True).is_checked()

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    assert ExamAttempt.objects.get(pk=attempt.pk).score == Decimal("5.00")
    assert page.locator(".review-parts .part.correct").count() == 4
    assert "（1）" in page.locator(".question-stem .gap").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "cloze-375-result.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
