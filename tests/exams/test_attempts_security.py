"""No answer key reaches a learner before their attempt is final; nobody reads or writes another's attempt."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import AttemptAnswer, Exam, ExamAttempt, QuestionType
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db

FILL_KEY = "标准答案甲乙丙"
SHORT_KEY = "参考要点丁戊己"
KEY_MARKERS = ("correct", "fraction", f.SECRET_EXPLANATION, FILL_KEY, SHORT_KEY, "accepted_answers")


def _paper():
    return [
        f.question(QuestionType.SINGLE, correct=("C",)),
        f.question(QuestionType.MULTIPLE, correct=("A", "D")),
        f.question(QuestionType.TRUEFALSE, correct=("F",)),
        f.question(QuestionType.FILL, accepted=(FILL_KEY,)),
        f.question(QuestionType.SHORT, accepted=(SHORT_KEY,)),
    ]


def _assert_no_key(body: str, where: str) -> None:
    lowered = body.lower()
    for marker in KEY_MARKERS:
        assert marker.lower() not in lowered, f"{where} reveals {marker!r}"


def _learner_bodies(client, exam, attempt) -> dict[str, str]:
    """Every learner endpoint's response body for this exam/attempt (GETs and the JSON POSTs)."""
    bodies = {
        "home": client.get("/").content.decode(),
        "my_exams": client.get(reverse("exams:my_exams")).content.decode(),
        "exam_detail": client.get(reverse("exams:exam_detail", args=[exam.pk])).content.decode(),
        "attempt": client.get(reverse("exams:attempt", args=[attempt.pk]), follow=True).content.decode(),
        "state": client.get(reverse("exams:state", args=[attempt.pk])).content.decode(),
        "result": client.get(reverse("exams:result", args=[attempt.pk]), follow=True).content.decode(),
    }
    save = client.post(
        reverse("exams:save", args=[attempt.pk]),
        data=json.dumps({"answers": [{"item": 1, "seq": 2**40, "response": 0}]}),
        content_type="application/json",
    )
    bodies["save"] = save.content.decode()
    return bodies


def test_open_attempt_never_shows_the_key_in_html_json_or_attributes(learner, client_for):
    exam = f.exam(_paper(), shuffle_options=True, shuffle_questions=True, review_policy=Exam.ReviewPolicy.FULL)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    client = client_for(learner)
    for where, body in _learner_bodies(client, exam, attempt).items():
        _assert_no_key(body, where)

    html = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    # Options appear in the frozen order, valued by display position, never by their key.
    for item in attempt.items.exclude(qtype__in=["fill", "short"]):
        texts = re.findall(rf'name="q{item.position}" value="(\d+)"', html)
        assert texts == [str(i) for i in range(len(item.option_order))]
        shown = re.findall(r"选项([A-Z])的内容", html.split(f'id="q{item.position}"')[1].split("</section>")[0])
        assert shown == item.option_order


def test_submitted_attempt_awaiting_a_grader_shows_no_key(learner, client_for):
    exam = f.exam(_paper(), review_policy=Exam.ReviewPolicy.FULL, review_from=timezone.now() - timedelta(days=1))
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 5, "seq": 1, "response": "我的回答"}])
    assert submit_attempt(attempt_id=attempt.pk, user=learner).status == ExamAttempt.Status.SUBMITTED
    client = client_for(learner)
    for where, body in _learner_bodies(client, exam, attempt).items():
        _assert_no_key(body, where)
    submit = client.post(reverse("exams:submit", args=[attempt.pk]), data="{}", content_type="application/json")
    _assert_no_key(submit.content.decode(), "submit")


def test_key_waits_for_review_time_and_for_no_attempt_in_progress(learner, client_for):
    paper = _paper()[:4]
    exam = f.exam(paper, attempts_allowed=2, pass_percent=100, review_policy=Exam.ReviewPolicy.FULL)
    first = start_attempt(exam_id=exam.pk, user=learner)
    submit_attempt(attempt_id=first.pk, user=learner)  # graded, failed
    client = client_for(learner)
    url = reverse("exams:result", args=[first.pk])

    body = client.get(url).content.decode()  # review_from blank: after the exam closes
    _assert_no_key(body, "result before the exam closes")
    assert "答卷详情将于" in body

    Exam.objects.filter(pk=exam.pk).update(review_from=timezone.now() - timedelta(minutes=1))
    body = client.get(url).content.decode()
    assert f.SECRET_EXPLANATION in body and FILL_KEY in body  # the review is shown now

    start_attempt(exam_id=exam.pk, user=learner)  # a second attempt in progress
    _assert_no_key(client.get(url).content.decode(), "result while another attempt is in progress")


def test_score_only_policy_never_shows_answers(learner, client_for):
    exam = f.exam(_paper()[:4], review_policy=Exam.ReviewPolicy.SCORE, review_from=timezone.now() - timedelta(days=1))
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    submit_attempt(attempt_id=attempt.pk, user=learner)
    body = client_for(learner).get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert 'data-testid="score"' in body
    _assert_no_key(body, "score-only result")
    assert "选项" not in body


@pytest.mark.parametrize("endpoint", ["attempt", "state", "result", "save", "submit"])
def test_another_learners_attempt_is_not_found_on_every_endpoint(learner, client_for, org_tree, endpoint):
    exam = f.exam(_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 4, "seq": 5, "response": "甲的作答"}])
    intruder = UserFactory(org_unit=org_tree["shache_dept"])
    client = client_for(intruder)
    url = reverse(f"exams:{endpoint}", args=[attempt.pk])
    if endpoint == "save":
        response = client.post(
            url,
            data=json.dumps({"answers": [{"item": 4, "seq": 99, "response": "theirs"}]}),
            content_type="application/json",
        )
    elif endpoint == "submit":
        response = client.post(url)
    else:
        response = client.get(url)
    assert response.status_code == 404
    assert "甲的作答" not in response.content.decode()
    stored = AttemptAnswer.objects.get(item__attempt=attempt, item__position=4)
    assert (stored.response, stored.seq) == ("甲的作答", 5)
    assert ExamAttempt.objects.get(pk=attempt.pk).status == ExamAttempt.Status.IN_PROGRESS


def test_hr_cannot_open_a_learners_attempt_either(learner, hr_shache, client_for):
    attempt = start_attempt(exam_id=f.exam(_paper()).pk, user=learner)
    client = client_for(hr_shache)
    assert client.get(reverse("exams:attempt", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("exams:state", args=[attempt.pk])).status_code == 404


def test_signed_out_save_gets_json_401(learner, client):
    attempt = start_attempt(exam_id=f.exam(_paper()).pk, user=learner)
    response = client.post(
        reverse("exams:save", args=[attempt.pk]),
        data=json.dumps({"answers": [{"item": 1, "seq": 1, "response": 0}]}),
        content_type="application/json",
    )
    assert response.status_code == 401 and "登录已失效" in response.json()["error"]


def test_exam_outside_audience_is_not_found(org_tree, client_for):
    exam = f.exam(_paper())
    exam.audience_units.add(org_tree["shufu"])
    outsider = UserFactory(org_unit=org_tree["shache_dept"])
    assert client_for(outsider).get(reverse("exams:exam_detail", args=[exam.pk])).status_code == 404
