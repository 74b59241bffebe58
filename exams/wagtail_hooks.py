"""The exams app's one Wagtail hooks module: it registers the admin pages of ``exams.wagtail_admin``.

题库 (questions, categories, import/export, previews and the question list's bulk actions) and 考试管理 (exams with their audience and paper);
the staff guides in the CMS menu instead of Wagtail's own help. Registration only: the pages
live in ``exams.wagtail_admin`` and their rules in the exams services and selectors.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from exams.models import Exam
from exams.wagtail_admin.bulk_actions import QUESTION_BULK_ACTIONS
from exams.wagtail_admin.menus import HelpMenuItem
from exams.wagtail_admin.permissions import ExamPermissionPolicy
from exams.wagtail_admin.viewsets import AccommodationViewSet, ExamViewSet, QuestionBankGroup

register_permission_policy(Exam, ExamPermissionPolicy(Exam), exact_class=True)


@hooks.register("register_admin_viewset")
def register_question_bank():
    return QuestionBankGroup()


for bulk_action in QUESTION_BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)


@hooks.register("register_admin_viewset")
def register_exam_viewset():
    return ExamViewSet()


@hooks.register("register_admin_viewset")
def register_accommodation_viewset():
    return AccommodationViewSet()


@hooks.register("register_admin_menu_item")
def register_help_menu_item():
    """The staff guides (题库, 组卷与考试 …) open from the CMS's own menu."""
    return HelpMenuItem(_("使用说明"), reverse("help:page", args=["exams"]), icon_name="help", order=10000)


@hooks.register("construct_main_menu")
def hide_wagtail_help(request, menu_items):
    """Wagtail's own "帮助" (its English guide online) would sit beside ours; staff read ours."""
    menu_items[:] = [item for item in menu_items if item.name != "help"]
