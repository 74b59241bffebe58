"""Practice, 错题本 and mock pages: what a learner sees, whose rows they see, and what each page costs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import Exam, Mistake, MockPaper, PracticeRecord
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from exams.services.mistakes import record_misses
from tests.factories import UserFactory

from . import factories_exams as f
from .practice_helpers import law_with_articles, open_bank

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _queries(client, method, url, data=None):
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, response.status_code
    return response


def test_the_practice_page_lists_only_open_categories_with_progress(learner, client_for):
    articles = law_with_articles()
    open_bank(3, articles=articles, name="行政处罚法")
    open_bank(2, name="内部题库", open_=False)
    client = client_for(learner)

    page = client.get(reverse("exams:practice")).content.decode()

    assert "行政处罚法" in page and "已练 0 / 3 题" in page
    assert "内部题库" not in page
    assert "按章练习" in page and "章1" in page


def test_a_practice_round_shows_the_answer_explanation_and_the_cited_article(learner, client_for):
    articles = law_with_articles()
    (question,) = open_bank(1, articles=articles)
    client = client_for(learner)

    page = client.get(reverse("exams:practice_question"), {"law": articles[0].version.law_id}).content.decode()
    assert "选项B的内容" in page and f.SECRET_EXPLANATION not in page and "correct" not in page
    response = client.post(
        reverse("exams:practice_answer"),
        {"question": question.pk, "version": question.current_version_id, "q1": "0", "law": articles[0].version.law_id},
    )
    page = response.content.decode()
    assert "回答错误" in page and "正确答案" in page and f.SECRET_EXPLANATION in page
    assert articles[0].get_absolute_url() in page
    assert f"after={question.pk}" in page


def test_the_page_script_gets_the_checked_answer_as_json(learner, client_for):
    articles = law_with_articles()
    (question,) = open_bank(1, articles=articles)
    client = client_for(learner)
    url = reverse("exams:practice_answer")

    response = client.post(
        url,
        {"question": question.pk, "version": question.current_version_id, "q1": "1"},
        HTTP_ACCEPT="application/json",
    )
    data = response.json()
    assert data["ok"] and data["correct"] is True
    assert "回答正确" in data["html"] and f.SECRET_EXPLANATION in data["html"] and "下一题" in data["html"]
    refused = client.post(
        url, {"question": question.pk, "version": question.current_version_id}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and refused.json()["error"] == "请先作答再提交。"


def test_an_empty_answer_is_refused_with_a_message_and_nothing_recorded(learner, client_for):
    (question,) = open_bank(1)
    client = client_for(learner)
    response = client.post(
        reverse("exams:practice_answer"), {"question": question.pk, "version": question.current_version_id}, follow=True
    )
    assert "请先作答再提交。" in response.content.decode()
    assert not PracticeRecord.objects.exists()


def test_a_question_closed_to_practice_cannot_be_answered_by_forging_the_form(learner, client_for):
    (question,) = open_bank(1, open_=False)
    client = client_for(learner)
    response = client.post(
        reverse("exams:practice_answer"), {"question": question.pk, "version": question.current_version_id, "q1": "1"}
    )
    assert response.status_code == 404
    assert not PracticeRecord.objects.exists()


def test_the_book_shows_only_the_learners_own_mistakes(learner, client_for):
    mine, theirs = open_bank(2)
    other = UserFactory()
    now = timezone.now()
    record_misses(user_id=learner.pk, question_ids=[mine.pk], source=Mistake.Source.PRACTICE, now=now)
    record_misses(user_id=other.pk, question_ids=[theirs.pk], source=Mistake.Source.PRACTICE, now=now)
    client = client_for(learner)

    page = client.get(reverse("exams:mistakes")).content.decode()

    assert reverse("exams:mistake_redo", args=[mine.pk]) in page
    assert reverse("exams:mistake_redo", args=[theirs.pk]) not in page
    redo = client.get(reverse("exams:mistake_redo", args=[theirs.pk]))
    assert redo.status_code == 302 and redo.url == reverse("exams:mistakes")


def test_redoing_an_exam_mistake_under_responses_policy_never_shows_the_key(learner, client_for):
    question = f.question(cat=f.category("闭卷题库"))
    exam = f.exam([question], review_policy=Exam.ReviewPolicy.RESPONSES, review_from=timezone.now())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": 0}])
    submit_attempt(attempt_id=attempt.pk, user=learner)
    client = client_for(learner)

    assert "考试" in client.get(reverse("exams:mistakes")).content.decode()
    redo = client.get(reverse("exams:mistake_redo", args=[question.pk])).content.decode()
    assert "选项B的内容" in redo and f.SECRET_EXPLANATION not in redo
    page = client.post(
        reverse("exams:practice_answer"),
        {"question": question.pk, "version": question.current_version_id, "q1": "2", "from": "mistakes"},
    ).content.decode()
    assert "回答错误" in page and "不显示正确答案和解析" in page
    assert "正确答案</span>" not in page and f.SECRET_EXPLANATION not in page


def test_the_mock_button_and_a_mock_graded_on_submission(learner, client_for):
    question = f.question()
    exam = f.exam([question], has_mock=True)
    client = client_for(learner)

    assert "开始模拟考试" in client.get(reverse("exams:exam_detail", args=[exam.pk])).content.decode()
    response = client.post(reverse("exams:mock_start", args=[exam.pk]))
    paper = MockPaper.objects.get(user=learner)
    assert response.url == reverse("exams:mock_paper", args=[paper.pk])
    page = client.get(response.url).content.decode()
    assert f.SECRET_EXPLANATION not in page and "交卷并查看答案" in page
    page = client.post(reverse("exams:mock_submit", args=[paper.pk]), {"q1": "1"}, follow=True).content.decode()
    assert "客观题得分" in page and f.SECRET_EXPLANATION in page
    other = client_for(UserFactory())
    assert other.get(reverse("exams:mock_paper", args=[paper.pk])).status_code == 404


def test_no_mock_button_without_the_flag(learner, client_for):
    exam = f.exam([f.question()])
    client = client_for(learner)
    assert "开始模拟考试" not in client.get(reverse("exams:exam_detail", args=[exam.pk])).content.decode()
    assert client.post(reverse("exams:mock_start", args=[exam.pk])).status_code == 404


# --- what each page costs, at two sizes ---------------------------------------------


def _fill(user, size: int):
    """A bank of ``size`` questions over two laws and categories, half practised, a third in the book."""
    pairs = zip(law_with_articles("行政处罚法", "xzcf"), law_with_articles("行政许可法", "xzxk"), strict=True)
    articles = [article for pair in pairs for article in pair]
    questions = open_bank(size, articles=articles, name="法律知识")
    questions += open_bank(size, articles=articles, name="执法实务")
    for q in questions[::3]:
        q.tags.add("高频", "易错")
    now = timezone.now() - timedelta(minutes=1)
    for q in questions[::2]:
        PracticeRecord.objects.create(user=user, question=q, answered_count=1, last_answered_at=now)
    record_misses(user_id=user.pk, question_ids=[q.pk for q in questions[::3]], source="practice", now=now)
    return questions, articles


JSON_ANSWER_QUERIES = 9


@pytest.mark.parametrize("size", [3, 30])
def test_page_costs_do_not_grow_with_the_bank_or_the_book(size, learner, client_for, django_assert_max_num_queries):
    """The same pins at both sizes (each includes the page chrome: session, user, roles, navigation)."""
    questions, articles = _fill(learner, size)
    client = client_for(learner)
    client.get(reverse("exams:practice"))  # the session's first request loads what every page shares
    law = articles[0].version.law_id
    with django_assert_max_num_queries(12):
        page = _queries(client, "get", reverse("exams:practice"))
    assert page.content.decode().count('data-testid="practice-law"') == 2
    with django_assert_max_num_queries(9):
        _queries(client, "get", reverse("exams:practice_question"), {"law": law})
    target = questions[1]
    with django_assert_max_num_queries(16):
        _queries(
            client,
            "post",
            reverse("exams:practice_answer"),
            {"question": target.pk, "version": target.current_version_id, "q1": "0", "law": law},
        )
    with django_assert_max_num_queries(JSON_ANSWER_QUERIES):
        response = client.post(
            reverse("exams:practice_answer"),
            {"question": target.pk, "version": target.current_version_id, "q1": "1", "law": law},
            HTTP_ACCEPT="application/json",
        )
    assert response.json()["correct"] is True
    with django_assert_max_num_queries(11):
        page = _queries(client, "get", reverse("exams:mistakes"))
    assert page.content.decode().count('data-testid="mistake"') >= len(questions[::3])
