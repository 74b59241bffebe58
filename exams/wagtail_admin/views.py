"""Views of the question bank and the exam admin that differ from Wagtail's generic ones.

Questions save through ``save_question`` so that editing a question an attempt has used
writes a new version. Deleting asks ``exams.selectors.deletion`` first and shows its reasons.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.db.models.deletion import RestrictedError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.log_actions import log

from exams.selectors.deletion import (
    exam_delete_advice,
    exam_delete_blockers,
    question_category_delete_blockers,
    question_delete_blockers,
)
from exams.services.questions import save_question


class QuestionIndexView(generic.IndexView):
    """The question list, with a preview per question and bulk actions (``exams.wagtail_admin.bulk_actions``)."""

    template_name = "exams/admin/question_index.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("category", "current_version")

    @cached_property
    def can_bulk_edit(self) -> bool:
        return self.request.user.has_perm("exams.change_question")

    @cached_property
    def columns(self):
        # The title column is given, so Wagtail does not add the list's buttons (预览, 编辑) to it:
        # a copy of it per request gets them, as Wagtail's own title column would.
        title, *rest = super().columns
        title = copy.copy(title)
        title.__class__ = self._get_title_column_class(type(title))
        columns = [title, *rest]
        if self.can_bulk_edit:
            columns = [BulkActionsCheckboxColumn("bulk_actions", obj_type="question"), *columns]
        return columns

    def get_list_more_buttons(self, instance):
        preview = Button(
            _("预览"), url=reverse("exams_questions:preview", args=[instance.pk]), icon_name="view", priority=5
        )
        return [preview, *super().get_list_more_buttons(instance)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_bulk_edit"] = self.can_bulk_edit
        return context


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
        data=content.data,
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

    @cached_property
    def header_buttons(self):
        url = reverse("exams_questions:preview", args=[self.object.pk])
        return [HeaderButton(_("预览"), url=url, icon_name="view")]


class ProtectedDeleteView(generic.DeleteView):
    """Deleting something an attempt, an exam or a question still refers to is refused with the rule's reasons."""

    #: ``blockers(obj) -> list[str]``: the rule's reasons (``exams.selectors.deletion``).
    blockers = staticmethod(lambda obj: [])

    def get_blockers(self) -> list[str]:
        return self.blockers(self.object)

    def form_valid(self, form):
        reasons = self.get_blockers()
        if not reasons:
            try:
                with transaction.atomic():
                    return super().form_valid(form)
            except ProtectedError:  # referenced since the check above
                reasons = self.get_blockers()
        for reason in reasons:
            messages.error(self.request, reason)
        return redirect(self.get_success_url())


class QuestionDeleteView(ProtectedDeleteView):
    blockers = staticmethod(question_delete_blockers)


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


class CategoryDeleteView(ProtectedDeleteView):
    blockers = staticmethod(question_category_delete_blockers)


class ExamDeleteView(generic.DeleteView):
    """Deleting an exam that something still refers to is refused up front, saying what refers to it.

    Wagtail's own guard (the reference index behind ``usage.is_protected``) sees only references
    from models it indexes, such as a make-up exam; attempts, study plans, annual review rules and
    certificates are plain models outside that index, so deleting their exam used to end in an
    unhandled ``ProtectedError``. The reasons come from ``exam_delete_blockers``; the page reuses
    Wagtail's ``is_protected`` switch to hide the delete button.
    """

    template_name = "exams/admin/exam_confirm_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blockers"] = blockers = exam_delete_blockers(self.object)
        if blockers:
            context["is_protected"] = True
            context["advice"] = exam_delete_advice(self.object)
            context["edit_url"] = reverse(self.edit_url_name, args=[self.object.pk])
        return context

    def form_valid(self, form):
        blockers = exam_delete_blockers(self.object)
        if not blockers:
            try:
                return super().form_valid(form)
            except (ProtectedError, RestrictedError):  # referenced since the check above
                blockers = exam_delete_blockers(self.object)
        messages.error(
            self.request,
            _("考试“%(exam)s”不能删除：%(reasons)s。%(advice)s")
            % {"exam": self.object, "reasons": "；".join(blockers), "advice": exam_delete_advice(self.object)},
        )
        return redirect(self.edit_url_name, self.object.pk)


def _accommodations_url(exam) -> str:
    return reverse("exams_accommodations:index", args=[exam.pk])


class ExamIndexView(generic.IndexView):
    """Each exam's row menu also opens its 特殊安排 (extra time, separate windows)."""

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            MenuItem(_("特殊安排"), url=_accommodations_url(instance), icon_name="time", priority=25),
        ]


class ExamEditView(generic.EditView):
    """The exam's edit page previews its paper (a header button) and links its 特殊安排 from the header menu."""

    @cached_property
    def header_buttons(self):
        url = reverse("exams_exams:paper_preview", args=[self.object.pk])
        return [HeaderButton(_("预览试卷"), url=url, icon_name="view")]

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(_("特殊安排"), url=_accommodations_url(self.object), icon_name="time", priority=25),
        ]
