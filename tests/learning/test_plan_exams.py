"""Exams assigned through study plans (学法清单): who may sit them, progress, HR completion, the editor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog, StaffCategory
from core import timeutil
from exams.models import QuestionType
from exams.selectors.exams import audience_people, exams_for_learner
from exams.services.attempts import AttemptError, save_answers, start_attempt, submit_attempt
from learning.models import CourseCompletion
from plans.models import StudyPlan, StudyPlanItem
from plans.selectors.plans import my_plans, plan_exam_ids, plan_report
from plans.services.plans import PlanError, save_plan
from tests.cms import course_factories as cf
from tests.exams import factories_exams as fe
from tests.factories import UserFactory

YEAR = timeutil.current_year()
DUE = dt.date(YEAR, 11, 30)


def _plan(actor, *, courses=(), exams=(), **targets):
    return save_plan(actor=actor, year=YEAR, title="学法清单", due_on=DUE, courses=courses, exams=exams, **targets)


def _sit(exam, user, key):
    """Start, answer the single-choice paper with ``key`` and submit (graded at once)."""
    attempt = start_attempt(exam_id=exam.pk, user=user)
    position = attempt.items.get().option_order.index(key)
    save_answers(attempt_id=attempt.pk, user=user, answers=[{"item": 1, "response": position, "seq": 1}])
    return submit_attempt(attempt_id=attempt.pk, user=user)


@pytest.fixture
def restricted_exam(org_tree):
    """An exam whose own audience is 疏附县 only, one single-choice question (answer B)."""
    exam = fe.exam([fe.question(QuestionType.SINGLE, correct=("B",))], title="清单考试")
    exam.audience_units.set([org_tree["shufu"]])
    return exam


def test_a_plan_admits_its_people_to_an_exam_outside_their_audience(org_tree, admin_user, restricted_exam):
    in_plan = UserFactory(org_unit=org_tree["shache_dept"], staff_category=StaffCategory.LEADER)
    not_in_plan = UserFactory(org_unit=org_tree["shache_dept"])
    with pytest.raises(AttemptError, match="不在本场考试的参考范围内"):
        start_attempt(exam_id=restricted_exam.pk, user=in_plan)
    _plan(admin_user, exams=[restricted_exam], units=[org_tree["shache"]], categories=[StaffCategory.LEADER])
    assert plan_exam_ids(in_plan) == {restricted_exam.pk}
    assert [r.exam for r in exams_for_learner(in_plan)] == [restricted_exam]
    assert start_attempt(exam_id=restricted_exam.pk, user=in_plan).exam_id == restricted_exam.pk
    assert exams_for_learner(not_in_plan) == []
    with pytest.raises(AttemptError, match="不在本场考试的参考范围内"):
        start_attempt(exam_id=restricted_exam.pk, user=not_in_plan)


def test_exam_pages_follow_the_plan(org_tree, admin_user, restricted_exam, client_for):
    in_plan = UserFactory(org_unit=org_tree["shache_dept"])
    outsider = UserFactory(org_unit=org_tree["shache_dept"])
    _plan(admin_user, exams=[restricted_exam], people=[in_plan])
    detail = reverse("exams:exam_detail", args=[restricted_exam.pk])
    assert "清单考试" in client_for(in_plan).get(reverse("exams:my_exams")).content.decode()
    assert client_for(in_plan).get(detail).status_code == 200
    assert client_for(outsider).get(detail).status_code == 404
    assert "清单考试" not in client_for(outsider).get(reverse("exams:my_exams")).content.decode()


def test_a_plan_only_adds_people_to_an_open_exam(org_tree, admin_user, hr_shache):
    exam = fe.exam([fe.question()], title="全员考试")
    elsewhere = UserFactory(org_unit=org_tree["shufu_dept"])
    in_plan = UserFactory(org_unit=org_tree["shache_dept"])
    _plan(hr_shache, exams=[exam], people=[in_plan])
    assert [r.exam for r in exams_for_learner(elsewhere)] == [exam]
    assert [r.exam for r in exams_for_learner(in_plan)] == [exam]
    assert {elsewhere, in_plan} <= set(audience_people(exam))


def test_statistics_audience_adds_the_plans_people(org_tree, admin_user, restricted_exam):
    shufu = UserFactory(org_unit=org_tree["shufu_dept"])
    named = UserFactory(org_unit=org_tree["shache_dept"])
    UserFactory(org_unit=org_tree["shache_dept"])
    _plan(admin_user, exams=[restricted_exam], people=[named])
    assert set(audience_people(restricted_exam)) == {shufu, named}


def test_my_plan_counts_a_passed_exam_as_done(org_tree, admin_user, client_for):
    learner = UserFactory(org_unit=org_tree["shache_dept"])
    course = cf.course_with_lessons(1)[0]
    exam = fe.exam([fe.question(QuestionType.SINGLE, correct=("B",))], title="清单考试", attempts_allowed=2)
    _plan(admin_user, courses=[course], exams=[exam], people=[learner])
    [progress] = my_plans(learner, YEAR)
    assert [(i.title, i.done, i.percent) for i in progress.items] == [(course.title, False, 0), ("清单考试", False, 0)]
    assert progress.items[1].url == reverse("exams:exam_detail", args=[exam.pk])
    assert _sit(exam, learner, "A").passed is False
    assert not my_plans(learner, YEAR)[0].items[1].done
    assert _sit(exam, learner, "B").passed is True
    CourseCompletion.objects.create(user=learner, course=course)
    [progress] = my_plans(learner, YEAR)
    assert progress.complete and progress.percent == 100
    html = client_for(learner).get(reverse("plans:my_plans")).content.decode()
    assert "已完成 2 / 2 项 · 总进度 100%" in html and "清单考试" in html


def test_a_failed_exam_item_leads_to_the_makeup_and_passing_it_finishes_the_item(org_tree, admin_user):
    learner = UserFactory(org_unit=org_tree["shache_dept"])
    q = fe.question(QuestionType.SINGLE, correct=("B",))
    original = fe.exam([q], title="原考试")
    original.audience_units.set([org_tree["shufu"]])
    makeup = fe.exam([q], title="补考", makeup_for=original)
    makeup.audience_units.set([org_tree["shufu"]])
    _plan(admin_user, exams=[original], people=[learner])
    _sit(original, learner, "A")
    [item] = my_plans(learner, YEAR)[0].items
    assert not item.done and item.url == reverse("exams:exam_detail", args=[makeup.pk])
    _sit(makeup, learner, "B")  # the plan admits the learner to the make-up of its exam too
    [item] = my_plans(learner, YEAR)[0].items
    assert item.done and item.title == "原考试"


def test_hr_report_counts_exam_passes_in_scope(org_tree, admin_user, hr_shache):
    course = cf.course_with_lessons(1)[0]
    exam = fe.exam([fe.question(QuestionType.SINGLE, correct=("B",))], title="清单考试")
    both, course_only, nothing = (UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(3))
    shufu = UserFactory(org_unit=org_tree["shufu_dept"])
    plan = _plan(admin_user, courses=[course], exams=[exam], units=[org_tree["pref"]])
    for person in (both, course_only, shufu):
        CourseCompletion.objects.create(user=person, course=course)
    _sit(exam, both, "B")
    _sit(exam, shufu, "B")
    _sit(exam, course_only, "A")
    report = plan_report(hr_shache, StudyPlan.objects.prefetch_related("items").get(pk=plan.pk))
    assert report.item_count == 2
    assert (report.total, report.finished) == (4, 1)  # hr_shache is in 莎车县 too, and has done nothing
    assert {p.pk: p.done for p in report.unfinished} == {course_only.pk: 1, nothing.pk: 0, hr_shache.pk: 0}
    assert shufu.pk not in {p.pk for p in report.unfinished}


def test_plan_editor_saves_exams_and_requires_a_course_or_an_exam(org_tree, hr_shache, client_for):
    exam = fe.exam([fe.question()], title="清单考试")
    draft = fe.exam([fe.question()], title="未发布考试", is_published=False)
    client = client_for(hr_shache)
    base = {"year": YEAR, "title": "莎车县考试清单", "due_on": DUE.isoformat(), "target_units": [org_tree["shache"].pk]}
    page = client.get(reverse("plans:plan_create")).content.decode()
    assert "清单考试" in page and "未发布考试" not in page
    response = client.post(reverse("plans:plan_create"), base)
    assert response.status_code == 200 and "请至少选择一门课程或一场考试。" in response.content.decode()
    response = client.post(reverse("plans:plan_create"), {**base, "exams": [draft.pk]})
    assert response.status_code == 200 and "有效的选项" in response.content.decode()
    response = client.post(reverse("plans:plan_create"), {**base, "exams": ["x"]})
    assert response.status_code == 200 and "“x”不是一个有效的值" in response.content.decode()
    assert not StudyPlan.objects.exists()
    response = client.post(reverse("plans:plan_create"), {**base, "exams": [exam.pk]})
    plan = StudyPlan.objects.get(title="莎车县考试清单")
    assert response.status_code == 302
    assert [(i.kind, i.exam_id, i.course_id) for i in plan.items.all()] == [("exam", exam.pk, None)]
    assert AuditLog.objects.get(action="learning.study_plan_created").details["exams"] == [exam.pk]
    edit = client.get(reverse("plans:plan_edit", args=[plan.pk])).content.decode()
    assert f'value="{exam.pk}" id="id_exams_0" checked' in edit
    assert f'name="due_on" value="{DUE.isoformat()}"' in edit  # a date input needs ISO to show its value
    report = client.get(reverse("plans:plan_report", args=[plan.pk])).content.decode()
    assert "清单考试" in report


def test_service_refuses_an_unpublished_exam_and_keeps_items_in_order(org_tree, admin_user):
    course = cf.course_with_lessons(1)[0]
    first, second = fe.exam([fe.question()], title="甲"), fe.exam([fe.question()], title="乙")
    draft = fe.exam([fe.question()], title="草稿", is_published=False)
    with pytest.raises(PlanError, match="考试尚未发布，不能列入学法清单：草稿"):
        _plan(admin_user, exams=[draft], people=[admin_user])
    plan = _plan(admin_user, courses=[course], exams=[first, second], people=[admin_user])
    kept = plan.items.get(exam=first).pk
    save_plan(
        actor=admin_user, plan=plan, year=YEAR, title="改", due_on=DUE, exams=[second, first], people=[admin_user]
    )
    assert [(i.kind, i.exam_id, i.position) for i in plan.items.order_by("position")] == [
        ("exam", second.pk, 0),
        ("exam", first.pk, 1),
    ]
    assert plan.items.get(exam=first).pk == kept


def test_database_keeps_one_target_per_item(admin_user):
    plan = _plan(admin_user, exams=[fe.exam([fe.question()])], people=[admin_user])
    course = cf.course_with_lessons(1)[0]
    for bad in (
        {"kind": "exam"},
        {"kind": "exam", "exam": plan.items.get().exam, "course": course},
        {"kind": "course", "course": course, "exam": plan.items.get().exam},
        {"kind": "exam", "exam": plan.items.get().exam},  # the same exam twice
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            StudyPlanItem.objects.create(plan=plan, **bad)


def test_query_counts_do_not_grow_with_exam_items(org_tree, admin_user, client_for, django_assert_max_num_queries):
    learner = UserFactory(org_unit=org_tree["shache_dept"])
    client = client_for(learner)
    _plan(admin_user, exams=[fe.exam([fe.question()], title="考试0")], units=[org_tree["shache"]])
    with CaptureQueriesContext(connection) as plans_page:
        client.get(reverse("plans:my_plans"))
    with CaptureQueriesContext(connection) as exams_page:
        client.get(reverse("exams:my_exams"))
    more = [fe.exam([fe.question()], title=f"考试{i}") for i in range(1, 7)]
    for exam in more[:3]:
        fe.exam([fe.question()], title=f"{exam.title}补考", makeup_for=exam)
    save_plan(actor=admin_user, year=YEAR, title="第二份", due_on=DUE, exams=more, units=[org_tree["shache"]])
    with django_assert_max_num_queries(len(plans_page.captured_queries)):
        html = client.get(reverse("plans:my_plans")).content.decode()
    assert html.count("考试") >= 7
    with django_assert_max_num_queries(len(exams_page.captured_queries)):
        html = client.get(reverse("exams:my_exams")).content.decode()
    assert all(f"考试{i}" in html for i in range(7))


def test_my_path_marks_a_plan_exam_as_required(org_tree, admin_user, client_for):
    learner = UserFactory(org_unit=org_tree["shache_dept"])
    exam = fe.exam([fe.question()], title="零学时清单考试", credit_hours=0)
    exam.audience_units.set([org_tree["shufu"]])
    client = client_for(learner)
    assert "零学时清单考试" not in client.get(reverse("learning:my_path")).content.decode()
    _plan(admin_user, exams=[exam], people=[learner])
    html = client.get(reverse("learning:my_path")).content.decode()
    assert "零学时清单考试" in html and '<span class="badge">学法清单</span>' in html
