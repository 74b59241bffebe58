"""The whole-course review in the CMS: the editor's button, the submit and review pages, the dashboards."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cms.models import CoursePage, CourseSubmission
from cms.services.course_review import request_changes, submit_course
from cms.setup import ensure_workflow_and_permissions
from tests.auth import sign_in
from tests.cms import course_factories as cf
from tests.cms.course_review_helpers import draft_course, draft_lesson, edit_draft, lesson_body

#: Words of Wagtail's English (or Python's) that must not reach a Chinese page.
ENGLISH = re.compile(r"\b(None|True|False|Changes requested|Approved|In progress|Live|Fields|Changes)\b")


@pytest.fixture
def review_setup(db):
    ensure_workflow_and_permissions()
    return cf.catalogue()


def _course_form(course, **extra) -> dict:
    return nested_form_data(
        {
            "title": course.title,
            "slug": course.slug,
            "summary": "改过的课程简介",
            "category": "legal",
            "credit_hours": "2.0",
            "law_article_links": inline_formset([]),
            "comments": inline_formset([]),
            **extra,
        }
    )


def _main_text(html: str) -> str:
    main = html.split("<main", 1)[-1]
    main = re.sub(r"<script.*?</script>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


def test_the_editor_offers_the_whole_course_submit_and_no_single_page_one(review_setup, trainer, client):
    course, (lesson, _second) = draft_course(trainer)
    sign_in(client, trainer)
    pages = [
        reverse("wagtailadmin_pages:edit", args=[lesson.pk]),
        reverse("wagtailadmin_pages:edit", args=[course.pk]),
        reverse("wagtailadmin_pages:add", args=("cms", "coursepage", review_setup.pk)),
        reverse("wagtailadmin_pages:add", args=("cms", "lessonpage", course.pk)),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert 'name="action-submit-course"' in html, url
        assert 'name="action-submit"' not in html, url
        assert "提交整门课程审核" in html


def test_the_whole_course_button_saves_the_draft_and_opens_the_submit_page(review_setup, trainer, client):
    course, _lessons = draft_course(trainer)
    sign_in(client, trainer)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[course.pk]), {**_course_form(course), "action-submit-course": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("course_reviews:submit", args=[course.pk])
    assert CoursePage.objects.get(pk=course.pk).get_latest_revision_as_object().summary == "改过的课程简介"
    assert not CourseSubmission.objects.exists()  # submitting is the next page's button


def test_a_single_page_submit_of_a_course_is_refused_or_only_saves(review_setup, trainer, client):
    course, _lessons = draft_course(trainer)
    sign_in(client, trainer)
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "coursepage", review_setup.pk))
    new = _course_form(CoursePage(title="伪造单页提交", slug="forged"))
    response = client.post(add_url, {**new, "action-submit": "submit"}, follow=True)
    assert "不能单独提交" in response.content.decode()
    assert not CoursePage.objects.filter(title="伪造单页提交").exists()

    client.post(reverse("wagtailadmin_pages:edit", args=[course.pk]), {**_course_form(course), "action-submit": "1"})
    assert not WorkflowState.objects.filter(object_id=str(course.pk)).exists()
    assert CoursePage.objects.get(pk=course.pk).get_latest_revision_as_object().summary == "改过的课程简介"


def test_the_submit_page_lists_what_goes_to_review_and_submits_it(review_setup, trainer, client):
    course, lessons = draft_course(trainer)
    sign_in(client, trainer)
    url = reverse("course_reviews:submit", args=[lessons[0].pk])  # from a lesson: its course
    html = client.get(url).content.decode()
    for page in (course, *lessons):
        assert page.title in html
    assert html.count("新页面") >= 3 and "填写完整" in html

    response = client.post(url, {"note": "请审核"})
    submission = CourseSubmission.objects.get()
    assert response["Location"] == reverse("course_reviews:detail", args=[submission.pk])
    assert submission.items.count() == 3 and submission.note == "请审核"


def test_an_incomplete_lesson_blocks_the_submit_button(review_setup, trainer, client):
    course, (lesson, _second) = draft_course(trainer)
    edit_draft(lesson, trainer, body=lesson_body(check={**cf.CHECK, "answer": None}))
    sign_in(client, trainer)
    url = reverse("course_reviews:submit", args=[course.pk])
    html = client.get(url).content.decode()
    assert "正确选项" in html and "disabled" in html
    response = client.post(url, {"note": ""})
    assert "还没有填写完整" in response.content.decode()
    assert not CourseSubmission.objects.exists()


def test_the_reviewer_reads_each_changed_page_and_sends_the_course_back_once(
    review_setup, trainer, reviewer, client, django_assert_max_num_queries
):
    course, _lessons = cf.course_with_lessons(2)
    first, second = course.get_children().specific()
    edit_draft(first, trainer, body=lesson_body("新增的听证程序讲解"))
    new_lesson = draft_lesson(course, trainer, title="新增的第三课", text="第三课正文")
    submission = submit_course(course=course, user=trainer)

    sign_in(client, reviewer)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "待审核的课程" in dashboard and course.title in dashboard

    url = reverse("course_reviews:detail", args=[submission.pk])
    with django_assert_max_num_queries(40):
        response = client.get(url)
    html = response.content.decode()
    assert "新增的听证程序讲解" in html and "comparison__child-object addition" in html  # the change against live
    assert "第三课正文" in html and "新页面" in html  # a new lesson shown whole
    assert second.title not in html  # unchanged lessons are not in the review
    assert html.count('name="comment-') == 2 and "批准并发布" in html and "退回修改" in html
    assert not ENGLISH.search(_main_text(html)), ENGLISH.search(_main_text(html))

    response = client.post(
        url,
        {
            "decision": "request_changes",
            "comment": "整体结构清楚",
            f"comment-{first.pk}": "听证期限请引用第四十七条",
            f"comment-{new_lesson.pk}": "",
            f"seen-{first.pk}": str(first.live_revision_id),
            f"seen-{new_lesson.pk}": "",
        },
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.CHANGES_REQUESTED
    assert not Page.objects.get(pk=new_lesson.pk).live

    sign_in(client, trainer)
    with django_assert_max_num_queries(40):
        dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "我的课程审核" in dashboard and "需修改" in dashboard
    assert "整体结构清楚" in dashboard and "听证期限请引用第四十七条" in dashboard
    assert "Changes requested" not in dashboard
    detail = client.get(url).content.decode()
    assert "听证期限请引用第四十七条" in detail and "修改后重新提交" in detail and "批准并发布" not in detail


def test_the_reviewer_approves_through_the_page_and_everything_goes_live(review_setup, trainer, reviewer, client):
    course, lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)
    sign_in(client, reviewer)
    url = reverse("course_reviews:detail", args=[submission.pk])
    seen = {f"seen-{page.pk}": "" for page in (course, *lessons)}
    response = client.post(url, {"decision": "approve", "comment": "", **seen}, follow=True)
    assert "整门课程已一起发布" in response.content.decode()
    assert all(Page.objects.get(pk=p.pk).live for p in (course, *lessons))


def test_a_trainer_cannot_decide_through_the_page(review_setup, trainer, client):
    course, lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)
    sign_in(client, trainer)
    url = reverse("course_reviews:detail", args=[submission.pk])
    assert "批准并发布" not in client.get(url).content.decode()
    response = client.post(url, {"decision": "approve"})
    # The Wagtail admin answers a PermissionDenied with its home page and "no permission".
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert CourseSubmission.objects.get().is_pending
    assert not any(Page.objects.get(pk=p.pk).live for p in (course, *lessons))


def test_learners_and_hr_cannot_open_the_review_pages(review_setup, trainer, learner, hr_shache, client):
    course, _lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)
    for user in (learner, hr_shache):
        sign_in(client, user)
        for url in (
            reverse("course_reviews:index"),
            reverse("course_reviews:detail", args=[submission.pk]),
            reverse("course_reviews:submit", args=[course.pk]),
        ):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (user, url, response.status_code)
            assert course.title not in response.content.decode()


def test_a_request_that_would_overwrite_a_submitted_revision_is_refused(review_setup, trainer, client):
    course, _lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)
    pinned = submission.items.get(page=course.pk).revision
    sign_in(client, trainer)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[course.pk]),
        {**_course_form(course), "overwrite_revision_id": str(pinned.pk)},
        follow=True,
    )
    assert "已提交审核，不能覆盖" in response.content.decode()
    pinned.refresh_from_db()
    assert pinned.as_object().summary == "逐章学习《行政许可法》。"


def test_the_list_shows_rounds_with_chinese_statuses(
    review_setup, trainer, reviewer, client, django_assert_max_num_queries
):
    for n in range(3):
        course, _lessons = draft_course(trainer, title=f"课程{n}", lessons=1)
        submission = submit_course(course=course, user=trainer)
        if n == 0:
            request_changes(submission=submission, reviewer=reviewer, comment="请修改")
    sign_in(client, reviewer)
    with django_assert_max_num_queries(16):
        html = client.get(reverse("course_reviews:index") + "?status=").content.decode()
    assert html.count('data-status="pending"') == 2 and html.count('data-status="changes_requested"') == 1
    assert "待审核" in html and "需修改" in html
    assert not ENGLISH.search(_main_text(html))
    pending_only = client.get(reverse("course_reviews:index")).content.decode()  # a reviewer starts on 待审核
    assert "课程0" not in pending_only and "课程1" in pending_only


def test_the_review_names_hour_categories_and_audiences_instead_of_codes(review_setup, trainer, reviewer, client):
    from accounts.models import StaffCategory
    from cms.extensions import hour_categories

    names = dict(hour_categories())
    other = next(code for code in names if code != "legal")
    course = cf.course(title="分类与对象", categories=[StaffCategory.LEADER])
    edit_draft(course, trainer, category=other, audience_categories=[])
    submission = submit_course(course=course, user=trainer)
    sign_in(client, reviewer)
    text = _main_text(client.get(reverse("course_reviews:detail", args=[submission.pk])).content.decode())
    assert names["legal"] in text and names[other] in text
    assert "领导干部" in text and "不限" in text
    assert other not in re.findall(r"[a-z_]+", text)  # the code itself is not shown


def test_the_trainer_can_withdraw_through_the_page(review_setup, trainer, client):
    course, _lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)
    sign_in(client, trainer)
    response = client.post(reverse("course_reviews:withdraw", args=[submission.pk]), follow=True)
    assert "已撤回" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.WITHDRAWN
    html = client.get(reverse("course_reviews:detail", args=[submission.pk])).content.decode()
    assert "修改后重新提交" in html and "撤回提交" not in html


def test_wagtails_history_comparison_draws_yes_no_and_dates_in_chinese(review_setup, reviewer, client):
    import datetime as dt

    from django.utils import timezone

    course = cf.course(title="比较页")
    edit_draft(course, reviewer, show_in_menus=True, expire_at=timezone.now() + dt.timedelta(days=30))
    sign_in(client, reviewer)
    url = reverse("wagtailadmin_pages:revisions_compare", args=[course.pk, "live", "latest"])
    text = _main_text(client.get(url).content.decode())
    assert "否" in text and "是" in text and "未设置" in text
    assert not re.search(r"\b(True|False|None)\b", text)
