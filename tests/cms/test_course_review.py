"""A course is reviewed as a whole: submitted once with its changed lessons, decided once, published together."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from wagtail.models import Page, WorkflowState
from wagtail.signals import page_published

from cms.models import CoursePage, CourseSubmission, LessonPage
from cms.selectors import course_review as selectors
from cms.services.course_review import (
    CourseReviewError,
    approve_submission,
    request_changes,
    submit_course,
    withdraw_submission,
)
from cms.setup import ensure_workflow_and_permissions
from notifications.models import Notification
from tests.cms import course_factories as cf
from tests.cms.course_review_helpers import body_text, draft_course, draft_lesson, edit_draft, lesson_body


@pytest.fixture
def review_setup(db):
    ensure_workflow_and_permissions()
    return cf.catalogue()


@pytest.fixture
def course_with_lessons(review_setup, trainer):
    return draft_course(trainer)


def _request(user):
    request = RequestFactory().get("/cms/")
    request.user = user
    return request


def _live(*pages) -> list[bool]:
    return [Page.objects.get(pk=page.pk).live for page in pages]


# --- submitting ----------------------------------------------------------------------------


def test_a_course_and_its_lessons_are_submitted_once_as_one_review(course_with_lessons, trainer, reviewer):
    course, lessons = course_with_lessons

    submission = submit_course(course=course, user=trainer, note="新课程，请审核")

    assert CourseSubmission.objects.count() == 1
    assert submission.status == CourseSubmission.Status.PENDING
    items = list(submission.items.order_by("page__path"))
    assert [item.page_id for item in items] == [course.pk, lessons[0].pk, lessons[1].pk]
    assert all(item.is_new for item in items)
    assert _live(course, *lessons) == [False, False, False]
    # No per-page Wagtail workflow was started for any of them.
    assert not WorkflowState.objects.filter(object_id__in=[str(p.pk) for p in (course, *lessons)]).exists()
    message = Notification.objects.get(user=reviewer)
    assert "待审核" in message.title and course.title in message.title
    assert message.url == f"/cms/course-reviews/{submission.pk}/"


def test_only_lessons_that_changed_are_submitted_with_a_live_course(review_setup, trainer):
    course, (first, second) = cf.course_with_lessons(2)
    edit_draft(first, trainer, body=lesson_body("改过的正文"))

    submission = submit_course(course=course, user=trainer)

    assert list(submission.items.values_list("page_id", "is_new")) == [(first.pk, False)]


def test_a_course_without_changes_is_not_submitted(review_setup, trainer):
    course, _lessons = cf.course_with_lessons(1)
    with pytest.raises(CourseReviewError) as error:
        submit_course(course=course, user=trainer)
    assert "没有需要审核的修改" in error.value.message
    assert not CourseSubmission.objects.exists()


def test_an_incomplete_lesson_is_refused_naming_the_lesson_and_the_field(review_setup, trainer):
    course, _lessons = draft_course(trainer, lessons=1)
    draft_lesson(course, trainer, title="缺答案的课", check={**cf.CHECK, "answer": None})

    with pytest.raises(CourseReviewError) as error:
        submit_course(course=course, user=trainer)

    assert any("缺答案的课" in line and "正确选项" in line for line in error.value.problems), error.value.problems
    assert not CourseSubmission.objects.exists()


def test_a_scheduled_page_is_refused(review_setup, trainer):
    import datetime as dt

    from django.utils import timezone

    course, (lesson,) = draft_course(trainer, lessons=1)
    edit_draft(lesson, trainer, go_live_at=timezone.now() + dt.timedelta(days=3))
    with pytest.raises(CourseReviewError) as error:
        submit_course(course=course, user=trainer)
    assert lesson.title in error.value.message and "定时" in error.value.message


def test_a_second_submission_replaces_the_pending_one(course_with_lessons, trainer):
    course, _lessons = course_with_lessons
    first = submit_course(course=course, user=trainer)
    second = submit_course(course=course, user=trainer)
    first.refresh_from_db()
    assert first.status == CourseSubmission.Status.WITHDRAWN
    assert second.status == CourseSubmission.Status.PENDING
    assert CourseSubmission.objects.filter(status=CourseSubmission.Status.PENDING).count() == 1


def test_the_trainer_can_withdraw_a_pending_submission(course_with_lessons, trainer, reviewer):
    course, _lessons = course_with_lessons
    submission = submit_course(course=course, user=trainer)
    withdraw_submission(submission=submission, user=trainer)
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.WITHDRAWN
    with pytest.raises(CourseReviewError):
        approve_submission(submission=submission, reviewer=reviewer)
    assert _live(course) == [False]


# --- sending back --------------------------------------------------------------------------


def test_changes_requested_publish_nothing_and_the_trainer_sees_each_comment(course_with_lessons, trainer, reviewer):
    course, (first, second) = course_with_lessons
    submission = submit_course(course=course, user=trainer)

    request_changes(
        submission=submission,
        reviewer=reviewer,
        comment="请补充法条引用",
        page_comments={str(first.pk): "第一课的案例需更新", str(second.pk): ""},
    )

    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.CHANGES_REQUESTED
    assert submission.get_status_display() == "需修改"
    assert submission.decided_by == reviewer
    assert _live(course, first, second) == [False, False, False]
    (open_one,) = selectors.my_open_submissions(trainer)
    assert open_one.pk == submission.pk and open_one.comment == "请补充法条引用"
    assert [(item.page_id, item.comment) for item in open_one.commented_items] == [(first.pk, "第一课的案例需更新")]
    message = Notification.objects.get(user=trainer)
    assert "需修改" in message.title


def test_sending_back_without_a_comment_is_refused_and_changes_nothing(course_with_lessons, trainer, reviewer):
    course, _lessons = course_with_lessons
    submission = submit_course(course=course, user=trainer)
    with pytest.raises(CourseReviewError) as error:
        request_changes(submission=submission, reviewer=reviewer, comment="  ", page_comments={})
    assert "至少填写一条" in error.value.message
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.PENDING


def test_a_comment_for_a_page_outside_the_submission_is_refused(course_with_lessons, trainer, reviewer):
    course, _lessons = course_with_lessons
    submission = submit_course(course=course, user=trainer)
    other = cf.course()
    with pytest.raises(CourseReviewError):
        request_changes(submission=submission, reviewer=reviewer, page_comments={str(other.pk): "x"})
    with pytest.raises(CourseReviewError):
        request_changes(submission=submission, reviewer=reviewer, comment="x" * 4001)
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.PENDING


def test_a_resubmission_is_a_new_round_that_shows_the_last_comments(course_with_lessons, trainer, reviewer):
    course, (first, second) = course_with_lessons
    round_one = submit_course(course=course, user=trainer)
    request_changes(submission=round_one, reviewer=reviewer, page_comments={str(first.pk): "请改写第一段"})
    edit_draft(first, trainer, body=lesson_body("改写后的第一段"))

    round_two = submit_course(course=course, user=trainer)

    round_one.refresh_from_db()
    assert round_one.status == CourseSubmission.Status.CHANGES_REQUESTED  # kept as history
    assert [s.pk for s in selectors.my_open_submissions(trainer)] == [round_two.pk]
    assert selectors.previous_round(round_two) == round_one
    shown = {p.page.pk: p for p in selectors.review_pages(round_two, request=_request(reviewer))}
    assert shown[first.pk].previous_comment == "请改写第一段"
    assert [c.comparison.field_label() for c in shown[first.pk].since_previous] == ["正文"]
    assert shown[second.pk].has_previous and not shown[second.pk].since_previous


# --- approving -----------------------------------------------------------------------------


def test_approval_publishes_the_course_and_its_lessons_together(
    course_with_lessons, trainer, reviewer, learner, client_for
):
    course, lessons = course_with_lessons
    submission = submit_course(course=course, user=trainer)
    published = []

    def _record(sender, instance, **kwargs):
        published.append(instance.pk)

    for model in (CoursePage, LessonPage):
        page_published.connect(_record, sender=model, dispatch_uid=f"test_order_{model.__name__}")
    try:
        approve_submission(submission=submission, reviewer=reviewer, comment="内容准确")
    finally:
        for model in (CoursePage, LessonPage):
            page_published.disconnect(sender=model, dispatch_uid=f"test_order_{model.__name__}")

    assert published == [course.pk, lessons[0].pk, lessons[1].pk]  # never a lesson before its course
    assert _live(course, *lessons) == [True, True, True]
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.APPROVED
    assert submission.get_status_display() == "已通过"
    client = client_for(learner)
    assert course.title in client.get(cf.catalogue().url).content.decode()
    assert client.get(Page.objects.get(pk=lessons[1].pk).url).status_code == 200
    assert "审核通过" in Notification.objects.get(user=trainer).title


def test_approval_is_one_transaction(course_with_lessons, trainer, reviewer):
    course, (first, second) = course_with_lessons
    submission = submit_course(course=course, user=trainer)

    def _fail_on_second(sender, instance, **kwargs):
        if instance.pk == second.pk:
            raise RuntimeError("publishing the second lesson failed")

    page_published.connect(_fail_on_second, sender=LessonPage, dispatch_uid="test_fail_second")
    try:
        with pytest.raises(RuntimeError):
            approve_submission(submission=submission, reviewer=reviewer)
    finally:
        page_published.disconnect(sender=LessonPage, dispatch_uid="test_fail_second")

    assert _live(course, first, second) == [False, False, False]
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.PENDING


def test_an_edit_after_submission_is_not_what_goes_live(review_setup, trainer, reviewer):
    course, (lesson,) = cf.course_with_lessons(1)
    edit_draft(lesson, trainer, body=lesson_body("提交审核的版本"))
    submission = submit_course(course=course, user=trainer)
    later = edit_draft(lesson, trainer, body=lesson_body("提交之后又改的版本"))

    shown = selectors.review_pages(submission, request=_request(reviewer))
    assert shown[0].edited_since
    approve_submission(submission=submission, reviewer=reviewer)

    live = LessonPage.objects.get(pk=lesson.pk)
    assert "提交审核的版本" in body_text(live) and "又改" not in body_text(live)
    assert live.has_unpublished_changes and live.latest_revision_id == later.pk
    # The newer draft is still the trainer's, to submit next time.
    assert list(selectors.changed_pages(course)) == [Page.objects.get(pk=lesson.pk)]


def test_the_submitted_revision_is_a_snapshot_the_editor_cannot_overwrite(review_setup, trainer):
    course, (lesson,) = cf.course_with_lessons(1)
    autosaved = edit_draft(lesson, trainer, body=lesson_body("自动保存的版本"))
    submission = submit_course(course=course, user=trainer)
    pinned = submission.items.get().revision
    assert pinned.pk != autosaved.pk
    assert selectors.is_pinned_revision(pinned.pk) and not selectors.is_pinned_revision(autosaved.pk)
    # A stale editor tab overwrites what it autosaved last: Wagtail refuses, as it is no longer the latest.
    from django.core.exceptions import PermissionDenied

    draft = LessonPage.objects.get(pk=lesson.pk).get_latest_revision_as_object()
    draft.body = lesson_body("旧标签页的修改")
    with pytest.raises(PermissionDenied):
        draft.save_revision(user=trainer, overwrite_revision=autosaved)
    pinned.refresh_from_db()
    assert "自动保存的版本" in body_text(pinned.as_object())


def test_approval_is_refused_when_what_is_live_changed_after_the_reviewer_looked(review_setup, trainer, reviewer):
    course, (lesson,) = cf.course_with_lessons(1)
    edit_draft(lesson, trainer, body=lesson_body("待审核"))
    submission = submit_course(course=course, user=trainer)
    seen = {p.page.pk: p.live_revision_id for p in selectors.review_pages(submission, request=_request(reviewer))}
    # Meanwhile another reviewer publishes a correction of the live lesson directly.
    fixed = edit_draft(lesson, reviewer, title="直接发布的更正")
    fixed.publish(user=reviewer)

    with pytest.raises(CourseReviewError) as error:
        approve_submission(submission=submission, reviewer=reviewer, seen_live=seen)

    assert "直接发布的更正" in error.value.message
    assert LessonPage.objects.get(pk=lesson.pk).title == "直接发布的更正"
    submission.refresh_from_db()
    assert submission.is_pending


def test_lessons_never_go_live_without_their_course(review_setup, trainer, reviewer):
    course, (lesson,) = cf.course_with_lessons(1)
    edit_draft(lesson, trainer, body=lesson_body("新正文"))
    submission = submit_course(course=course, user=trainer)
    course.unpublish(user=reviewer)

    with pytest.raises(CourseReviewError) as error:
        approve_submission(submission=submission, reviewer=reviewer)
    assert "已下线" in error.value.message


# --- who may ------------------------------------------------------------------------------


def test_a_trainer_cannot_approve_or_send_back(course_with_lessons, trainer):
    course, lessons = course_with_lessons
    submission = submit_course(course=course, user=trainer)
    with pytest.raises(CourseReviewError) as error:
        approve_submission(submission=submission, reviewer=trainer)
    assert "发布权限" in error.value.message
    with pytest.raises(CourseReviewError):
        request_changes(submission=submission, reviewer=trainer, comment="自己退回")
    submission.refresh_from_db()
    assert submission.is_pending and _live(course, *lessons) == [False, False, False]


def test_trainers_cannot_publish_course_pages_and_reviewers_can(course_with_lessons, trainer, reviewer):
    course, (lesson, _second) = course_with_lessons
    for page in (course, lesson):
        assert page.permissions_for_user(trainer).can_edit()
        assert not page.permissions_for_user(trainer).can_publish()
        assert not page.permissions_for_user(trainer).can_submit_for_moderation()  # no single-page review
        assert page.permissions_for_user(reviewer).can_publish()
    assert not selectors.reviews_courses(trainer) and selectors.reviews_courses(reviewer)
    assert list(selectors.course_reviewers(course)) == [reviewer]


def test_learners_see_nothing_of_the_course_until_it_is_approved(
    course_with_lessons, trainer, reviewer, learner, client_for
):
    course, lessons = course_with_lessons
    client = client_for(learner)
    submission = submit_course(course=course, user=trainer)
    request_changes(submission=submission, reviewer=reviewer, comment="请修改")
    submission = submit_course(course=course, user=trainer)
    for page in (course, *lessons):
        assert client.get(Page.objects.get(pk=page.pk).url).status_code == 404
    assert course.title not in client.get(cf.catalogue().url).content.decode()
    from cms.course_search import visible_course_ids

    assert course.pk not in set(visible_course_ids(learner))
    approve_submission(submission=submission, reviewer=reviewer)
    for page in (course, *lessons):
        assert client.get(Page.objects.get(pk=page.pk).url).status_code == 200
