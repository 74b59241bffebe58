"""A learner studies on a phone: five practice questions with their explanations, a wrong answer in the
错题本 that leaves it when redone right, and a mock exam graded on submission."""

from __future__ import annotations

import pytest

from exams.models import Mistake, MockPaper, PracticeRecord
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.english_scan import english_words, visible_latin_text
from tests.exams import factories_exams as f
from tests.exams.practice_helpers import law_with_articles, open_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _look(page, name: str) -> None:
    """No English on the Chinese page, nothing wider than the screen."""
    assert not english_words(" ".join(visible_latin_text(page)), ignore=("XYZ",)), visible_latin_text(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"


def test_practise_five_questions_and_clear_a_mistake_on_a_phone(page_at, login_as, live_server, learner):
    articles = law_with_articles()
    questions = open_bank(5, articles=articles)
    page = login_as(page_at(*PHONE), learner)

    page.goto(f"{live_server.url}/exams/")
    page.get_by_role("navigation", name="学习与考试").get_by_role("link", name="练习").click()
    page.get_by_test_id("practice-law").get_by_role("link", name="顺序练习").click()
    _look(page, "practice-question")
    for number in range(1, 6):
        assert f"第 {number} / 5 题" in page.get_by_test_id("practice-question").inner_text()
        page.locator("label.option").nth(0 if number == 2 else 1).click()  # B is right; the second one wrong
        page.get_by_test_id("practice-submit").click()
        feedback = page.get_by_test_id("practice-feedback")
        assert feedback.get_by_test_id("verdict").inner_text().startswith("回答错误" if number == 2 else "回答正确")
        assert f.SECRET_EXPLANATION in feedback.inner_text()
        assert feedback.get_by_test_id("law-article").count() == 1
        if number == 2:
            _look(page, "practice-feedback")
        page.get_by_test_id("next-question").click()
    page.get_by_test_id("practice-done").wait_for()
    assert PracticeRecord.objects.filter(user=learner).count() == 5

    page.goto(f"{live_server.url}/exams/practice/")
    assert "已练 5 / 5 题 · 答对 4 题" in page.get_by_test_id("practice-law").inner_text()
    _look(page, "practice")

    page.get_by_role("navigation", name="学习与考试").get_by_role("link", name="错题本").click()
    entry = page.get_by_test_id("mistake")
    assert entry.count() == 1 and "答错 1 次" in entry.inner_text()
    _look(page, "mistakes")
    entry.get_by_role("link", name="重做").click()
    page.locator("label.option").nth(1).click()
    page.get_by_test_id("practice-submit").click()
    page.get_by_test_id("left-book").wait_for()
    page.get_by_test_id("back-to-book").click()
    page.get_by_test_id("mistakes-empty").wait_for()
    assert "已订正 1 题" in page.content()
    assert Mistake.objects.get(user=learner, question=questions[1]).resolved_at is not None


def test_a_mock_exam_is_graded_at_once_on_a_phone(page_at, login_as, live_server, learner):
    exam = f.exam(
        [f.question(stem="<p>行政处罚由谁设定？</p>"), f.question(stem="<p>听证应当在几日内提出？</p>")],
        title="《行政处罚法》年度考试",
        has_mock=True,
        shuffle_options=False,
    )
    for width, height in (PHONE, DESKTOP):
        page = login_as(page_at(width, height), learner)
        page.goto(f"{live_server.url}/exams/{exam.pk}/")
        page.get_by_test_id("start-mock").click()
        assert page.get_by_test_id("mock-question").count() == 2
        _look(page, "mock-paper")
        page.locator("#q1 label.option").nth(1).click()  # right
        page.locator("#q2 label.option").nth(0).click()  # wrong
        page.get_by_test_id("mock-submit").click()
        assert page.get_by_test_id("mock-score").inner_text() == "1"
        assert "正确答案" in page.content() and f.SECRET_EXPLANATION in page.content()
        _look(page, "mock-result")
    assert MockPaper.objects.filter(user=learner, submitted_at__isnull=False).count() == 2
    assert not exam.attempts.exists()
