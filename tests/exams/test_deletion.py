"""The delete rules called directly: what stops deleting an exam, a question or a question category, and
that what they allow really deletes."""

from __future__ import annotations

import datetime as dt

import pytest

from certificates.models import Certificate, CertificateKind
from exams.models import Exam, PaperRule, Question, QuestionCategory, QuestionType
from exams.selectors import deletion
from exams.selectors.deletion import (
    exam_delete_advice,
    exam_delete_blockers,
    question_category_delete_blockers,
    question_delete_blockers,
    register_exam_reference,
)
from exams.services.attempts import start_attempt
from plans.models import StudyPlan, StudyPlanItem
from review.models import AnnualReviewRule
from tests.factories import UserFactory

from . import factories_exams as f
from .factories_questions import make_question, use_in_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_registry(monkeypatch):
    """A copy of the wording registry, so a test's registrations end with it."""
    monkeypatch.setattr(deletion, "_wordings", dict(deletion._wordings))
    return deletion._wordings


def _plan_item(exam, title: str, by) -> None:
    plan = StudyPlan.objects.create(year=2026, title=title, due_on=dt.date(2026, 11, 30), created_by=by)
    StudyPlanItem.objects.create(plan=plan, kind=StudyPlanItem.Kind.EXAM, exam=exam)


def _certificate(exam, holder) -> None:
    Certificate.objects.create(
        kind=CertificateKind.EXAM,
        holder=holder,
        year=2026,
        exam=exam,
        serial=f"KS-{holder.pk}",
        verification_code=f"V{holder.pk}",
    )


def test_an_unreferenced_exam_may_be_deleted_with_its_paper():
    exam = f.exam([f.question()])
    assert exam_delete_blockers(exam) == []
    exam.delete()
    assert not Exam.objects.exists()


def test_attempts_stop_deleting_an_exam(org_tree):
    exam = f.exam([f.question()])
    for _ in range(2):
        start_attempt(exam_id=exam.pk, user=UserFactory(org_unit=org_tree["shache_dept"]))
    assert exam_delete_blockers(exam) == ["该考试已有 2 份答卷"]


def test_make_ups_stop_deleting_their_original():
    original = f.exam([], title="原考试")
    for title, days in (("补考二", 2), ("补考一", 1)):
        later = {
            "opens_at": original.opens_at + dt.timedelta(days=days),
            "closes_at": original.closes_at + dt.timedelta(days=days),
        }
        f.exam([], title=title, makeup_for=original, **later)
    assert exam_delete_blockers(original) == ["是补考“补考一”、“补考二”的原考试"]


def test_study_plans_stop_deleting_an_exam(admin_user):
    exam = f.exam([])
    _plan_item(exam, "B单位学法清单", admin_user)
    _plan_item(exam, "A单位学法清单", admin_user)
    assert exam_delete_blockers(exam) == ["被学法清单“A单位学法清单”、“B单位学法清单”引用"]


def test_annual_review_rules_stop_deleting_an_exam():
    exam = f.exam([], is_annual_law_exam=True, year=2026)
    AnnualReviewRule.objects.create(year=2026, annual_exam=exam)
    assert exam_delete_blockers(exam) == ["被 2026 年度的年审规则引用"]


def test_certificates_stop_deleting_an_exam(learner):
    exam = f.exam([])
    _certificate(exam, learner)
    assert exam_delete_blockers(exam) == ["已据此考试发放 1 份考试合格证书"]


def test_every_reference_is_named_in_the_registered_order(admin_user, learner, org_tree):
    exam = f.exam([f.question()], title="原考试")
    _certificate(exam, learner)
    AnnualReviewRule.objects.create(year=2026, annual_exam=exam)
    _plan_item(exam, "清单甲", admin_user)
    f.exam([], title="补考", makeup_for=exam)
    start_attempt(exam_id=exam.pk, user=UserFactory(org_unit=org_tree["shache_dept"]))
    assert exam_delete_blockers(exam) == [
        "该考试已有 1 份答卷",
        "是补考“补考”的原考试",
        "被学法清单“清单甲”引用",
        "被 2026 年度的年审规则引用",
        "已据此考试发放 1 份考试合格证书",
    ]


def test_a_reference_nobody_worded_is_refused_generically(own_registry, learner):
    del own_registry["certificates.Certificate"]
    exam = f.exam([])
    _certificate(exam, learner)
    assert exam_delete_blockers(exam) == ["被 1 条“证书”记录引用"]


def test_an_app_words_its_own_references_through_the_registry(own_registry, learner):
    del own_registry["certificates.Certificate"]
    register_exam_reference("certificates.Certificate", lambda model, pks: f"{len(pks)} 份证书", rank=5)
    exam = f.exam([])
    _certificate(exam, learner)
    f.exam([], title="补考", makeup_for=exam)
    assert exam_delete_blockers(exam) == ["1 份证书", "是补考“补考”的原考试"]


def test_the_registry_refuses_a_clash_and_accepts_a_repeat(own_registry):
    def wording(model, pks):
        return "甲"

    del own_registry["plans.StudyPlanItem"]
    register_exam_reference("plans.StudyPlanItem", wording, rank=35)
    register_exam_reference("plans.StudyPlanItem", wording, rank=35)
    with pytest.raises(ValueError):
        register_exam_reference("review.Rule", wording, rank=35)
    with pytest.raises(ValueError):
        register_exam_reference("plans.StudyPlanItem", wording, rank=36)
    with pytest.raises(ValueError):
        register_exam_reference("plans.StudyPlanItem", lambda model, pks: "乙", rank=35)


def test_the_advice_depends_on_whether_learners_see_the_exam():
    assert "把“截止时间”改为现在" in exam_delete_advice(f.exam([], is_published=True))
    assert exam_delete_advice(f.exam([], is_published=False)) == "这场考试未发布，学员看不到它，保留即可。"


def test_an_unused_question_may_be_deleted():
    question = make_question(name="未用")
    assert question_delete_blockers(question) == []
    question.delete()
    assert not Question.objects.filter(name="未用").exists()


def test_a_question_on_an_exam_paper_is_refused():
    question = make_question(name="试卷上的题")
    f.exam([question])
    assert question_delete_blockers(question) == ["题目“试卷上的题”已被考试或答卷使用，不能删除；请改为归档。"]


def test_a_question_an_attempt_was_given_is_refused(learner):
    question = make_question(name="答过的题")
    use_in_attempt(question.current_version, learner)
    assert question_delete_blockers(question) == ["题目“答过的题”已被考试或答卷使用，不能删除；请改为归档。"]


def test_an_empty_category_may_be_deleted_with_its_subcategories():
    root = f.category("法律知识")
    top = f.category("行政处罚法", parent=root)
    f.category("罚款", parent=top)
    assert question_category_delete_blockers(top) == []
    QuestionCategory.objects.get(pk=top.pk).delete()
    assert list(QuestionCategory.objects.values_list("name", flat=True)) == ["法律知识"]


def test_a_question_below_a_category_is_refused():
    make_question(category="法律知识/行政处罚法/罚款")
    top = QuestionCategory.objects.get(full_path="法律知识/行政处罚法")
    assert question_category_delete_blockers(top) == [
        "分类“法律知识/行政处罚法”或其下级分类中还有题目，不能删除；请先移走或删除这些题目。"
    ]
    assert question_category_delete_blockers(QuestionCategory.objects.get(full_path="法律知识")) != []


def test_a_category_an_exam_draws_from_is_refused():
    category = f.category("抽题分类")
    exam = f.exam([], paper_mode=Exam.PaperMode.RULES)
    PaperRule.objects.create(exam=exam, category=category, question_type=QuestionType.SINGLE, count=1, points_each=1)
    assert question_category_delete_blockers(category) != []
