"""“我的达标路径”: only what the official can actually take is suggested, and the hours add up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffCategory
from classroom.models import TrainingSession
from core import timeutil
from learning.models import CourseCompletion
from learning.selectors.path import my_path
from plans.models import StudyPlan, StudyPlanItem
from review.models import AnnualReviewRule
from tests.classroom.factories import TrainingSessionFactory
from tests.cms import course_factories as cf
from tests.exams import factories_exams as fe
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db
YEAR = timeutil.current_year()


def _soon(hours=1):
    """A moment later today (kept inside the year even on 31 December)."""
    now = timezone.now()
    end_of_year = timezone.make_aware(dt.datetime(YEAR, 12, 31, 22, 0), timeutil.LEDGER_TZ)
    return min(now + dt.timedelta(hours=hours), max(now + dt.timedelta(minutes=5), end_of_year - dt.timedelta(hours=1)))


@pytest.fixture
def offer(org_tree, learner):
    """One takeable and several untakeable items of each kind."""
    mine, other = org_tree["shache"], org_tree["shufu"]
    required = cf.course(title="必修：行政处罚法精讲", hours="3")
    plan = StudyPlan.objects.create(year=YEAR, title="年度学法清单", due_on=dt.date(YEAR, 12, 31), created_by=learner)
    plan.target_people.add(learner)
    StudyPlanItem.objects.create(plan=plan, course=required, position=1)
    done = cf.course(title="已学完的课程", hours="5")
    CourseCompletion.objects.create(user=learner, course=done)
    items = {
        "required": required,
        "course": cf.course(title="行政许可法实务", hours="2", category="professional", units=[mine]),
        "hidden_unpublished": cf.course(title="未发布的课程", hours="9", live=False),
        "hidden_other_unit": cf.course(title="疏附县专属课程", hours="9", units=[other]),
        "hidden_leaders": cf.course(title="领导干部专题", hours="9", categories=[StaffCategory.LEADER]),
        "session": TrainingSessionFactory(
            title="法治讲堂·逢九必讲",
            kind=TrainingSession.Kind.LECTURE,
            hours=Decimal("2.5"),
            starts_at=_soon(1),
            ends_at=_soon(2),
            audience_units=[mine],
        ),
        "hidden_session_other": TrainingSessionFactory(
            title="疏附县培训班", starts_at=_soon(1), ends_at=_soon(2), audience_units=[other]
        ),
        "hidden_session_cancelled": TrainingSessionFactory(
            title="已取消的培训班",
            starts_at=_soon(1),
            ends_at=_soon(2),
            audience_units=[mine],
            status=TrainingSession.Status.CANCELLED,
        ),
        "exam": fe.exam([fe.question()], title="行政强制法测验", credit_hours=Decimal("1.5")),
        "hidden_exam_closed": fe.exam(
            [fe.question()],
            title="已结束的考试",
            opens_at=timezone.now() - dt.timedelta(days=3),
            closes_at=timezone.now() - dt.timedelta(days=2),
        ),
        "hidden_exam_other": fe.exam([fe.question()], title="疏附县考试"),
        "hidden_exam_unpublished": fe.exam([fe.question()], title="未发布的考试", is_published=False),
    }
    for key in ("exam", "hidden_exam_other"):
        items[key].audience_units.set([mine if key == "exam" else other])
    return items


def test_path_lists_only_what_the_official_can_take(learner, offer):
    path = my_path(learner)
    titles = {item.title for item in path.items}
    assert titles == {"必修：行政处罚法精讲", "行政许可法实务", "法治讲堂·逢九必讲", "行政强制法测验"}
    assert [i.title for i in path.required_courses] == ["必修：行政处罚法精讲"]
    assert path.required_courses[0].required
    session = path.sessions[0]
    assert session.hours == Decimal("2.5") and session.kind == "session"


def test_path_hours_add_up(learner, offer):
    credit(learner, hours="12", earned_on=timeutil.today())
    path = my_path(learner)
    assert path.hours == Decimal("12") and path.required == Decimal("60")
    assert path.missing == Decimal("48")
    assert path.available_hours == sum(i.hours for i in path.items) == Decimal("9")  # 3 + 2 + 2.5 + 1.5
    assert not path.suffices and path.still_short == Decimal("39")


def test_path_says_when_what_is_offered_is_enough(client_for, learner, offer):
    credit(learner, hours="55", earned_on=timeutil.today())
    path = my_path(learner)
    assert path.missing == Decimal("5") and path.suffices
    html = client_for(learner).get(reverse("learning:my_path")).content.decode()
    assert "足以补上还差的 5 学时" in html
    assert "疏附县专属课程" not in html and "已结束的考试" not in html and "未发布的课程" not in html


def test_page_shows_the_gap_and_the_shortfall_when_not_enough(client_for, learner, offer):
    html = client_for(learner).get(reverse("learning:my_path")).content.decode()
    assert "全年学时还差 60 学时" in html
    assert "全部完成后仍差 51 学时" in html
    assert html.count('data-testid="path-item"') == 4


def test_category_minimum_gap_and_what_covers_it(learner, offer):
    from learning.models import AnnualRequirement, CategoryMinimum

    requirement = AnnualRequirement.objects.create(year=YEAR, required_hours=Decimal("60"))
    CategoryMinimum.objects.create(requirement=requirement, category_id="professional", min_hours=Decimal("10"))
    credit(learner, hours="59", earned_on=timeutil.today())
    path = my_path(learner)
    gap = path.category_gaps[0]
    assert (gap.name, gap.missing, gap.available) == ("业务知识", Decimal("10"), Decimal("2"))
    assert not gap.covered and not path.suffices


def test_annual_exam_not_yet_open_is_a_gap_that_cannot_be_closed_now(learner, org_tree):
    exam = fr.annual_exam(
        YEAR, opens_at=timezone.now() + dt.timedelta(days=1), closes_at=timezone.now() + dt.timedelta(days=2)
    )
    AnnualReviewRule.objects.create(year=YEAR, annual_exam=exam)
    credit(learner, hours="60", earned_on=timeutil.today())
    path = my_path(learner)
    assert path.hours_done and path.exam.state == "upcoming"
    assert not path.done and not path.suffices
    assert all(item.title != exam.title for item in path.items)


def test_open_annual_exam_is_suggested_and_passing_it_completes_the_path(learner, org_tree):
    exam = fr.annual_exam(YEAR, credit_hours=Decimal("0"))
    AnnualReviewRule.objects.create(year=YEAR, annual_exam=exam)
    credit(learner, hours="60", earned_on=timeutil.today())
    path = my_path(learner)
    assert path.exam.state == "open" and [i.title for i in path.exams] == [exam.title]
    assert path.exams[0].annual_exam and path.suffices

    fr.sit(exam, learner, correct=True)
    path = my_path(learner)
    assert path.exam.state == "passed" and path.done and path.exams == []


def test_path_shows_a_pending_credential_and_why(client_for, org_tree):
    from review.services.review import run_annual_review

    person = fr.officer(org_tree["shache_dept"])
    run_annual_review(year=YEAR - 1)
    html = client_for(person).get(reverse("learning:my_path")).content.decode()
    assert "待审核" in html and f"{YEAR - 1} 年度年审未通过：差 60 学时" in html


def test_path_query_count_does_not_grow_with_what_is_offered(
    client_for, learner, org_tree, offer, django_assert_max_num_queries
):
    client = client_for(learner)
    with django_assert_max_num_queries(32) as few:
        client.get(reverse("learning:my_path"))
    for i in range(6):
        cf.course(title=f"更多课程{i}")
        TrainingSessionFactory(starts_at=_soon(1), ends_at=_soon(2), audience_units=[org_tree["shache"]])
        fe.exam([fe.question()], title=f"更多考试{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("learning:my_path"))
    assert response.content.decode().count('data-testid="path-item"') == 4 + 18


def test_nav_and_home_card_lead_to_the_path(client_for, learner):
    client = client_for(learner)
    home = client.get("/").content.decode()
    assert reverse("learning:my_path") in home and "达标路径" in home
