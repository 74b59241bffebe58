"""Study plans (学法清单): who they are for, an official's own progress, HR completion in scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog, OrgUnit, StaffCategory
from cms.models import LessonPage
from core import timeutil
from learning.models import CourseCompletion, LessonProgress
from plans.models import StudyPlan
from plans.selectors.plans import my_plans, plan_people, plan_report, plans_for
from plans.services.plans import PlanError, save_plan
from tests.cms import course_factories as cf
from tests.factories import UserFactory

YEAR = timeutil.current_year()
DUE = dt.date(YEAR, 11, 30)


def _plan(actor, courses, **targets):
    return save_plan(actor=actor, year=YEAR, title="学法清单", due_on=DUE, courses=courses, **targets)


@pytest.fixture
def two_courses(db):
    return [cf.course_with_lessons(2)[0], cf.course_with_lessons(1)[0]]


def test_a_plan_reaches_the_units_subtree_within_the_categories_and_named_people(org_tree, admin_user, two_courses):
    leader_shache = UserFactory(org_unit=org_tree["shache_dept"], staff_category=StaffCategory.LEADER)
    officer_shache = UserFactory(org_unit=org_tree["shache_dept"])
    leader_shufu = UserFactory(org_unit=org_tree["shufu_dept"], staff_category=StaffCategory.LEADER)
    named = UserFactory(org_unit=org_tree["shufu_dept"])
    plan = _plan(
        admin_user,
        two_courses,
        units=[org_tree["shache"]],
        categories=[StaffCategory.LEADER],
        people=[named],
    )
    assert set(plan_people(plan)) == {leader_shache, named}
    assert plans_for(leader_shache, YEAR) == [plan]
    assert plans_for(officer_shache, YEAR) == []
    assert plans_for(leader_shufu, YEAR) == []
    assert plans_for(named, YEAR) == [plan]


def test_positions_narrow_a_plan(org_tree, admin_user, two_courses):
    chief = UserFactory(org_unit=org_tree["shufu_dept"], position="科长")
    clerk = UserFactory(org_unit=org_tree["shufu_dept"], position="科员")
    plan = _plan(admin_user, two_courses, units=[org_tree["pref"]], positions=["科长"])
    assert list(plan_people(plan)) == [chief]
    assert plans_for(clerk, YEAR) == []


def test_my_plan_shows_progress_per_item_and_overall(learner, admin_user, two_courses, client_for):
    first, second = two_courses
    _plan(admin_user, two_courses, people=[learner])
    lessons = list(LessonPage.objects.child_of(first).order_by("path"))
    LessonProgress.objects.create(
        user=learner, lesson=lessons[0], seconds_studied=60, completed_at=dt.datetime.now(dt.UTC)
    )
    CourseCompletion.objects.create(user=learner, course=second)
    [progress] = my_plans(learner, YEAR)
    assert [(i.title, i.percent, i.done) for i in progress.items] == [
        (first.title, 50, False),
        (second.title, 100, True),
    ]
    assert progress.percent == 75 and progress.done == 1 and not progress.complete
    html = client_for(learner).get(reverse("plans:my_plans")).content.decode()
    assert "已完成 1 / 2 项 · 总进度 75%" in html
    assert 'class="pct-50"' in html and 'class="pct-100"' in html


def test_my_plan_page_query_count_does_not_grow(learner, admin_user, client_for, django_assert_max_num_queries):
    client = client_for(learner)
    courses = [cf.course_with_lessons(1)[0] for _ in range(2)]
    _plan(admin_user, courses, people=[learner])
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("plans:my_plans"))
    more = [cf.course_with_lessons(2)[0] for _ in range(8)]
    save_plan(actor=admin_user, year=YEAR, title="第二份", due_on=DUE, courses=more, units=[learner.org_unit])
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(reverse("plans:my_plans")).content.decode()
    assert html.count('class="card plan-card"') == 2


def test_hr_creates_a_plan_for_their_scope(hr_shache, org_tree, two_courses, client_for):
    client = client_for(hr_shache)
    response = client.post(
        reverse("plans:plan_create"),
        {
            "year": YEAR,
            "title": "莎车县2026年学法清单",
            "due_on": DUE.isoformat(),
            "courses": [c.pk for c in two_courses],
            "target_units": [org_tree["shache"].pk],
            "target_categories": [StaffCategory.ENFORCEMENT],
        },
    )
    plan = StudyPlan.objects.get(title="莎车县2026年学法清单")
    assert response.status_code == 302 and response["Location"] == reverse("plans:plan_report", args=(plan.pk,))
    assert list(plan.target_units.all()) == [org_tree["shache"]] and plan.target_categories == ["enforcement"]
    assert [i.course_id for i in plan.items.all()] == [c.pk for c in two_courses]
    assert AuditLog.objects.filter(action="learning.study_plan_created", actor=hr_shache).exists()


def test_hr_cannot_target_units_or_people_outside_their_scope(hr_shache, org_tree, two_courses, client_for):
    outsider = UserFactory(employee_no="SF0001", full_name="疏附人员", org_unit=org_tree["shufu_dept"])
    client = client_for(hr_shache)
    base = {"year": YEAR, "title": "越权清单", "due_on": DUE.isoformat(), "courses": [two_courses[0].pk]}
    response = client.post(reverse("plans:plan_create"), {**base, "target_units": [org_tree["shufu"].pk]})
    assert response.status_code == 200 and "有效的选项" in response.content.decode()
    response = client.post(reverse("plans:plan_create"), {**base, "target_people": "SF0001"})
    assert "人员不在您的管辖范围内：疏附人员（SF0001）" in response.content.decode()
    with pytest.raises(PlanError, match="单位不在您的管辖范围内"):
        _plan(hr_shache, two_courses, units=[org_tree["shufu"]])
    with pytest.raises(PlanError, match="须选择管辖范围内的单位或指定人员"):
        _plan(hr_shache, two_courses, categories=[StaffCategory.LEADER])
    assert not StudyPlan.objects.exists()
    assert outsider.pk


def test_plan_form_names_the_line_of_an_unknown_employee_number(hr_shache, org_tree, two_courses, client_for):
    UserFactory(employee_no="SC0001", org_unit=org_tree["shache_dept"])
    response = client_for(hr_shache).post(
        reverse("plans:plan_create"),
        {
            "year": YEAR,
            "title": "清单",
            "due_on": DUE.isoformat(),
            "courses": [two_courses[0].pk],
            "target_people": "SC0001\nNOPE99",
        },
    )
    assert "第 2 行：工号“NOPE99”不存在。" in response.content.decode()
    assert not StudyPlan.objects.exists()


def test_learners_cannot_manage_plans(learner, client_for):
    client = client_for(learner)
    assert client.get(reverse("plans:plan_list")).status_code == 403
    assert client.get(reverse("plans:plan_create")).status_code == 403


def test_hr_report_counts_per_unit_and_lists_who_is_behind_within_scope(
    hr_shache, org_tree, admin_user, two_courses, client_for
):
    done = UserFactory(full_name="已完成者", org_unit=org_tree["shache_dept"])
    behind = UserFactory(full_name="未完成者", org_unit=org_tree["shache_dept"])
    other_unit = UserFactory(full_name="县直人员", org_unit=org_tree["shache"])
    outside = UserFactory(full_name="疏附人员", org_unit=org_tree["shufu_dept"])
    plan = _plan(admin_user, two_courses, units=[org_tree["pref"]])
    for course in two_courses:
        CourseCompletion.objects.create(user=done, course=course)
    CourseCompletion.objects.create(user=behind, course=two_courses[0])
    CourseCompletion.objects.create(user=outside, course=two_courses[0])
    report = plan_report(hr_shache, plan)
    rows = {r.unit_path: (r.total, r.finished) for r in report.units}
    # hr_shache is in 莎车县 themselves, so they count there too.
    assert rows == {"喀什地区/莎车县/莎车县市场监督管理局": (2, 1), "喀什地区/莎车县": (2, 0)}
    assert {p.full_name for p in report.unfinished} == {"未完成者", "县直人员", hr_shache.full_name}
    assert next(p for p in report.unfinished if p.full_name == "未完成者").done == 1
    html = client_for(hr_shache).get(reverse("plans:plan_report", args=(plan.pk,))).content.decode()
    assert "未完成者" in html and "疏附人员" not in html and other_unit.full_name in html


def test_hr_report_query_count_does_not_grow_with_learners(
    hr_shache, org_tree, admin_user, two_courses, client_for, django_assert_max_num_queries
):
    plan = _plan(admin_user, two_courses, units=[org_tree["shache"]])
    client = client_for(hr_shache)
    url = reverse("plans:plan_report", args=(plan.pk,))
    UserFactory(org_unit=org_tree["shache_dept"])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    units = [
        OrgUnit.objects.get(pk=org_tree["shache"].pk).add_child(name=f"乡镇{i}", code=f"KS-SC-X{i}", kind="township")
        for i in range(5)
    ]
    for i in range(40):
        person = UserFactory(org_unit=units[i % 5])
        if i % 3 == 0:
            CourseCompletion.objects.create(user=person, course=two_courses[0])
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(url).content.decode()
    assert "乡镇4" in html


def test_editing_a_plan_replaces_its_items_and_targets(admin_user, org_tree, two_courses, client_for):
    plan = _plan(admin_user, two_courses, units=[org_tree["shache"]])
    third = cf.course_with_lessons(1)[0]
    save_plan(
        actor=admin_user,
        plan=plan,
        year=YEAR,
        title="改名",
        due_on=DUE,
        courses=[third, two_courses[0]],
        units=[org_tree["shufu"]],
    )
    plan.refresh_from_db()
    assert plan.title == "改名"
    assert [i.course_id for i in plan.items.order_by("position")] == [third.pk, two_courses[0].pk]
    assert list(plan.target_units.all()) == [org_tree["shufu"]]


def test_hr_cannot_edit_another_officers_plan(hr_shache, admin_user, org_tree, two_courses, client_for):
    plan = _plan(admin_user, two_courses, units=[org_tree["shache"]])
    assert client_for(hr_shache).get(reverse("plans:plan_edit", args=(plan.pk,))).status_code == 403
