"""Deleting an exam in the Wagtail admin: an exam something still refers to is refused, saying what refers
to it and suggesting un-publishing instead; an unreferenced exam is deleted with its paper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from exams.models import Exam, ExamQuestion, Question, QuestionType
from exams.services.attempts import start_attempt
from plans.models import StudyPlan, StudyPlanItem
from review.models import AnnualReviewRule
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db


def _delete_url(exam) -> str:
    return reverse("exams_exams:delete", args=[exam.pk])


def _refused(client, exam, *reasons) -> None:
    """The confirmation page names every reason, advises un-publishing (or keeping a draft) and offers no
    delete button; a POST deletes nothing and says why."""
    advice = "把“截止时间”改为现在" if exam.is_published else "这场考试未发布"
    url = _delete_url(exam)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for reason in reasons:
        assert reason in body
    assert advice in body
    assert f'action="{url}"' not in body

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("exams_exams:edit", args=[exam.pk])
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    for reason in (*reasons, advice):
        assert reason in message
    assert Exam.objects.filter(pk=exam.pk).exists()


def test_exam_with_attempts_is_not_deleted_and_the_page_says_how_many(trainer, client_for, org_tree):
    exam = f.exam([f.question()], title="2026年度法律知识考试")
    for _ in range(3):
        start_attempt(exam_id=exam.pk, user=UserFactory(org_unit=org_tree["shache_dept"]))
    _refused(client_for(trainer), exam, "该考试已有 3 份答卷")
    assert exam.attempts.count() == 3


def test_original_of_a_makeup_exam_is_not_deleted(trainer, client_for):
    original = f.exam([f.question()], title="2026年度法律知识考试")
    f.exam([f.question()], title="2026年度法律知识考试（补考）", makeup_for=original)
    _refused(client_for(trainer), original, "是补考“2026年度法律知识考试（补考）”的原考试")


def test_exam_in_a_study_plan_is_not_deleted(trainer, admin_user, client_for):
    exam = f.exam([f.question()], is_published=False)
    plan = StudyPlan.objects.create(
        year=2026, title="莎车县学法清单", due_on=dt.date(2026, 11, 30), created_by=admin_user
    )
    StudyPlanItem.objects.create(plan=plan, kind=StudyPlanItem.Kind.EXAM, exam=exam)
    _refused(client_for(trainer), exam, "被学法清单“莎车县学法清单”引用")


def test_annual_review_exam_is_not_deleted(trainer, client_for):
    exam = f.exam([f.question()], is_annual_law_exam=True, year=2026)
    AnnualReviewRule.objects.create(year=2026, annual_exam=exam)
    _refused(client_for(trainer), exam, "被 2026 年度的年审规则引用")


def test_every_reference_is_named(trainer, admin_user, client_for, org_tree):
    exam = f.exam([f.question()], title="原考试")
    start_attempt(exam_id=exam.pk, user=UserFactory(org_unit=org_tree["shache_dept"]))
    f.exam([f.question()], title="补考", makeup_for=exam)
    plan = StudyPlan.objects.create(year=2026, title="清单甲", due_on=dt.date(2026, 11, 30), created_by=admin_user)
    StudyPlanItem.objects.create(plan=plan, kind=StudyPlanItem.Kind.EXAM, exam=exam)
    AnnualReviewRule.objects.create(year=2026, annual_exam=exam)
    _refused(
        client_for(trainer),
        exam,
        "该考试已有 1 份答卷",
        "是补考“补考”的原考试",
        "被学法清单“清单甲”引用",
        "被 2026 年度的年审规则引用",
    )


def test_unreferenced_exam_is_deleted_with_its_paper(trainer, client_for):
    question = f.question(QuestionType.SHORT)
    exam = f.exam([question], is_published=False)
    client = client_for(trainer)
    url = _delete_url(exam)
    body = client.get(url).content.decode()
    assert f'action="{url}"' in body and "不能删除" not in body
    response = client.post(url)
    assert response.status_code == 302
    assert not Exam.objects.filter(pk=exam.pk).exists()
    assert not ExamQuestion.objects.exists()
    assert Question.objects.filter(pk=question.pk).exists()
