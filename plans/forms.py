"""The study-plan form (学法清单). Scope rules are enforced again by the service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import audience
from accounts.models import StaffCategory, User
from accounts.pickers import PersonPicker, UnitPicker
from accounts.scope import filter_units
from core import timeutil

MAX_LINES = 2000


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers; commas and 、 also separate entries."""
    result = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        for part in line.replace("，", ",").replace("、", ",").split(","):
            part = part.strip()
            if part:
                result.append((number, part))
    return result


class StudyPlanForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    title = forms.CharField(label=_("名称"), max_length=200)
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    courses = forms.ModelMultipleChoiceField(
        label=_("必修课程"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    exams = forms.ModelMultipleChoiceField(
        label=_("考试"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("清单对象均可参加所选考试（即使不在考试本身的参考范围内）；通过考试或其补考即完成该项。"),
    )
    target_units = forms.ModelMultipleChoiceField(
        label=_("对象单位"),
        queryset=None,
        required=False,
        widget=UnitPicker,
        help_text=audience.UNITS_HELP,
    )
    target_categories = forms.MultipleChoiceField(
        label=_("对象人员类别"),
        choices=StaffCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=audience.CATEGORIES_HELP,
    )
    target_positions = forms.CharField(
        label=_("对象职务"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个职务，如“科长”。单位、类别、职务同时填写时，须同时满足。"),
    )
    target_people = forms.CharField(
        label=_("指定人员"),
        required=False,
        widget=PersonPicker(value_field="employee_no", as_text=True),
        help_text=audience.help_text(audience.PEOPLE_HELP, audience.OPEN_HELP, audience.REQUIRED_HELP),
    )

    def __init__(self, *args, viewer: User, **kwargs):
        from cms.models import CoursePage
        from exams.models import Exam

        super().__init__(*args, **kwargs)
        self.viewer = viewer
        this_year = timeutil.current_year()
        self.fields["year"].choices = [(y, _("%(y)s 年") % {"y": y}) for y in (this_year - 1, this_year, this_year + 1)]
        self.fields["year"].initial = this_year
        self.fields["courses"].queryset = CoursePage.objects.live().order_by("path")
        self.fields["exams"].queryset = Exam.objects.filter(
            is_published=True, makeup_for__isnull=True, closes_at__year__gte=this_year - 1
        ).order_by("opens_at", "pk")
        self.fields["target_units"].queryset = filter_units(viewer).order_by("path")
        self.fields["target_people"].widget.viewer = viewer

    def clean_target_positions(self) -> list[str]:
        return sorted({value for _n, value in _lines(self.cleaned_data.get("target_positions", ""))})

    def clean_target_people(self) -> list[User]:
        lines = _lines(self.cleaned_data.get("target_people", ""))
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(_("指定人员最多 %(n)s 人。") % {"n": MAX_LINES})
        found = {u.employee_no: u for u in User.objects.filter(employee_no__in=[no for _n, no in lines])}
        errors = [
            _("第 %(line)s 行：工号“%(no)s”不存在。") % {"line": n, "no": no} for n, no in lines if no not in found
        ]
        if errors:
            raise forms.ValidationError(errors)
        return list({found[no].pk: found[no] for _n, no in lines}.values())

    def clean(self):
        data = super().clean()
        due_on, year = data.get("due_on"), data.get("year")
        if due_on and year and due_on.year < year:
            self.add_error("due_on", _("完成期限不能早于所选年度。"))
        if "courses" in data and "exams" in data and not (data["courses"] or data["exams"]):
            self.add_error("courses", _("请至少选择一门课程或一场考试。"))
        return data
