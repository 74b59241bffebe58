"""Previews in the bank's admin: a question, or an exam's whole paper, as the learner sees it.

Each preview is an admin page holding a frame at the learner's width (a phone's 375 px by
default, or a desktop's); the frame renders the learner's own question include
(``exams/includes/question.html``) from ``exams.selectors.preview``. Nothing here writes:
a ruled paper is drawn again on each load of the frame ("再抽一次").
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies.base import ModelPermissionPolicy

from exams.models import Exam, Question
from exams.richtext import excerpt
from exams.selectors.preview import paper_preview, question_preview
from exams.wagtail_admin.permissions import ExamPermissionPolicy

#: The frame's widths: a phone (what most learners use) and a desktop.
WIDTHS = {"phone": gettext_lazy("手机"), "desktop": gettext_lazy("电脑")}


class _PreviewMixin(PermissionCheckedMixin):
    """The object, the permission check and the key switch shared by a preview page and its frame."""

    model = None
    queryset = None

    def setup(self, request, *args, pk, **kwargs):
        super().setup(request, *args, **kwargs)
        self.pk = pk

    @cached_property
    def object(self):
        return get_object_or_404(self.queryset, pk=self.pk)

    @property
    def show_key(self) -> bool:
        return self.request.GET.get("key", "1") != "0"


class _PreviewPage(_PreviewMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "exams/admin/preview.html"
    header_icon = "view"
    frame_url_name = ""

    @property
    def width(self) -> str:
        width = self.request.GET.get("width", "phone")
        return width if width in WIDTHS else "phone"

    def query(self, **changes) -> str:
        params = {"width": self.width, "key": "1" if self.show_key else "0", **changes}
        return "?" + urlencode(params)

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            width=self.width,
            widths=[(key, label, self.query(width=key)) for key, label in WIDTHS.items()],
            show_key=self.show_key,
            key_toggle_url=self.query(key="0" if self.show_key else "1"),
            frame_url=reverse(self.frame_url_name, args=[self.object.pk]) + self.query(),
        )
        return context


@method_decorator(xframe_options_sameorigin, name="dispatch")
class _PreviewFrame(_PreviewMixin, TemplateView):
    """The learner's page inside the frame (same origin only)."""

    template_name = "exams/admin/preview_frame.html"


class QuestionPreviewView(_PreviewPage):
    model = Question
    queryset = Question.objects.select_related("current_version", "category")
    permission_policy = ModelPermissionPolicy(Question)
    permission_required = "view"
    frame_url_name = "exams_questions:preview_frame"

    def get_page_title(self):
        return _("预览题目")

    def get_page_subtitle(self):
        question = self.object
        stem = question.current_version.stem if question.current_version else ""
        return question.name or excerpt(stem, 40)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("首页")},
            {"url": reverse("exams_questions:index"), "label": _("题目")},
            {"url": reverse("exams_questions:edit", args=[self.object.pk]), "label": self.get_page_subtitle()},
            {"url": "", "label": _("预览")},
        ]

    @cached_property
    def header_buttons(self):
        return [HeaderButton(_("编辑"), url=reverse("exams_questions:edit", args=[self.object.pk]), icon_name="edit")]


class QuestionPreviewFrame(_PreviewFrame):
    model = Question
    queryset = Question.objects.select_related("current_version")
    permission_policy = ModelPermissionPolicy(Question)
    permission_required = "view"

    def get_context_data(self, **kwargs):
        item = question_preview(self.object)
        return super().get_context_data(
            **kwargs, items=[item] if item else [], show_key=self.show_key, title=_("题目预览")
        )


class PaperPreviewView(_PreviewPage):
    model = Exam
    queryset = Exam.objects.all()
    permission_policy = ExamPermissionPolicy(Exam)
    permission_required = "change"
    frame_url_name = "exams_exams:paper_preview_frame"

    def get_page_title(self):
        return _("预览试卷")

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("首页")},
            {"url": reverse("exams_exams:index"), "label": _("考试管理")},
            {"url": reverse("exams_exams:edit", args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": _("预览试卷")},
        ]

    @cached_property
    def header_buttons(self):
        buttons = [HeaderButton(_("编辑"), url=reverse("exams_exams:edit", args=[self.object.pk]), icon_name="edit")]
        if self.object.paper_mode == Exam.PaperMode.RULES:
            draw = self.request.GET.get("draw", "")
            draw = int(draw) if draw.isdigit() else 0
            buttons.insert(0, HeaderButton(_("再抽一次"), url=self.query(draw=draw + 1), icon_name="rotate"))
        return buttons

    def query(self, **changes) -> str:
        if "draw" not in changes and self.request.GET.get("draw", "").isdigit():
            changes["draw"] = self.request.GET["draw"]
        return super().query(**changes)


class PaperPreviewFrame(_PreviewFrame):
    model = Exam
    queryset = Exam.objects.all()
    permission_policy = ExamPermissionPolicy(Exam)
    permission_required = "change"

    def get_context_data(self, **kwargs):
        paper = paper_preview(self.object)
        return super().get_context_data(
            **kwargs, exam=self.object, paper=paper, items=paper.items, show_key=self.show_key, title=str(self.object)
        )
