"""The whole-course review pages inside the Wagtail admin (课程审核): thin, the rules are in
``cms.services.course_review`` and ``cms.selectors.course_review``.

* ``SubmitCourseView`` — what a submission of this course would hold (and what is still
  missing), then "提交审核".
* ``SubmissionDetailView`` — one round: for the reviewer every changed page against
  what is live, a comment box per page and one overall, "批准并发布" or "退回修改"; for
  the trainer the decision with every comment, and "修改后重新提交".
* ``SubmissionIndexView`` — every round, filtered by status.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from accounts.help import can_read_help
from cms.models import CourseSubmission
from cms.selectors import course_review as selectors
from cms.services.course_review import (
    CourseReviewError,
    approve_submission,
    request_changes,
    submit_course,
    withdraw_submission,
)

PER_PAGE = 30
HELP_SLUG = "course-review"


def help_url_for(user) -> str:
    """The reviewer's guide (法制审核：课程审核), for those who may read the guides; "" for anyone else."""
    return reverse("help:page", args=[HELP_SLUG]) if can_read_help(user) else ""


def _breadcrumbs(*items) -> list[dict]:
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("首页")},
        {"url": reverse("course_reviews:index"), "label": _("课程审核")},
        *items,
    ]


class SubmissionIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cms/admin/course_reviews/index.html"
    page_title = gettext_lazy("课程审核")
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        return [{"url": reverse("wagtailadmin_home"), "label": _("首页")}, {"url": "", "label": _("课程审核")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        statuses = CourseSubmission.Status
        default = statuses.PENDING if selectors.reviews_courses(user) else ""
        status = self.request.GET.get("status", default)
        if status not in statuses.values:
            status = ""
        submissions = selectors.submissions_for(user)
        if status:
            submissions = submissions.filter(status=status)
        if status == statuses.PENDING:
            submissions = submissions.order_by("submitted_at", "pk")
        else:
            submissions = submissions.order_by("-submitted_at", "-pk")
        page = Paginator(submissions, PER_PAGE).get_page(self.request.GET.get("p"))
        context.update(
            {
                "submissions": page,
                "status": status,
                "tabs": [("", _("全部"))] + [(value, label) for value, label in statuses.choices],
                "help_url": help_url_for(user),
            }
        )
        return context


class SubmitCourseView(WagtailAdminTemplateMixin, TemplateView):
    """GET: what would be submitted; POST: submit it (the course of a course or lesson page)."""

    template_name = "cms/admin/course_reviews/submit.html"
    page_title = gettext_lazy("提交整门课程审核")
    header_icon = "resubmit"

    def dispatch(self, request, page_id):
        page = get_object_or_404(Page, pk=page_id)
        self.course = selectors.course_of(page)
        if self.course is None:
            raise Http404
        if not selectors.may_submit(request.user, self.course):
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_subtitle(self):
        return self.course.title

    def get_breadcrumbs_items(self):
        return _breadcrumbs({"url": "", "label": _("提交整门课程审核"), "sublabel": self.course.title})

    def post(self, request, page_id):
        try:
            submission = submit_course(course=self.course, user=request.user, note=request.POST.get("note", ""))
        except CourseReviewError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(error=error, note=request.POST.get("note", "")))
        messages.success(
            request,
            _("已提交“%(title)s”整门课程审核，共 %(count)s 个页面。审核通过后将一起发布。")
            % {"title": self.course.title, "count": submission.items.count()},
        )
        return redirect("course_reviews:detail", submission.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pages = selectors.changed_pages(self.course)
        rows = []
        for page in pages:
            draft = page.latest_revision.as_object() if page.latest_revision_id else page.specific
            rows.append(
                {
                    "page": page,
                    "title": draft.title,
                    "kind": page.specific_class._meta.verbose_name,
                    "is_new": not page.live,
                    "problems": selectors.page_problems(draft),
                }
            )
        latest = selectors.latest_submission(self.course)
        context.update(
            {
                "course": self.course,
                "rows": rows,
                "blocked": any(row["problems"] for row in rows),
                "pending": latest if latest is not None and latest.is_pending else None,
                "sent_back": latest
                if latest is not None and latest.status == CourseSubmission.Status.CHANGES_REQUESTED
                else None,
                "note": kwargs.get("note", ""),
                "explore_url": reverse("wagtailadmin_explore", args=[self.course.pk]),
            }
        )
        if context["sent_back"] is not None:
            context["sent_back_items"] = list(
                context["sent_back"].items.exclude(comment="").select_related("page").order_by("page__path")
            )
        return context


class SubmissionDetailView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cms/admin/course_reviews/detail.html"
    page_title = gettext_lazy("课程审核")
    header_icon = "tasks"

    def dispatch(self, request, pk):
        self.submission = get_object_or_404(selectors.submissions_for(request.user), pk=pk)
        return super().dispatch(request, pk)

    @cached_property
    def item_pages(self):
        return list(Page.objects.filter(course_submission_items__submission=self.submission))

    @cached_property
    def can_decide(self) -> bool:
        return self.submission.is_pending and selectors.may_review(
            self.request.user, [self.submission.course, *self.item_pages]
        )

    def get_page_subtitle(self):
        return self.submission.course.title

    def get_breadcrumbs_items(self):
        return _breadcrumbs({"url": "", "label": self.submission.course.title})

    def post(self, request, pk):
        decision = request.POST.get("decision")
        if decision not in ("approve", "request_changes"):
            messages.error(request, _("请选择“批准并发布”或“退回修改”。"))
            return self.render_to_response(self.get_context_data(posted=request.POST))
        if not self.can_decide:
            raise PermissionDenied
        page_comments = {
            key.removeprefix("comment-"): value for key, value in request.POST.items() if key.startswith("comment-")
        }
        try:
            if decision == "approve":
                seen = {
                    key.removeprefix("seen-"): value or None
                    for key, value in request.POST.items()
                    if key.startswith("seen-")
                }
                approve_submission(
                    submission=self.submission,
                    reviewer=request.user,
                    comment=request.POST.get("comment", ""),
                    page_comments=page_comments,
                    seen_live=seen,
                )
                messages.success(
                    request, _("已批准“%(title)s”，整门课程已一起发布。") % {"title": self.submission.course.title}
                )
            else:
                request_changes(
                    submission=self.submission,
                    reviewer=request.user,
                    comment=request.POST.get("comment", ""),
                    page_comments=page_comments,
                )
                messages.success(
                    request,
                    _("已退回“%(title)s”，培训管理员会在工作台看到您的意见。")
                    % {"title": self.submission.course.title},
                )
        except CourseReviewError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(posted=request.POST, error=error))
        return redirect("course_reviews:detail", self.submission.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.submission
        user = self.request.user
        posted = kwargs.get("posted") or {}
        pages = selectors.review_pages(submission, request=self.request)
        for shown in pages:
            shown.posted_comment = posted.get(f"comment-{shown.page.pk}", "")
        latest = selectors.latest_submission(submission.course)
        may_submit = selectors.may_submit(user, submission.course)
        context.update(
            {
                "submission": submission,
                "course": submission.course,
                "pages": pages,
                "can_decide": self.can_decide,
                "can_withdraw": submission.is_pending and may_submit,
                "can_resubmit": may_submit
                and latest is not None
                and latest.pk == submission.pk
                and submission.status in (CourseSubmission.Status.CHANGES_REQUESTED, CourseSubmission.Status.WITHDRAWN),
                "newer": latest if latest is not None and latest.pk != submission.pk else None,
                "posted_comment": posted.get("comment", ""),
                "anything_moved": any(p.live_changed for p in pages),
                "help_url": help_url_for(user),
            }
        )
        return context


class WithdrawSubmissionView(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        submission = get_object_or_404(selectors.submissions_for(request.user), pk=pk)
        try:
            withdraw_submission(submission=submission, user=request.user)
        except CourseReviewError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已撤回“%(title)s”的审核提交。") % {"title": submission.course.title})
        return redirect("course_reviews:detail", submission.pk)
