"""Course pages: review workflow, audience, catalogue, lessons and their citations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from accounts.models import StaffCategory
from cms.models import CoursePage, Law, LawArticle, LawVersion, LessonPage
from cms.setup import ensure_workflow_and_permissions
from learning.models import CourseCompletion, LessonProgress
from tests.auth import sign_in
from tests.cms import course_factories as cf
from tests.factories import UserFactory


@pytest.fixture
def review_setup(db):
    ensure_workflow_and_permissions()
    return cf.catalogue()


def _course_form(title: str, **extra) -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": "xzcf-basics",
            "summary": "行政处罚法基础",
            "category": "legal",
            "credit_hours": "2.0",
            "law_article_links": inline_formset([]),
            "comments": inline_formset([]),
            **extra,
        }
    )


def test_a_trainers_course_goes_live_only_after_a_reviewer_approves(review_setup, trainer, reviewer, client):
    """Through the editor: save and submit the whole course, the trainer's publish is ignored, the reviewer approves."""
    from cms.models import CourseSubmission

    index = review_setup
    sign_in(client, trainer)
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "coursepage", index.pk))
    response = client.post(add_url, {**_course_form("行政处罚法入门"), "action-submit-course": "1"})
    course = CoursePage.objects.get(title="行政处罚法入门")
    assert response["Location"] == reverse("course_reviews:submit", args=(course.pk,))
    client.post(response["Location"], {"note": ""})
    submission = CourseSubmission.objects.get(course=course)
    assert not course.live
    assert not WorkflowState.objects.filter(object_id=str(course.pk)).exists()  # no per-page workflow

    # The trainer cannot publish it themselves.
    edit_url = reverse("wagtailadmin_pages:edit", args=(course.pk,))
    client.post(edit_url, {**_course_form("行政处罚法入门"), "action-publish": "publish"})
    course.refresh_from_db()
    assert not course.live

    sign_in(client, reviewer)
    detail = reverse("course_reviews:detail", args=(submission.pk,))
    response = client.post(detail, {"decision": "approve", "comment": "内容准确", f"seen-{course.pk}": ""})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.live
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.APPROVED


def test_review_setup_is_idempotent(review_setup):
    from wagtail.models import GroupApprovalTask, GroupPagePermission, Workflow, WorkflowPage

    counts = (Workflow.objects.count(), GroupApprovalTask.objects.count(), GroupPagePermission.objects.count())
    ensure_workflow_and_permissions()
    ensure_workflow_and_permissions()
    assert (Workflow.objects.count(), GroupApprovalTask.objects.count(), GroupPagePermission.objects.count()) == counts
    assert WorkflowPage.objects.get(page=review_setup).workflow.name == "法制审核"


# --- audience ---------------------------------------------------------------------------------


@pytest.fixture
def courses(org_tree):
    index = cf.catalogue()
    return {
        "all": cf.course(index, title="全员课程"),
        "shache": cf.course(index, title="莎车县课程", units=[org_tree["shache"]]),
        "shufu": cf.course(index, title="疏附县课程", units=[org_tree["shufu"]]),
        "leaders": cf.course(index, title="领导干部课程", categories=[StaffCategory.LEADER]),
        "draft": cf.course(index, title="草稿课程", live=False),
    }


def test_catalogue_shows_only_published_courses_for_the_learners_audience(learner, courses, client_for):
    html = client_for(learner).get(cf.catalogue().url).content.decode()
    assert "全员课程" in html and "莎车县课程" in html
    for hidden in ("疏附县课程", "领导干部课程", "草稿课程"):
        assert hidden not in html


def test_learner_cannot_open_an_out_of_audience_or_unpublished_course(learner, courses, client_for):
    client = client_for(learner)
    assert client.get(courses["all"].url).status_code == 200
    assert client.get(courses["shufu"].url).status_code == 404
    assert client.get(courses["leaders"].url).status_code == 404
    draft_lesson = cf.lesson(courses["draft"])  # a published lesson of an unpublished course
    assert client.get(draft_lesson.url).status_code == 404
    assert client.get(cf.lesson(courses["shufu"]).url).status_code == 404
    assert not LessonProgress.objects.filter(user=learner).exists()


def test_leaders_see_the_leaders_course(org_tree, courses, client_for):
    leader = UserFactory(org_unit=org_tree["shufu_dept"], staff_category=StaffCategory.LEADER)
    html = client_for(leader).get(cf.catalogue().url).content.decode()
    assert "领导干部课程" in html and "疏附县课程" in html and "莎车县课程" not in html


def test_course_pages_need_sign_in(client, courses):
    response = client.get(courses["all"].url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_catalogue_filters_by_category_status_and_required(learner, courses, client_for):
    from plans.services.plans import save_plan

    index = cf.catalogue()
    pro = cf.course(index, title="业务课程", category="professional")
    started = cf.lesson(courses["all"])
    LessonProgress.objects.create(user=learner, lesson=started, seconds_studied=30)
    CourseCompletion.objects.create(user=learner, course=courses["shache"])
    admin = UserFactory(is_superuser=True)
    save_plan(
        actor=admin,
        year=dt.date.today().year,
        title="必修",
        due_on=dt.date(dt.date.today().year, 12, 31),
        courses=[pro],
        people=[learner],
    )
    client = client_for(learner)

    def titles(**params):
        html = client.get(index.url, params).content.decode()
        return {t for t in ("全员课程", "莎车县课程", "业务课程") if f">{t}</a>" in html}

    assert titles() == {"全员课程", "莎车县课程", "业务课程"}
    assert titles(category="professional") == {"业务课程"}
    assert titles(status="in_progress") == {"全员课程"}
    assert titles(status="done") == {"莎车县课程"}
    assert titles(status="not_started") == {"业务课程"}
    assert titles(required="on") == {"业务课程"}
    assert "必修" in client.get(index.url).content.decode()


def test_catalogue_query_count_does_not_grow_with_courses(learner, client_for, django_assert_max_num_queries):
    index = cf.catalogue()
    client = client_for(learner)

    def build(n):
        for _ in range(n):
            course_page = cf.course(index)
            lesson = cf.lesson(course_page)
            LessonProgress.objects.create(user=learner, lesson=lesson, seconds_studied=10)

    build(2)
    client.get(index.url)  # warm caches (site root paths)
    with CaptureQueriesContext(connection) as small:
        client.get(index.url)
    build(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(index.url).content.decode()
    assert html.count('class="course-card card"') == 12


def test_course_page_lists_lessons_with_progress(learner, client_for):
    course_page, lessons = cf.course_with_lessons(3, min_seconds=60)
    LessonProgress.objects.create(
        user=learner, lesson=lessons[0], seconds_studied=60, completed_at=dt.datetime.now(dt.UTC)
    )
    html = client_for(learner).get(course_page.url).content.decode()
    assert html.count("data-lesson-row") == 3 and "已完成 1 / 3 课时" in html


# --- lessons ----------------------------------------------------------------------------------


@pytest.fixture
def review_law(db):
    """行政复议法 with a 2017 version (article 10) and the current 2023 version (article 10, new text)."""
    law = Law.objects.create(slug="行政复议法", title="中华人民共和国行政复议法", short_name="行政复议法")
    old = LawVersion.objects.create(law=law, label="2017", title=law.title, effective_date=dt.date(2017, 9, 1))
    new = LawVersion.objects.create(
        law=law, label="2023", title=law.title, effective_date=dt.date(2023, 9, 1), is_current=True
    )
    old_article = LawArticle.objects.create(version=old, number=10, number_text="第十条", text="旧版第十条的内容。")
    LawArticle.objects.create(version=new, number=10, number_text="第十条", text="新版第十条：申请人可以申请听证。")
    return old_article


def test_a_citation_of_an_amended_article_shows_the_cited_text_and_links_the_current_one(
    learner, review_law, client_for
):
    # The versions were never compared (no import ran): the same number in the current version continues it.
    course_page = cf.course()
    lesson = cf.lesson(course_page, citations=[review_law])
    html = client_for(learner).get(lesson.url).content.decode()
    assert "旧版第十条的内容。" in html  # what the reviewer approved
    assert "新版第十条：申请人可以申请听证。" not in html
    assert "本条已修订" in html and "本条在 2023 年版本中已修改" in html
    current = reverse("laws:article_detail", kwargs={"law_slug": "行政复议法", "version": "2023", "article": "10"})
    assert f'href="{current}" data-law-current' in html


def test_the_check_answer_is_not_in_the_lesson_page(learner, client_for):
    course_page, (lesson,) = cf.course_with_lessons(1)
    html = client_for(learner).get(lesson.url).content.decode()
    assert cf.CHECK["question"] in html and all(option in html for option in cf.CHECK["options"])
    assert cf.CHECK["explanation"] not in html
    assert "answer" not in html.lower().replace("data-check-result", "")
    options = [line for line in html.splitlines() if 'name="choice"' in line]
    assert len(options) == 3
    assert len({line.split("<span>")[0].replace(f'value="{i + 1}"', "") for i, line in enumerate(options)}) == 1


def test_the_check_answer_can_be_posted_without_javascript(learner, client_for):
    course_page, (lesson,) = cf.course_with_lessons(1)
    client = client_for(learner)
    client.get(lesson.url)
    response = client.post(reverse("learning:lesson_check"), {"lesson": lesson.pk, "choice": "1"}, follow=True)
    assert "回答不正确" in response.content.decode()
    response = client.post(reverse("learning:lesson_check"), {"lesson": lesson.pk, "choice": "2"}, follow=True)
    assert "回答正确" in response.content.decode()
    assert LessonProgress.objects.get(user=learner, lesson=lesson).check_passed


def test_opening_a_lesson_starts_it(learner, client_for):
    course_page, (lesson,) = cf.course_with_lessons(1)
    client_for(learner).get(lesson.url)
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.seconds_studied == 0 and progress.completed_at is None


def test_lesson_page_query_count_does_not_grow_with_lessons_or_learners(
    learner, review_law, client_for, django_assert_max_num_queries
):
    course_page = cf.course()
    first = cf.lesson(course_page, citations=[review_law])
    client = client_for(learner)
    client.get(first.url)
    with CaptureQueriesContext(connection) as small:
        client.get(first.url)
    for _ in range(8):
        lesson = cf.lesson(course_page, citations=[review_law])
        for _ in range(3):
            other = UserFactory(org_unit=learner.org_unit)
            LessonProgress.objects.create(user=other, lesson=lesson, seconds_studied=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(first.url).content.decode()
    assert html.count("data-lesson-row") == 9


def test_minimum_study_time_must_be_sensible():
    from django.core.exceptions import ValidationError

    field = LessonPage._meta.get_field("min_study_seconds")
    with pytest.raises(ValidationError):
        field.run_validators(5)
    field.run_validators(600)


def test_a_course_with_an_unknown_hour_category_is_refused(db):
    from django.core.exceptions import ValidationError

    course = CoursePage(title="x", slug="x", summary="x", category="nonsense", credit_hours=Decimal("1"))
    with pytest.raises(ValidationError) as error:
        course.clean()
    assert "nonsense" in str(error.value.message_dict["category"])


def test_a_studied_lesson_cannot_be_deleted_in_the_admin(learner, reviewer, client):
    course_page, (lesson,) = cf.course_with_lessons(1)
    LessonProgress.objects.create(user=learner, lesson=lesson, seconds_studied=5)
    ensure_workflow_and_permissions()
    admin = UserFactory(is_superuser=True, is_staff=True)
    from tests.conftest import enable_totp

    enable_totp(admin)
    sign_in(client, admin)
    response = client.post(reverse("wagtailadmin_pages:delete", args=(lesson.pk,)), {}, follow=True)
    assert "不能删除" in response.content.decode()
    assert Page.objects.filter(pk=lesson.pk).exists()
    bulk = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete")) + f"?id={course_page.pk}"
    response = client.post(bulk, {}, follow=True)
    assert "不能删除" in response.content.decode()
    assert Page.objects.filter(pk__in=[course_page.pk, lesson.pk]).count() == 2


def test_trainers_get_the_course_and_lesson_editors_with_the_article_chooser(review_setup, trainer, review_law, client):
    sign_in(client, trainer)
    course_page = cf.course(review_setup)
    for model, parent in (("coursepage", review_setup), ("lessonpage", course_page)):
        response = client.get(reverse("wagtailadmin_pages:add", args=("cms", model, parent.pk)))
        assert response.status_code == 200
    assert (
        "law_article_chooser"
        in client.get(reverse("wagtailadmin_pages:add", args=("cms", "lessonpage", course_page.pk))).content.decode()
    )
    response = client.get(reverse("law_article_chooser:choose"), {"q": "听证"})
    assert response.status_code == 200
    html = response.json()["html"]
    assert "第十条" in html and "旧版" not in html  # current versions only, unless asked
    response = client.get(reverse("law_article_chooser:choose_results"), {"q": "10", "all_versions": "on"})
    html = response.content.decode()
    assert "共有 2 个" in html and "旧版第十条" in html
