"""The exam form of the Wagtail admin: the exam, its audience and its paper in one form; and the
form of one of its accommodations (特殊安排).

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
from wagtail.admin.widgets import AdminDateTimeInput

from accounts import audience
from accounts.models import ROLE_GROUP_NAMES, OrgUnit, Role, StaffCategory
from accounts.pickers import PersonPicker, UnitPicker
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
        if "page_leave_limit" in self.fields:
            self.fields["page_leave_limit"].required = False  # empty: no limit

    def clean_page_leave_limit(self):
        return self.cleaned_data.get("page_leave_limit") or 0

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_annual_law_exam") and not cleaned.get("year"):
            self.add_error("year", _("年度学法考试必须填写年度。"))
        if cleaned.get("page_leave_limit") and not cleaned.get("count_page_leaves"):
            self.add_error("count_page_leaves", _("设置了离开页面次数上限，须同时勾选“记录离开答题页面”。"))
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


class AccommodationForm(forms.Form):
    """One accommodation of an exam: one person or one unit (the scoped pickers), extra minutes
    and/or a separate window, and the reason. The rules are ``exams.services.accommodations``'s;
    this form only reads the input and shows their messages beside the fields."""

    people = forms.ModelMultipleChoiceField(
        label=gettext_lazy("人员"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        widget=PersonPicker,
        help_text=gettext_lazy("为一位人员设置；或在下面选一个单位。"),
    )
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("单位"),
        queryset=OrgUnit.objects.all(),
        required=False,
        widget=UnitPicker,
        help_text=audience.UNITS_HELP,
    )
    extra_minutes = forms.IntegerField(
        label=gettext_lazy("延长时间（分钟）"),
        required=False,
        initial=0,
        help_text=gettext_lazy("加在答题时长上；考试截止时间也相应推后这么多分钟。"),
    )
    opens_at = forms.DateTimeField(label=gettext_lazy("单独安排的开考时间"), required=False, widget=AdminDateTimeInput)
    closes_at = forms.DateTimeField(
        label=gettext_lazy("单独安排的截止时间"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy(
            "填写后，所选人员只能在这段时间内开始作答（代替考试本身的时间），例如因病缺考后的单独补考。"
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写原因。")},
    )

    #: The service's field names → this form's.
    FIELDS = {"user": "people", "unit": "units"}

    def __init__(self, data=None, *, instance=None, viewer=None):
        initial = {}
        if instance is not None:
            initial = {
                "people": [instance.user] if instance.user_id else [],
                "units": [instance.unit] if instance.unit_id else [],
                "extra_minutes": instance.extra_minutes,
                "opens_at": instance.opens_at,
                "closes_at": instance.closes_at,
                "reason": instance.reason,
            }
        super().__init__(data, initial=initial)
        self.fields["people"].widget.viewer = viewer

    def clean(self):
        cleaned = super().clean()
        chosen = len(cleaned.get("people") or ()) + len(cleaned.get("units") or ())
        if chosen != 1 and not self.has_error("people") and not self.has_error("units"):
            self.add_error("people", _("请选择一位人员或一个单位（只能选一项）。"))
        return cleaned

    def field_for(self, service_field: str | None) -> str | None:
        if service_field is None:
            return None
        return self.FIELDS.get(service_field, service_field)

    def service_values(self) -> dict:
        data = self.cleaned_data
        people, units = list(data.get("people") or ()), list(data.get("units") or ())
        return {
            "user": people[0] if people else None,
            "unit": units[0] if units else None,
            "extra_minutes": data.get("extra_minutes") or 0,
            "opens_at": data.get("opens_at"),
            "closes_at": data.get("closes_at"),
            "reason": data.get("reason", ""),
        }
