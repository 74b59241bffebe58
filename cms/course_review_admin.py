"""Wagtail admin glue of the whole-course review (整门课程审核), registered from ``cms/wagtail_hooks.py``.

* The admin pages (``CourseReviewViewSet``, menu "课程审核"): the list, a submission,
  the submit page (``cms.views.course_review``).
* "提交整门课程审核" wherever a trainer works on a course: the editor's action menu
  (it saves the draft, then opens the submit page), the page header of a course or
  lesson and a course's row in the explorer.
* Wagtail's own per-page "提交审核" is not offered for courses and lessons
  (``ReviewedWithItsCourseMixin`` switches their workflow off); creating a course
  under the catalogue, which keeps the workflow for itself, drops that button here,
  and a request that still asks for it is refused.
* A request that would overwrite a revision a submission holds is refused.
* The CMS dashboard: the reviewer's queue and the trainer's courses under review
  or sent back, with the reviewer's comments.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter

from cms.models.courses import CourseIndexPage, CoursePage, ReviewedWithItsCourseMixin
from cms.selectors import course_review as selectors
from cms.services.course_review import REQUEST_CHANGES_ACTION, SUBMIT_ACTION
from cms.views import course_review as views

SUBMIT_COURSE = "action-submit-course"
SUBMIT_LABEL = gettext_lazy("提交整门课程审核")
DASHBOARD_ROWS = 10


def _in_course(page_class) -> bool:
    return issubclass(page_class, ReviewedWithItsCourseMixin)


def _submit_url(page) -> str:
    return reverse("course_reviews:submit", args=[page.pk])


# --- the admin pages -----------------------------------------------------------------------


class CourseReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.page_permissions.user_has_any_permission(request.user, {"add", "change", "publish"})


class CourseReviewViewSet(ViewSet):
    name = "course_reviews"
    url_prefix = "course-reviews"
    icon = "tasks"
    menu_label = gettext_lazy("课程审核")
    menu_order = 150
    add_to_admin_menu = True
    menu_item_class = CourseReviewMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.SubmissionIndexView.as_view(), name="index"),
            path("<int:pk>/", views.SubmissionDetailView.as_view(), name="detail"),
            path("<int:pk>/withdraw/", views.WithdrawSubmissionView.as_view(), name="withdraw"),
            path("submit/<int:page_id>/", views.SubmitCourseView.as_view(), name="submit"),
        ]


def register_viewset():
    return CourseReviewViewSet()


# --- "提交整门课程审核" in the editor, the header and the explorer ----------------------------


class SubmitCourseMenuItem(ActionMenuItem):
    """Saves the draft (a plain "save" for Wagtail), then ``after_edit_page`` opens the submit page."""

    name = SUBMIT_COURSE
    label = SUBMIT_LABEL
    icon_name = "resubmit"
    order = 60

    def is_shown(self, context):
        if context["view"] == "create":
            return isinstance(context["parent_page"].specific, (CourseIndexPage, CoursePage))
        if context["view"] != "edit" or context["locked_for_user"]:
            return False
        page = context["page"]
        return _in_course(page.specific_class) and self.get_user_page_permissions_tester(context).can_edit()


def register_action_menu_item():
    return SubmitCourseMenuItem()


def drop_single_page_submit(menu_items, request, context):
    """Creating a course under the catalogue: Wagtail offers the catalogue's per-page workflow; courses do not use it."""
    parent = context.get("parent_page")
    page = context.get("page")
    in_course = (
        isinstance(parent.specific, (CourseIndexPage, CoursePage))
        if context.get("view") == "create" and parent is not None
        else page is not None and _in_course(page.specific_class)
    )
    if in_course:
        menu_items[:] = [item for item in menu_items if item.name != "action-submit"]


def open_submit_page(request, page):
    """After the editor saved a draft through "提交整门课程审核": the submit page of its course."""
    if request.method == "POST" and request.POST.get(SUBMIT_COURSE) and _in_course(page.specific_class):
        return redirect(_submit_url(page))
    return None


def refuse_single_page_submit(request, parent_page, page_class):
    """A per-page "提交审核" of a new course or lesson (only a forged or stale form still sends it)."""
    if request.method == "POST" and request.POST.get("action-submit") and _in_course(page_class):
        messages.error(
            request, _("课程和课时须连同整门课程一起提交审核，不能单独提交。请保存草稿后使用“提交整门课程审核”。")
        )
        return redirect(request.get_full_path())
    return None


def keep_submitted_revisions(request, page):
    """Autosave overwrites the revision it made last; never one a submission holds (what the reviewer reads)."""
    if request.method == "POST" and selectors.is_pinned_revision(request.POST.get("overwrite_revision_id")):
        messages.error(request, _("这一版本已提交审核，不能覆盖。请重新打开页面后再修改，修改会保存为新的草稿。"))
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


def header_buttons(page, user, view_name, next_url=None):
    if _in_course(page.specific_class) and page.permissions_for_user(user).can_edit():
        yield Button(SUBMIT_LABEL, url=_submit_url(page), icon_name="resubmit", priority=40)


def listing_more_buttons(page, user, next_url=None):
    if page.specific_class is CoursePage and page.permissions_for_user(user).can_edit():
        yield Button(SUBMIT_LABEL, url=_submit_url(page), icon_name="resubmit", priority=45)


class RequestChangesFormatter(LogFormatter):
    """The page history shows the reviewer's comment on the page under "整门课程审核退回修改"."""

    label = gettext_lazy("整门课程审核：退回修改")
    message = gettext_lazy("整门课程审核退回修改")

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("comment", "")


def register_log_actions(actions):
    actions.register_action(SUBMIT_ACTION, _("提交整门课程审核"), _("提交整门课程审核"))
    actions.register_action(REQUEST_CHANGES_ACTION)(RequestChangesFormatter)


# --- the CMS dashboard ---------------------------------------------------------------------


class _ReviewPanel(Component):
    class Media:
        css = {"all": ["cms/course_review_admin.css"]}

    def __init__(self, submissions):
        self.submissions = submissions

    def get_context_data(self, parent_context=None):
        return {"submissions": self.submissions, "index_url": reverse("course_reviews:index")}

    def render_html(self, parent_context=None):
        return super().render_html(parent_context) if self.submissions else ""


class AwaitingReviewPanel(_ReviewPanel):
    name = "course_reviews_awaiting"
    order = 90
    template_name = "cms/admin/course_reviews/panel_awaiting.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        request = (parent_context or {}).get("request")
        context["help_url"] = views.help_url_for(request.user) if request is not None else ""
        return context


class MyCourseReviewsPanel(_ReviewPanel):
    name = "course_reviews_mine"
    order = 95
    template_name = "cms/admin/course_reviews/panel_mine.html"


def add_home_panels(request, panels):
    user = request.user
    awaiting = list(selectors.awaiting_review(user)[:DASHBOARD_ROWS])
    mine = list(selectors.my_open_submissions(user)[:DASHBOARD_ROWS])
    panels += [AwaitingReviewPanel(awaiting), MyCourseReviewsPanel(mine)]
