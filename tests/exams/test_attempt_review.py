"""The exam page's answer card and flags, the review of a final attempt per the exam's policy, and the way on
after a fail (还剩 N 次 · 再考, else the make-up, else nothing)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import AttemptAnswer, Exam, ExamAttempt, QuestionType
from exams.services.attempts import AttemptError, save_answers, start_attempt, submit_attempt

from . import factories_exams as f

pytestmark = pytest.mark.django_db


def _post_json(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _flag(attempt, position):
    return AttemptAnswer.objects.get(item__attempt=attempt, item__position=position).flagged


# --- flags ------------------------------------------------------------------------------------


def test_a_flag_is_saved_with_the_answer_and_survives_a_reload(learner, client_for):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    client = client_for(learner)
    saved = _post_json(
        client,
        reverse("exams:save", args=[attempt.pk]),
        {"answers": [{"item": 2, "seq": 10, "response": None, "flagged": True}]},
    )
    assert saved.status_code == 200 and saved.json()["saved"][0]["accepted"]
    assert _flag(attempt, 2) is True
    html = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert html.count('data-flag aria-pressed="true"') == 1
    assert 'class="card-cell flagged" data-card-item="2"' in html
    state = client.get(reverse("exams:state", args=[attempt.pk])).json()
    assert state["answers"]["2"]["flagged"] is True and state["answers"]["1"]["flagged"] is False


def test_an_older_save_changes_neither_the_answer_nor_the_flag(learner):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 20, "response": 1, "flagged": True}])
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 19, "response": 0, "flagged": False}])
    answer = AttemptAnswer.objects.get(item__attempt=attempt, item__position=1)
    assert (answer.flagged, answer.seq, answer.response) == (True, 20, "B")


def test_a_save_without_a_flag_keeps_the_stored_flag(learner):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 20, "response": 1, "flagged": True}])
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 21, "response": 2}])
    assert _flag(attempt, 1) is True


def test_a_malformed_flag_is_refused_with_its_reason_and_the_rest_saved(learner):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    outcome = save_answers(
        attempt_id=attempt.pk,
        user=learner,
        answers=[{"item": 1, "seq": 5, "response": 1, "flagged": "yes"}, {"item": 2, "seq": 5, "response": [0]}],
    )
    by_item = {r.position: r for r in outcome.results}
    assert by_item[1].error == "第 1 题的标记无效，请刷新页面。" and not by_item[1].accepted
    assert by_item[2].accepted and not _flag(attempt, 1)


def test_the_answer_card_counts_answered_unanswered_and_flagged(learner, client_for):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(
        attempt_id=attempt.pk,
        user=learner,
        answers=[
            {"item": 1, "seq": 5, "response": 1},
            {"item": 4, "seq": 5, "response": "行政", "flagged": True},
            {"item": 3, "seq": 5, "response": None, "flagged": True},
        ],
    )
    html = client_for(learner).get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert "<strong data-count-answered>2</strong>" in html
    assert "<strong data-count-unanswered>2</strong>" in html
    assert "<strong data-count-flagged>2</strong>" in html
    assert "<span data-card-count>2/4</span>" in html
    for position in range(1, 5):
        assert f'href="#q{position}"' in html and f'id="q{position}"' in html


# --- review per policy ------------------------------------------------------------------------


def _failed_attempt(learner, policy, **exam_fields):
    exam = f.exam(
        f.mixed_paper(),
        review_policy=policy,
        review_from=timezone.now() - timedelta(minutes=1),
        **exam_fields,
    )
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    # 1: right (B is index 1); 2: wrong (A only of A+C); 3: unanswered; 4: wrong text.
    save_answers(
        attempt_id=attempt.pk,
        user=learner,
        answers=[
            {"item": 1, "seq": 1, "response": 1},
            {"item": 2, "seq": 1, "response": [0]},
            {"item": 4, "seq": 1, "response": "行政许可"},
        ],
    )
    return submit_attempt(attempt_id=attempt.pk, user=learner)


def _result(client, attempt) -> str:
    return client.get(reverse("exams:result", args=[attempt.pk])).content.decode()


def test_score_policy_shows_the_score_only(learner, client_for):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.SCORE)
    html = _result(client_for(learner), attempt)
    assert 'data-testid="score">1<' in html and "未通过" in html
    assert "data-outcome" not in html and "wrong-summary" not in html
    assert "选项A的内容" not in html and "正确答案" not in html and f.SECRET_EXPLANATION not in html


def test_responses_policy_marks_the_wrong_answers_without_the_key(learner, client_for):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.RESPONSES)
    html = _result(client_for(learner), attempt)
    assert 'data-outcome="right"' in html
    assert html.count('data-outcome="wrong"') == 3
    assert 'data-testid="wrong-summary"' in html and 'href="#r2"' in html and 'href="#r1"' not in html
    assert "您的选择" in html and "行政许可" in html
    # No key: no correct option, no accepted answer, no explanation.
    assert "正确答案" not in html and "参考答案" not in html and f.SECRET_EXPLANATION not in html
    assert "badge-ok" not in html and 'class="option correct' not in html


def test_full_policy_also_shows_the_right_answer_and_explanation(learner, client_for):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.FULL)
    html = _result(client_for(learner), attempt)
    assert html.count('data-outcome="wrong"') == 3
    assert "正确答案" in html and "参考答案" in html and f.SECRET_EXPLANATION in html


def test_a_partly_right_answer_is_marked_partial(learner, client_for):
    exam = f.exam(
        [f.question(QuestionType.MULTIPLE, correct=("A", "C"), points="2", fractions={"A": "0.5", "C": "0.5"})],
        partial_credit=True,
        review_policy=Exam.ReviewPolicy.RESPONSES,
        review_from=timezone.now() - timedelta(minutes=1),
    )
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": [0]}])
    submit_attempt(attempt_id=attempt.pk, user=learner)
    assert 'data-outcome="partial"' in _result(client_for(learner), attempt)


def test_review_queries_are_few_whatever_the_paper(learner, client_for, django_assert_max_num_queries):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.FULL, attempts_allowed=2)
    client = client_for(learner)
    client.get(reverse("exams:result", args=[attempt.pk]))  # session and site warmed up
    with django_assert_max_num_queries(12):
        page = client.get(reverse("exams:result", args=[attempt.pk]))
    assert page.status_code == 200


# --- the way on after a fail ---------------------------------------------------------------


def test_attempts_left_in_an_open_window_offer_a_retake(learner, client_for):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.RESPONSES, attempts_allowed=2)
    client = client_for(learner)
    html = _result(client, attempt)
    assert 'data-testid="retake-button"' in html and "还剩 1 次 · 再考" in html
    assert f'action="{reverse("exams:start", args=[attempt.exam_id])}"' in html
    detail = client.get(reverse("exams:exam_detail", args=[attempt.exam_id])).content.decode()
    assert "还剩 1 次 · 再考" in detail
    mine = client.get(reverse("exams:my_exams")).content.decode()
    assert "还剩 1 次 · 再考" in mine
    client.post(reverse("exams:start", args=[attempt.exam_id]))
    assert ExamAttempt.objects.filter(exam=attempt.exam, user=learner).count() == 2


def test_no_attempts_left_offers_the_open_makeup_the_learner_may_sit(learner, client_for):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.SCORE)
    makeup = f.exam(f.mixed_paper(), title="补考：法律知识考试", makeup_for=attempt.exam)
    client = client_for(learner)
    for url in (
        reverse("exams:result", args=[attempt.pk]),
        reverse("exams:exam_detail", args=[attempt.exam_id]),
        reverse("exams:my_exams"),
    ):
        html = client.get(url).content.decode()
        assert "参加补考：补考：法律知识考试" in html, url
        assert f'href="{reverse("exams:exam_detail", args=[makeup.pk])}"' in html
        assert "再考" not in html


def test_no_way_on_when_the_makeup_is_closed_or_for_others(learner, client_for, org_tree):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.SCORE)
    now = timezone.now()
    f.exam(
        title="已结束的补考",
        makeup_for=attempt.exam,
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
    )
    other = f.exam(title="别县的补考", makeup_for=attempt.exam)
    other.audience_units.add(org_tree["shufu"])
    html = _result(client_for(learner), attempt)
    assert 'data-testid="retake"' not in html and "再考" not in html and "补考" not in html


def test_a_pass_offers_no_retake(learner, client_for):
    exam = f.exam([f.question(QuestionType.SINGLE, correct=("B",))], attempts_allowed=3)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": 1}])
    submit_attempt(attempt_id=attempt.pk, user=learner)
    assert 'data-testid="retake"' not in _result(client_for(learner), attempt)


def test_the_attempts_table_labels_every_cell_for_phones(learner, client_for):
    attempt = _failed_attempt(learner, Exam.ReviewPolicy.SCORE, attempts_allowed=2)
    html = client_for(learner).get(reverse("exams:exam_detail", args=[attempt.exam_id])).content.decode()
    assert 'class="stack-table"' in html
    for label in ("次数", "开始时间", "状态", "得分", "查看"):
        assert f'data-label="{label}"' in html


def test_a_taken_over_page_cannot_hand_in(learner):
    exam = f.exam(f.mixed_paper(), single_device=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    ExamAttempt.objects.filter(pk=attempt.pk).update(device_token="b" * 32)
    with pytest.raises(AttemptError) as refused:
        submit_attempt(attempt_id=attempt.pk, user=learner, device="a" * 32)
    assert refused.value.status == 409 and "另一台设备" in refused.value.message
    attempt.refresh_from_db()
    assert attempt.status == ExamAttempt.Status.IN_PROGRESS
