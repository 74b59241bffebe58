"""The exam form of the Wagtail admin: the exam, its audience and its paper in one form.

Publishing is refused with the reasons ``exams.services.publishing`` gives for the paper as
entered (the questions and rules of the inline formsets, not saved yet).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from accounts import audience
from accounts.models import ROLE_GROUP_NAMES, Role, StaffCategory
from exams.models import Exam, PaperRule
from exams.services.publishing import grader_problems, paper_problems


def _staff_graders():
    names = [ROLE_GROUP_NAMES[Role.TRAINER], ROLE_GROUP_NAMES[Role.ADMIN]]
    return get_user_model().objects.filter(Q(groups__name__in=names) | Q(is_superuser=True), is_active=True).distinct()


class ExamAdminForm(WagtailAdminModelForm):
    audience_staff_categories = forms.MultipleChoiceField(
        label=gettext_lazy("参考人员类别"),
        choices=StaffCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=audience.CATEGORIES_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "graders" in self.fields:
            self.fields["graders"].queryset = _staff_graders()
        if "makeup_for" in self.fields and self.instance.pk:
            self.fields["makeup_for"].queryset = Exam.objects.exclude(pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_annual_law_exam") and not cleaned.get("year"):
            self.add_error("year", _("年度学法考试必须填写年度。"))
        if cleaned.get("is_published"):
            paper = {"mode": cleaned.get("paper_mode"), "questions": self._questions(), "rules": self._rules()}
            for problem in paper_problems(**paper):
                self.add_error("paper_mode", problem)
            for problem in grader_problems(**paper, graders=cleaned.get("graders")):
                self.add_error("graders", problem)
        return cleaned

    def _live_forms(self, name):
        formset = self.formsets.get(name)
        if formset is None or not formset.is_valid():
            return []
        return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]

    def _questions(self) -> list:
        """The fixed paper's questions as entered."""
        return [form.cleaned_data.get("question") for form in self._live_forms("paper_questions")]

    def _rules(self) -> list[PaperRule]:
        """The drawing rules as entered."""
        return [
            PaperRule(
                category=data.get("category"),
                include_subcategories=data.get("include_subcategories", True),
                question_type=data.get("question_type") or "",
                count=data.get("count"),
                points_each=data.get("points_each") or 0,
            )
            for data in (form.cleaned_data for form in self._live_forms("paper_rules"))
        ]

    def save(self, commit=True):
        if self.instance.pk is None and self.instance.created_by_id is None and self.for_user:
            self.instance.created_by = self.for_user
        return super().save(commit=commit)
