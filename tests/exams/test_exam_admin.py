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
