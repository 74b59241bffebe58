"""The question bank (题库: questions, categories, import/export) and exam authoring (考试管理) viewsets.

Questions are edited through ``QuestionAdminForm``. Access to the bank follows Django model
permissions, which the 培训管理员 group receives in ``exams.setup.grant_trainer_permissions``;
access to exams follows ``ExamPermissionPolicy``.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from accounts.pickers import PersonPicker, UnitPicker
from exams.admin_forms import OPTION_LETTERS, CategoryAdminForm, QuestionAdminForm
from exams.models import Exam, Question, QuestionCategory
from exams.richtext import excerpt
from exams.views import accommodations, question_admin
from exams.wagtail_admin.filters import QuestionFilterSet
from exams.wagtail_admin.forms import ExamAdminForm
from exams.wagtail_admin.menus import ImportMenuItem
from exams.wagtail_admin.preview import PaperPreviewFrame, PaperPreviewView, QuestionPreviewFrame, QuestionPreviewView
from exams.wagtail_admin.views import (
    CategoryCreateView,
    CategoryDeleteView,
    CategoryEditView,
    CategoryIndexView,
    ExamDeleteView,
    ExamEditView,
    ExamIndexView,
    QuestionCreateView,
    QuestionDeleteView,
    QuestionEditView,
    QuestionIndexView,
)


def _option_row(letter: str) -> FieldRowPanel:
    return FieldRowPanel(
        [
            FieldPanel(f"option_{letter}", classname="col6"),
            FieldPanel(f"correct_{letter}", classname="col2"),
            FieldPanel(f"fraction_{letter}", classname="col4"),
        ],
    )


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("题目")
    add_to_admin_menu = False
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    delete_view_class = QuestionDeleteView
    copy_view_enabled = False
    filterset_class = QuestionFilterSet
    search_fields = ["name", "idnumber", "current_version__stem"]
    list_per_page = 50
    ordering = ["-id"]
    list_display = [
        TitleColumn(
            "title",
            label=_("题目"),
            accessor=lambda q: q.name or excerpt(q.current_version.stem if q.current_version else "", 40),
            get_url=lambda q: reverse("exams_questions:edit", args=[q.pk]),
            get_title_id=lambda q: f"question_{q.pk}_title",
        ),
        Column("type", label=_("题型"), accessor="get_type_display"),
        Column("category", label=_("分类"), accessor=lambda q: q.category.full_path),
        Column("points", label=_("分值"), accessor=lambda q: q.current_version.points if q.current_version else ""),
        Column("version", label=_("版本"), accessor=lambda q: q.current_version.number if q.current_version else ""),
        Column("is_archived", label=_("归档"), accessor=lambda q: _("是") if q.is_archived else ""),
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel([FieldPanel("category"), FieldPanel("type"), FieldPanel("name")], heading=_("基本信息")),
            FieldPanel("stem"),
            MultiFieldPanel(
                [_option_row(letter) for letter in OPTION_LETTERS],
                heading=_("选项（单选题、多选题）"),
                help_text=_(
                    "勾选正确选项。“部分得分 %”可空：默认单选对的 100%；多选每个对的选项均分 100%，错的选项 -100%（少选按比例得分，错选不得分，仅在考试设置为部分得分时生效）。"
                ),
            ),
            FieldPanel("truefalse_answer"),
            FieldPanel("accepted_answers"),
            FieldPanel("answer_spec"),
            FieldRowPanel([FieldPanel("points"), FieldPanel("difficulty")]),
            FieldPanel("explanation"),
            FieldPanel("law_citations"),
            FieldPanel("tags"),
            MultiFieldPanel([FieldPanel("idnumber"), FieldPanel("is_archived")], heading=_("其他")),
        ],
        base_form_class=QuestionAdminForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("preview/<int:pk>/", QuestionPreviewView.as_view(), name="preview"),
            path("preview/<int:pk>/frame/", QuestionPreviewFrame.as_view(), name="preview_frame"),
        ]


class CategoryViewSet(ModelViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = _("题目分类")
    add_to_admin_menu = False
    index_view_class = CategoryIndexView
    add_view_class = CategoryCreateView
    edit_view_class = CategoryEditView
    delete_view_class = CategoryDeleteView
    copy_view_enabled = False
    ordering = ["path"]
    search_fields = ["name", "full_path"]
    list_display = [
        TitleColumn(
            "full_path",
            label=_("分类"),
            accessor="full_path",
            get_url=lambda c: reverse("exams_categories:edit", args=[c.pk]),
        ),
        Column("question_count", label=_("题目数"), accessor="question_count"),
        BooleanColumn("open_for_practice", label=_("开放练习")),
    ]
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("parent"), FieldPanel("description"), FieldPanel("open_for_practice")],
        base_form_class=CategoryAdminForm,
    )


class QuestionImportViewSet(ViewSet):
    """Import (check → preview → confirm), the Excel template, and export."""

    icon = "upload"
    menu_label = _("导入/导出")
    menu_item_class = ImportMenuItem

    def get_urlpatterns(self):
        return [
            path("", question_admin.import_view, name="index"),
            path("template.xlsx", question_admin.template_download, name="template"),
            path("export/", question_admin.export_view, name="export"),
        ]


class QuestionBankGroup(ModelViewSetGroup):
    menu_label = _("题库")
    menu_icon = "help"
    menu_order = 250
    items = (
        QuestionViewSet("exams_questions"),
        CategoryViewSet("exams_categories"),
        QuestionImportViewSet("exams_question_import", url_prefix="exams_questions/import"),
    )


class ExamViewSet(ModelViewSet):
    model = Exam
    icon = "doc-full-inverse"
    menu_label = _("考试管理")
    menu_order = 310
    add_to_admin_menu = True
    edit_view_class = ExamEditView
    delete_view_class = ExamDeleteView
    index_view_class = ExamIndexView
    name = "exams_exams"  # not "exams": that is the site's URL namespace
    url_prefix = "exams"
    list_display = [
        "title",
        "opens_at",
        "closes_at",
        "paper_mode",
        BooleanColumn("is_published", label=_("已发布"), sort_key="is_published"),
    ]
    list_filter = ["is_published", "paper_mode", "is_annual_law_exam"]
    search_fields = ["title"]
    ordering = ["-opens_at"]
    form_fields = None
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("title"),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("duration_minutes")]),
                    FieldRowPanel(
                        [FieldPanel("attempts_allowed"), FieldPanel("counted_attempt"), FieldPanel("pass_percent")]
                    ),
                    FieldPanel("partial_credit"),
                    FieldPanel("has_mock"),
                    FieldRowPanel([FieldPanel("is_annual_law_exam"), FieldPanel("year")]),
                    FieldPanel("is_published"),
                ],
                heading=_("基本设置"),
            ),
            ObjectList(
                [
                    FieldPanel("audience_units", widget=UnitPicker),
                    FieldPanel("audience_staff_categories"),
                    FieldPanel("audience_users", widget=PersonPicker),
                    FieldPanel("makeup_for"),
                ],
                heading=_("参考人员"),
            ),
            ObjectList(
                [
                    FieldRowPanel(
                        [FieldPanel("paper_mode"), FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]
                    ),
                    MultiFieldPanel(
                        [InlinePanel("paper_questions", label=_("试卷题目"))],
                        heading=_("固定试卷"),
                    ),
                    MultiFieldPanel(
                        [InlinePanel("paper_rules", label=_("抽题规则"))],
                        heading=_("按规则随机抽题"),
                    ),
                ],
                heading=_("试卷"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("credit_hours"), FieldPanel("credit_category")]),
                    FieldRowPanel([FieldPanel("review_policy"), FieldPanel("review_from")]),
                    FieldPanel("graders"),
                ],
                heading=_("学时、查看与阅卷"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("count_page_leaves"), FieldPanel("page_leave_limit")]),
                    FieldPanel("require_fullscreen"),
                    FieldPanel("block_copy_paste"),
                    FieldPanel("single_device"),
                ],
                heading=_("考试纪律"),
            ),
        ],
        base_form_class=ExamAdminForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("paper/<int:pk>/", PaperPreviewView.as_view(), name="paper_preview"),
            path("paper/<int:pk>/frame/", PaperPreviewFrame.as_view(), name="paper_preview_frame"),
        ]


class AccommodationViewSet(ViewSet):
    """An exam's accommodations (特殊安排): reached from the exam's edit page and the exam list, not the menu."""

    name = "exams_accommodations"
    url_prefix = "exam-accommodations"
    icon = "time"

    def get_urlpatterns(self):
        return [
            path("<int:exam_id>/", accommodations.index, name="index"),
            path("<int:exam_id>/add/", accommodations.add, name="add"),
            path("<int:exam_id>/<int:pk>/edit/", accommodations.edit, name="edit"),
            path("<int:exam_id>/<int:pk>/delete/", accommodations.delete, name="delete"),
        ]
