"""Writes of the whole-course review (整门课程审核): submit a course once, approve or send it back once.

* ``submit_course``: the course page and every lesson that changed (never published, or
  edited since) are checked complete, and each gets a *snapshot* revision of its latest
  draft, which the submission pins. Nobody edits a snapshot afterwards (the editor's
  autosave only overwrites a revision it made itself, and ``cms.course_admin`` refuses
  a request that names a pinned one), so what the reviewer reads is what an approval
  publishes, whatever the trainer saves meanwhile. A new submission replaces a pending
  one of the same course.
* ``approve_submission``: publishes every pinned revision in one transaction, the
  course first, so learners see the whole course or none of it, and a lesson never goes
  live before its course. It refuses when what is live changed after the reviewer
  opened the review (``seen_live``).
* ``request_changes``: publishes nothing; the comments (overall and per page) go to the
  trainer, who edits and submits again (a new round).

Trainers cannot publish (``cms/setup.py`` grants them add and edit only); deciding
needs the publish permission on every page of the submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page

from cms.models import CoursePage, CourseSubmission, CourseSubmissionItem
from cms.notifications import COURSE_REVIEW_APPROVED, COURSE_REVIEW_CHANGES, COURSE_REVIEW_SUBMITTED
from cms.selectors.course_review import (
    changed_pages,
    course_reviewers,
    may_review,
    may_submit,
    page_problems,
)
from notifications.services.events import send_event

if TYPE_CHECKING:
    from accounts.models import User

#: Wagtail log actions (the page history), registered with their Chinese labels in ``cms/wagtail_hooks.py``.
SUBMIT_ACTION = "cms.course_review.submit"
REQUEST_CHANGES_ACTION = "cms.course_review.request_changes"
NOTE_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 4000


class CourseReviewError(Exception):
    """A submission or decision that cannot be made, with a message for the person who tried (and details)."""

    def __init__(self, message: str, *, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def _detail_url(submission: CourseSubmission) -> str:
    return reverse("course_reviews:detail", args=[submission.pk])


def _clean_text(value, *, limit: int, label: str) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise CourseReviewError(_("%(label)s含有无效字符。") % {"label": label})
    if len(text) > limit:
        raise CourseReviewError(
            _("%(label)s最多 %(limit)s 个字，现在有 %(count)s 个字。")
            % {"label": label, "limit": limit, "count": len(text)}
        )
    return text


def _kind(page) -> str:
    return str(page.specific_class._meta.verbose_name)


# --- submit --------------------------------------------------------------------------------


def _draft_of(page: Page, user) -> Page:
    """The page as its latest draft says (a page made without a revision gets one from what its row holds)."""
    revision = page.latest_revision or page.specific.save_revision(user=user, clean=False)
    return revision.as_object()


@transaction.atomic
def submit_course(*, course: CoursePage, user: User, note: str = "") -> CourseSubmission:
    """Submit the course with every lesson that changed, once; returns the new pending submission."""
    course = CoursePage.objects.select_for_update().get(pk=course.pk)
    if not may_submit(user, course):
        raise CourseReviewError(_("您没有提交“%(title)s”审核的权限。") % {"title": course.title})
    note = _clean_text(note, limit=NOTE_MAX_CHARS, label=_("提交说明"))
    pages = changed_pages(course)
    if not pages:
        raise CourseReviewError(
            _("“%(title)s”及其课时没有需要审核的修改：线上内容已是最新。") % {"title": course.title}
        )
    not_editable = [page.title for page in pages if not page.permissions_for_user(user).can_edit()]
    if not_editable:
        raise CourseReviewError(
            _("您没有编辑以下页面的权限，不能提交：%(titles)s") % {"titles": "、".join(not_editable)}
        )
    drafts = [(page, _draft_of(page, user)) for page in pages]
    problems = []
    for page, draft in drafts:
        problems += [f"{_kind(page)}“{draft.title}”：{line}" for line in page_problems(draft)]
    if problems:
        raise CourseReviewError(_("以下内容还没有填写完整，请修改后再提交："), problems=problems)
    now = timezone.now()
    scheduled = [draft.title for _page, draft in drafts if draft.go_live_at and draft.go_live_at > now]
    if scheduled:
        raise CourseReviewError(
            _("整门课程审核通过后立即一起发布，不能定时发布。请先清除以下页面的“上线日期/时间”：%(titles)s")
            % {"titles": "、".join(scheduled)}
        )

    CourseSubmission.objects.filter(course=course, status=CourseSubmission.Status.PENDING).update(
        status=CourseSubmission.Status.WITHDRAWN, decided_by=user, decided_at=now
    )
    submission = CourseSubmission.objects.create(course=course, submitted_by=user, submitted_at=now, note=note)
    items = []
    for page, draft in drafts:
        snapshot = draft.save_revision(user=user, clean=False, log_action=SUBMIT_ACTION)
        items.append(
            CourseSubmissionItem(
                submission=submission,
                page_id=page.pk,
                revision=snapshot,
                live_revision_id=page.live_revision_id,
                is_new=not page.live,
            )
        )
    CourseSubmissionItem.objects.bulk_create(items)

    send_event(
        COURSE_REVIEW_SUBMITTED,
        [reviewer for reviewer in course_reviewers(course) if reviewer.pk != user.pk],
        context={
            "title": course.title,
            "name": user.get_full_name() or user.get_username(),
            "count": len(items),
            "note": note,
        },
        url=_detail_url(submission),
        dedupe_key=f"course_review:{submission.pk}:submitted",
    )
    return submission


# --- decide --------------------------------------------------------------------------------


def _locked(submission: CourseSubmission) -> tuple[CourseSubmission, list[CourseSubmissionItem], dict[int, Page]]:
    """The submission, its items (course first) and their pages, locked for the decision."""
    submission = (
        CourseSubmission.objects.select_for_update(of=("self",))
        .select_related("course", "submitted_by")
        .get(pk=submission.pk)
    )
    if submission.status != CourseSubmission.Status.PENDING:
        raise CourseReviewError(
            _("这次提交已经处理过了（%(status)s），不能再审核。") % {"status": submission.get_status_display()}
        )
    items = list(submission.items.select_related("revision").order_by("page__path"))
    pages = Page.objects.select_for_update().in_bulk([item.page_id for item in items])
    return submission, items, pages


def _require_reviewer(user, submission: CourseSubmission, pages: dict[int, Page]) -> None:
    if not may_review(user, [submission.course, *pages.values()]):
        raise CourseReviewError(
            _("您没有审核“%(title)s”的权限：审核需要发布权限。") % {"title": submission.course.title}
        )


def _comments_by_item(items, page_comments: Mapping | None) -> dict[int, str]:
    """The reviewer's comment per page (keyed by page id), checked; a page outside the submission is refused."""
    page_comments = dict(page_comments or {})
    by_page = {item.page_id: item for item in items}
    unknown = [key for key in page_comments if _as_int(key) not in by_page]
    if unknown:
        raise CourseReviewError(_("意见所针对的页面不在这次提交中，请刷新页面后重试。"))
    comments = {}
    for key, text in page_comments.items():
        item = by_page[_as_int(key)]
        comments[item.pk] = _clean_text(
            text, limit=COMMENT_MAX_CHARS, label=_("对“%(title)s”的意见") % {"title": item.revision.object_str}
        )
    return comments


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _save_decision(submission, items, *, status, reviewer, comment: str, comments: dict[int, str]) -> None:
    submission.status = status
    submission.decided_by = reviewer
    submission.decided_at = timezone.now()
    submission.comment = comment
    submission.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    for item in items:
        item.comment = comments.get(item.pk, "")
    CourseSubmissionItem.objects.bulk_update(items, ["comment"])


@transaction.atomic
def approve_submission(
    *,
    submission: CourseSubmission,
    reviewer: User,
    comment: str = "",
    page_comments: Mapping | None = None,
    seen_live: Mapping | None = None,
) -> CourseSubmission:
    """Publish every page of the submission together, as submitted.

    ``seen_live`` maps each page id to the live revision id the reviewer compared against
    (``None`` for a page that was not live); when given, a page whose live version changed
    since is a refusal, so nothing the reviewer did not see goes out.
    """
    submission, items, pages = _locked(submission)
    _require_reviewer(reviewer, submission, pages)
    comment = _clean_text(comment, limit=COMMENT_MAX_CHARS, label=_("总体意见"))
    comments = _comments_by_item(items, page_comments)
    if seen_live is not None:
        seen = {_as_int(key): _as_int(value) for key, value in seen_live.items()}
        moved = [
            pages[item.page_id].title
            for item in items
            if seen.get(item.page_id, -1) != pages[item.page_id].live_revision_id
        ]
        if moved:
            raise CourseReviewError(
                _("您打开审核页面后，以下页面的线上版本又有变化，请重新查看后再决定：%(titles)s")
                % {"titles": "、".join(moved)}
            )
    course = submission.course
    if course.pk not in pages and not Page.objects.filter(pk=course.pk, live=True).exists():
        raise CourseReviewError(
            _("课程“%(title)s”已下线，课时不能先于课程发布。请培训管理员重新提交整门课程。") % {"title": course.title}
        )

    for item in items:  # ordered by tree path: the course before its lessons
        item.revision.publish(user=reviewer)
    _save_decision(
        submission,
        items,
        status=CourseSubmission.Status.APPROVED,
        reviewer=reviewer,
        comment=comment,
        comments=comments,
    )
    if submission.submitted_by_id:
        send_event(
            COURSE_REVIEW_APPROVED,
            [submission.submitted_by],
            context={"title": course.title, "reviewer": reviewer.full_name, "comment": comment},
            url=_detail_url(submission),
            dedupe_key=f"course_review:{submission.pk}:decided",
        )
    return submission


@transaction.atomic
def request_changes(
    *,
    submission: CourseSubmission,
    reviewer: User,
    comment: str = "",
    page_comments: Mapping | None = None,
) -> CourseSubmission:
    """Send the course back with the reviewer's comments; nothing is published."""
    submission, items, pages = _locked(submission)
    _require_reviewer(reviewer, submission, pages)
    comment = _clean_text(comment, limit=COMMENT_MAX_CHARS, label=_("总体意见"))
    comments = _comments_by_item(items, page_comments)
    if not comment and not any(comments.values()):
        raise CourseReviewError(_("请写下需要修改的地方：总体意见或某一页的意见至少填写一条。"))
    _save_decision(
        submission,
        items,
        status=CourseSubmission.Status.CHANGES_REQUESTED,
        reviewer=reviewer,
        comment=comment,
        comments=comments,
    )
    for item in items:
        page = pages[item.page_id]
        log(
            instance=page.specific,
            action=REQUEST_CHANGES_ACTION,
            user=reviewer,
            revision=item.revision,
            data={"comment": comments.get(item.pk) or comment},
        )
    if submission.submitted_by_id:
        send_event(
            COURSE_REVIEW_CHANGES,
            [submission.submitted_by],
            context={"title": submission.course.title, "reviewer": reviewer.full_name, "comment": comment},
            url=_detail_url(submission),
            dedupe_key=f"course_review:{submission.pk}:decided",
        )
    return submission


@transaction.atomic
def withdraw_submission(*, submission: CourseSubmission, user: User) -> CourseSubmission:
    """Take a pending submission back (to change something before the reviewer gets to it)."""
    submission = CourseSubmission.objects.select_for_update(of=("self",)).select_related("course").get(pk=submission.pk)
    if submission.status != CourseSubmission.Status.PENDING:
        raise CourseReviewError(
            _("这次提交已经处理过了（%(status)s），不能撤回。") % {"status": submission.get_status_display()}
        )
    if not may_submit(user, submission.course):
        raise CourseReviewError(_("您没有撤回这次提交的权限。"))
    submission.status = CourseSubmission.Status.WITHDRAWN
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "decided_by", "decided_at"])
    return submission
