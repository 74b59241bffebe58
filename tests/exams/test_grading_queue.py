"""Short answers go to a queue only the exam's graders see; the result is final when all are graded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from exams.models import AttemptAnswer, ExamAttempt, QuestionType
from exams.services.attempts import AttemptError, grade_answer, save_answers, start_attempt, submit_attempt
from learning.models import LedgerEntry
from tests.conftest import enable_totp
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db


def _trainer(org_tree, name):
    user = UserFactory(full_name=name, org_unit=org_tree["pref"], roles=[Role.TRAINER])
    enable_totp(user)
    return user


@pytest.fixture
def graded_setup(org_tree, learner):
    grader = _trainer(org_tree, "阅卷老师")
    single = f.question(QuestionType.SINGLE, correct=("B",))
    short = f.question(QuestionType.SHORT, points="4", accepted=("告知陈述申辩权利",))
    exam = f.exam([single, short], credit_hours=Decimal("2"))
    exam.graders.add(grader)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    order = attempt.items.get(position=1).option_order
    save_answers(
        attempt_id=attempt.pk,
        user=learner,
        answers=[
            {"item": 1, "seq": 1, "response": order.index("B")},
            {"item": 2, "seq": 1, "response": "行政机关应当告知当事人陈述申辩的权利"},
        ],
    )
    submit_attempt(attempt_id=attempt.pk, user=learner)
    item = attempt.items.get(position=2)
    return {"grader": grader, "exam": exam, "attempt": attempt, "item": item}


def test_queue_shows_pending_short_answers_to_the_exams_graders_only(graded_setup, org_tree, client_for, learner):
    body = client_for(graded_setup["grader"]).get(reverse("exams:grading_queue")).content.decode()
    assert "行政机关应当告知当事人陈述申辩的权利" in body
    assert learner.full_name not in body  # blind marking

    other_grader = _trainer(org_tree, "别的阅卷人")
    other_exam = f.exam([f.question(QuestionType.SHORT)], title="另一场考试")
    other_exam.graders.add(other_grader)
    body = client_for(other_grader).get(reverse("exams:grading_queue")).content.decode()
    assert "行政机关应当告知当事人陈述申辩的权利" not in body

    plain_trainer = _trainer(org_tree, "不阅卷的培训员")
    assert client_for(plain_trainer).get(reverse("exams:grading_queue")).status_code == 403


def test_non_grader_cannot_grade(graded_setup, org_tree, client_for):
    outsider = _trainer(org_tree, "无关人员")
    response = client_for(outsider).post(reverse("exams:grade", args=[graded_setup["item"].pk]), {"score": "4"})
    assert response.status_code == 404
    assert AttemptAnswer.objects.get(item=graded_setup["item"]).score is None
    with pytest.raises(AttemptError):
        grade_answer(item_id=graded_setup["item"].pk, grader=outsider, score="4")


def test_grading_the_last_answer_makes_the_result_final_and_credits_once(graded_setup, client_for, learner):
    attempt = ExamAttempt.objects.get(pk=graded_setup["attempt"].pk)
    assert attempt.status == ExamAttempt.Status.SUBMITTED
    result_page = client_for(learner).get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "正在阅卷" in result_page

    client = client_for(graded_setup["grader"])
    response = client.post(
        reverse("exams:grade", args=[graded_setup["item"].pk]), {"score": "3.5", "feedback": "要点基本齐全"}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.passed) == (ExamAttempt.Status.GRADED, Decimal("4.5"), True)
    answer = AttemptAnswer.objects.get(item=graded_setup["item"])
    assert (answer.graded_by, answer.feedback) == (graded_setup["grader"], "要点基本齐全")
    assert LedgerEntry.objects.filter(source_key=f"exam:{graded_setup['exam'].pk}:{learner.pk}").count() == 1

    again = client.post(reverse("exams:grade", args=[graded_setup["item"].pk]), {"score": "0"}, follow=True)
    assert "已经评分完成" in again.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == Decimal("4.5")
    assert LedgerEntry.objects.filter(user=learner).count() == 1


@pytest.mark.parametrize("score", ["5", "-1", "abc"])
def test_bad_score_is_refused_with_a_message_and_changes_nothing(graded_setup, client_for, score):
    response = client_for(graded_setup["grader"]).post(
        reverse("exams:grade", args=[graded_setup["item"].pk]), {"score": score}, follow=True
    )
    body = response.content.decode()
    assert "第 2 题" in body
    assert AttemptAnswer.objects.get(item=graded_setup["item"]).score is None
    assert ExamAttempt.objects.get(pk=graded_setup["attempt"].pk).status == ExamAttempt.Status.SUBMITTED


def test_queue_query_count_does_not_grow_with_answers(
    graded_setup, org_tree, client_for, django_assert_max_num_queries
):
    client = client_for(graded_setup["grader"])
    client.get(reverse("exams:grading_queue"))
    for _ in range(6):
        person = UserFactory(org_unit=org_tree["shufu_dept"])
        attempt = start_attempt(exam_id=graded_setup["exam"].pk, user=person)
        save_answers(attempt_id=attempt.pk, user=person, answers=[{"item": 2, "seq": 1, "response": "答"}])
        submit_attempt(attempt_id=attempt.pk, user=person)
    with django_assert_max_num_queries(14):
        body = client.get(reverse("exams:grading_queue")).content.decode()
    assert body.count('class="grade-form"') == 7
