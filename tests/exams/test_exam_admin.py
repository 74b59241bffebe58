"""Exam authoring in the Wagtail admin: trainers build an exam and its paper; a paper that cannot be
drawn is refused before it is published."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from exams.models import Exam, QuestionType
from tests.conftest import enable_totp
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db

ADD_URL = "/cms/exams/new/"


def _form(**overrides) -> dict:
    now = timezone.localtime()
    data = {
        "title": "2026年度学法考试",
        "description": "",
        "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "60",
        "attempts_allowed": "2",
        "counted_attempt": "highest",
        "pass_percent": "60",
        "year": "",
        "paper_mode": "fixed",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "credit_hours": "2",
        "credit_category": "",
        "review_policy": "score",
        "review_from": "",
        "makeup_for": "",
    }
    for prefix in ("paper_questions", "paper_rules"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def trainer_client(org_tree, client_for):
    user = UserFactory(org_unit=org_tree["pref"], roles=[Role.TRAINER], is_staff=True)
    enable_totp(user)
    return user, client_for(user)


def test_trainer_creates_a_fixed_paper_exam(trainer_client):
    user, client = trainer_client
    question = f.question(QuestionType.SINGLE)
    assert client.get(ADD_URL).status_code == 200
    data = _form(
        is_published="on",
        audience_staff_categories=["enforcement"],
        **{
            "paper_questions-TOTAL_FORMS": "1",
            "paper_questions-0-question": str(question.pk),
            "paper_questions-0-points": "5",
            "paper_questions-0-ORDER": "1",
            "paper_questions-0-id": "",
        },
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    exam = Exam.objects.get()
    assert (exam.created_by, exam.is_published, exam.audience_staff_categories) == (user, True, ["enforcement"])
    assert [(s.question_id, s.points) for s in exam.paper_questions.all()] == [(question.pk, Decimal("5.00"))]


def test_rules_that_the_bank_cannot_meet_are_refused_on_publish(trainer_client):
    _user, client = trainer_client
    cat = f.category("行政强制法")
    f.question(QuestionType.SINGLE, cat=cat)
    data = _form(
        is_published="on",
        paper_mode="rules",
        **{
            "paper_rules-TOTAL_FORMS": "1",
            "paper_rules-0-category": str(cat.pk),
            "paper_rules-0-include_subcategories": "on",
            "paper_rules-0-question_type": "single",
            "paper_rules-0-count": "20",
            "paper_rules-0-points_each": "2",
            "paper_rules-0-ORDER": "1",
            "paper_rules-0-id": "",
        },
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "第 1 条抽题规则需要 20 道题，题库中只有 1 道。" in response.content.decode()
    assert not Exam.objects.exists()


def test_learners_cannot_manage_exams(learner, client_for):
    response = client_for(learner).get(ADD_URL)
    assert response.status_code in (302, 403)
    assert not Exam.objects.exists()


GRADER_ERROR = "试卷可能含简答题，须至少指定一名阅卷人才能发布"


def _fixed_paper(question) -> dict:
    return {
        "paper_questions-TOTAL_FORMS": "1",
        "paper_questions-0-question": str(question.pk),
        "paper_questions-0-points": "5",
        "paper_questions-0-ORDER": "1",
        "paper_questions-0-id": "",
    }


def _rule_paper(cat, qtype: str) -> dict:
    return {
        "paper_mode": "rules",
        "paper_rules-TOTAL_FORMS": "1",
        "paper_rules-0-category": str(cat.pk),
        "paper_rules-0-include_subcategories": "on",
        "paper_rules-0-question_type": qtype,
        "paper_rules-0-count": "1",
        "paper_rules-0-points_each": "10",
        "paper_rules-0-ORDER": "1",
        "paper_rules-0-id": "",
    }


def _grader_errors(response) -> list[str]:
    return response.context["form"].errors.get("graders", [])


def test_publishing_a_fixed_paper_with_a_short_answer_needs_a_grader(trainer_client):
    _user, client = trainer_client
    data = _form(is_published="on", **_fixed_paper(f.question(QuestionType.SHORT)))
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert any(GRADER_ERROR in e for e in _grader_errors(response))
    assert GRADER_ERROR in response.content.decode()
    assert not Exam.objects.exists()


def test_publishing_rules_that_draw_short_answers_needs_a_grader(trainer_client):
    _user, client = trainer_client
    cat = f.category("案例分析")
    f.question(QuestionType.SHORT, cat=cat)
    response = client.post(ADD_URL, _form(is_published="on", **_rule_paper(cat, "short")))
    assert response.status_code == 200
    assert any(GRADER_ERROR in e for e in _grader_errors(response))
    assert not Exam.objects.exists()


def test_short_answer_exam_with_a_grader_is_published(trainer_client):
    user, client = trainer_client
    data = _form(is_published="on", graders=[str(user.pk)], **_fixed_paper(f.question(QuestionType.SHORT)))
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    exam = Exam.objects.get()
    assert exam.is_published and list(exam.graders.all()) == [user]


def test_a_draft_with_short_answers_may_wait_for_its_grader(trainer_client):
    _user, client = trainer_client
    response = client.post(ADD_URL, _form(**_fixed_paper(f.question(QuestionType.SHORT))))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Exam.objects.get().is_published is False


def test_objective_rules_publish_without_a_grader(trainer_client):
    _user, client = trainer_client
    cat = f.category("行政许可法")
    f.question(QuestionType.SINGLE, cat=cat)
    f.question(QuestionType.SHORT, cat=cat)
    response = client.post(ADD_URL, _form(is_published="on", **_rule_paper(cat, "single")))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Exam.objects.get().is_published


def test_removing_the_last_grader_of_a_published_short_answer_exam_is_refused(trainer_client):
    user, client = trainer_client
    question = f.question(QuestionType.SHORT)
    exam = f.exam([question], title="案例分析考试")
    exam.graders.set([user])
    slot = exam.paper_questions.get()
    data = _form(
        title=exam.title,
        is_published="on",
        **{
            "paper_questions-TOTAL_FORMS": "1",
            "paper_questions-INITIAL_FORMS": "1",
            "paper_questions-0-question": str(question.pk),
            "paper_questions-0-points": "",
            "paper_questions-0-ORDER": "1",
            "paper_questions-0-id": str(slot.pk),
        },
    )
    response = client.post(f"/cms/exams/edit/{exam.pk}/", data)
    assert response.status_code == 200
    assert any(GRADER_ERROR in e for e in _grader_errors(response))
    assert list(exam.graders.all()) == [user]
