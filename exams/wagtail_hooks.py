"""The question bank in the Wagtail admin: questions, categories, import/export.

Questions are edited through ``QuestionAdminForm``; the create and edit views
save through ``save_question`` so that editing a question an attempt has used
writes a new version. Access follows Django model permissions, which the
培训管理员 group receives in ``exams.setup.grant_trainer_permissions``.
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import log

from exams.admin_forms import OPTION_LETTERS, CategoryAdminForm, QuestionAdminForm
from exams.models import Question, QuestionCategory, QuestionType
from exams.richtext import excerpt
from exams.services.questions import save_question
from exams.views import question_admin


class QuestionFilterSet(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("分类（含下级）"),
        queryset=QuestionCategory.objects.order_by("path"),
        method="filter_category",
    )
    type = django_filters.ChoiceFilter(label=_("题型"), choices=QuestionType.choices)
    tag = django_filters.ModelChoiceFilter(
        label=_("标签"),
        queryset=Tag.objects.filter(exams_questiontag_items__isnull=False).distinct().order_by("name"),
        field_name="tags",
    )
    is_archived = django_filters.BooleanFilter(label=_("已归档"))

    class Meta:
        model = Question
        fields = ["category", "type", "tag", "is_archived"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__path__startswith=value.path) if value else queryset


class QuestionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("category", "current_version")


def _save(view, *, new: bool):
    form = view.form
    data = form.cleaned_data
    content = form.content
    question = save_question(
        question=None if new else view.object,
        category=data["category"],
        qtype=data["type"],
        stem=content.stem,
        options=content.options,
        accepted_answers=content.accepted_answers,
        points=content.points,
        difficulty=content.difficulty,
        explanation=content.explanation,
        name=data.get("name", ""),
        idnumber=data.get("idnumber", ""),
        tags=[t if isinstance(t, str) else t.name for t in data.get("tags", [])],
        law_articles=form.articles,
        is_archived=data.get("is_archived", False),
        user=view.request.user,
    )
    log(instance=question, action="wagtail.create" if new else "wagtail.edit", user=view.request.user)
    return question


class QuestionCreateView(generic.CreateView):
    def save_instance(self):
        return _save(self, new=True)


class QuestionEditView(generic.EditView):
    def save_instance(self):
        return _save(self, new=False)


class ProtectedDeleteView(generic.DeleteView):
    """Deleting something an attempt, an exam or a question still refers to is refused with a message."""

    protected_message = _("“%(object)s”仍被使用，不能删除。")

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, self.protected_message % {"object": self.object})
            return redirect(self.get_success_url())


class QuestionDeleteView(ProtectedDeleteView):
    protected_message = _("题目“%(object)s”已被考试或答卷使用，不能删除；请改为归档。")


class CategoryDeleteView(ProtectedDeleteView):
    protected_message = _("分类“%(object)s”或其下级分类中还有题目，不能删除；请先移走或删除这些题目。")


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
            FieldRowPanel([FieldPanel("points"), FieldPanel("difficulty")]),
            FieldPanel("explanation"),
            FieldPanel("law_citations"),
            FieldPanel("tags"),
            MultiFieldPanel([FieldPanel("idnumber"), FieldPanel("is_archived")], heading=_("其他")),
        ],
        base_form_class=QuestionAdminForm,
    )


class CategoryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(question_count=Count("questions"))


class CategoryCreateView(generic.CreateView):
    def save_instance(self):
        category = self.form.save()
        log(instance=category, action="wagtail.create", user=self.request.user)
        return category


class CategoryEditView(generic.EditView):
    def save_instance(self):
        category = self.form.save()
        log(instance=category, action="wagtail.edit", user=self.request.user)
        return category


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
    ]
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("parent"), FieldPanel("description")], base_form_class=CategoryAdminForm
    )


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("exams.add_question")


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


@hooks.register("register_admin_viewset")
def register_question_bank():
    return QuestionBankGroup()


from exams import wagtail_hooks_exams  # noqa: E402, F401  (exam authoring: the Exam viewset)


class HelpMenuItem(MenuItem):
    def is_shown(self, request):
        from accounts.help import can_read_help

        return can_read_help(request.user)


@hooks.register("register_admin_menu_item")
def register_help_menu_item():
    """The staff guides (题库, 组卷与考试 …) open from the CMS's own menu."""
    return HelpMenuItem(_("使用说明"), reverse("help:page", args=["exams"]), icon_name="help", order=10000)


@hooks.register("construct_main_menu")
def hide_wagtail_help(request, menu_items):
    """Wagtail's own "帮助" (its English guide online) would sit beside ours; staff read ours."""
    menu_items[:] = [item for item in menu_items if item.name != "help"]
