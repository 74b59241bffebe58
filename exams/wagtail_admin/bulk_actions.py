"""Bulk actions of the question list (Wagtail's bulk-action framework): move, tags, archive.

Each action asks for confirmation on its own page, then calls one service of
``exams.services.questions`` (one transaction, one audit-trail row, a history entry per
question). Only people who may change questions see or run them.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.views.bulk_action import BulkAction

from exams.admin_forms import CategoryChoiceField
from exams.models import Question, QuestionCategory
from exams.richtext import excerpt
from exams.services.questions import move_questions, parse_tag_names, set_questions_archived, tag_questions
from exams.wagtail_admin.filters import QuestionFilterSet


class QuestionBulkAction(BulkAction):
    models = [Question]
    template_name = "exams/admin/bulk_action.html"
    #: The sentence above the list of questions on the confirmation page.
    question = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("exams.change_question"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(Question.objects.filter(pk__in=object_ids).select_related("category", "current_version"))

    def get_all_objects_in_listing_query(self, parent_id):
        """ "Select all" means all the listing shows: its filters and search apply."""
        queryset = QuestionFilterSet(self.request.GET, queryset=Question.objects.all()).qs
        if search := self.request.GET.get("q", "").strip():
            queryset = queryset.filter(
                Q(name__icontains=search) | Q(idnumber__icontains=search) | Q(current_version__stem__icontains=search)
            )
        return queryset.values_list("pk", flat=True)

    def check_perm(self, obj):
        return True  # the permission is per model (``dispatch``), not per question

    def object_context(self, obj):
        stem = obj.current_version.stem if obj.current_version else ""
        return {
            "item": obj,
            "label": obj.name or excerpt(stem, 40),
            "edit_url": reverse("exams_questions:edit", args=[obj.pk]),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            header_title=self.display_name,
            question=self.question,
            action_button_text=self.display_name,
            no_action_button_text=_("取消"),
        )
        return context

    def get_execution_context(self):
        return {"user": self.request.user, "data": self.cleaned_form.cleaned_data}

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext("%(n)s 道题已更新。", "%(n)s 道题已更新。", num_parent_objects) % {"n": num_parent_objects}


class MoveForm(forms.Form):
    category = CategoryChoiceField(label=_("移动到分类"), queryset=QuestionCategory.objects.order_by("path"))


class MoveQuestionsAction(QuestionBulkAction):
    display_name = _("移动到分类")
    action_type = "move"
    aria_label = _("把选中的题目移动到另一个分类")
    action_priority = 10
    form_class = MoveForm
    question = _("把下列题目移动到所选分类（题目内容和版本不变，已有的答卷不受影响）：")

    @classmethod
    def execute_action(cls, objects, user=None, data=None, **kwargs):
        return move_questions(questions=objects, category=data["category"], user=user), 0


class TagsForm(forms.Form):
    tags = forms.CharField(label=_("标签"), help_text=_("多个标签用逗号分隔，如“重点, 行政处罚法”。"))

    def clean_tags(self):
        names = parse_tag_names(self.cleaned_data["tags"])
        if not names:
            raise ValidationError(_("请填写标签。"))
        return names


class AddTagsAction(QuestionBulkAction):
    display_name = _("添加标签")
    action_type = "add_tags"
    aria_label = _("给选中的题目添加标签")
    action_priority = 20
    form_class = TagsForm
    question = _("给下列题目添加标签：")

    @classmethod
    def execute_action(cls, objects, user=None, data=None, **kwargs):
        return tag_questions(questions=objects, add=data["tags"], user=user), 0


class RemoveTagsAction(QuestionBulkAction):
    display_name = _("移除标签")
    action_type = "remove_tags"
    aria_label = _("从选中的题目移除标签")
    action_priority = 30
    form_class = TagsForm
    question = _("从下列题目移除标签：")

    @classmethod
    def execute_action(cls, objects, user=None, data=None, **kwargs):
        return tag_questions(questions=objects, remove=data["tags"], user=user), 0


class ArchiveAction(QuestionBulkAction):
    display_name = _("归档")
    action_type = "archive"
    aria_label = _("归档选中的题目")
    action_priority = 40
    question = _("归档下列题目？归档后抽题规则不再抽到它们；已组好的试卷和已有的答卷不受影响。")

    @classmethod
    def execute_action(cls, objects, user=None, data=None, **kwargs):
        return set_questions_archived(questions=objects, archived=True, user=user), 0


class UnarchiveAction(QuestionBulkAction):
    display_name = _("取消归档")
    action_type = "unarchive"
    aria_label = _("取消归档选中的题目")
    action_priority = 50
    question = _("取消归档下列题目？抽题规则将重新可以抽到它们。")

    @classmethod
    def execute_action(cls, objects, user=None, data=None, **kwargs):
        return set_questions_archived(questions=objects, archived=False, user=user), 0


QUESTION_BULK_ACTIONS = (MoveQuestionsAction, AddTagsAction, RemoveTagsAction, ArchiveAction, UnarchiveAction)
