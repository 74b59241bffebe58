"""Forms of the classroom-session pages. People are entered by 工号 (there are thousands
of officials: a drop-down of all of them would be useless on a phone); the audience's units and
people are chosen with the searchable pickers of ``accounts.pickers``, which post the same values."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audience
from accounts.drilldown import tree_order
from accounts.models import OrgUnit, StaffCategory, User
from accounts.pickers import PersonPicker, UnitPicker
from classroom.models import TrainingSession
from classroom.selectors.sessions import has_audience_rule
from classroom.services.sessions import NO_AUDIENCE
from learning.models import HourCategory

SEPARATORS = re.compile(r"[\s,，;；、]+")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class EmployeeNumbersField(forms.CharField):
    """Several 工号 separated by spaces, commas or new lines → a list of active users."""

    widget = forms.Textarea(attrs={"rows": 2})

    def clean(self, value):
        text = super().clean(value) or ""
        numbers = list(dict.fromkeys(n for n in SEPARATORS.split(text) if n))
        if not numbers:
            return []
        found = {u.employee_no: u for u in User.objects.filter(employee_no__in=numbers, is_active=True)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(_("找不到以下工号（或账号已停用）：%(nos)s") % {"nos": "、".join(missing)})
        return [found[n] for n in numbers]


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.full_path


def _audience_fields() -> dict:
    return {
        "audience_units": UnitChoiceField(
            label=gettext_lazy("参训单位"),
            queryset=OrgUnit.objects.order_by(tree_order(None)),
            required=False,
            widget=UnitPicker(),
            help_text=audience.UNITS_HELP,
        ),
        "audience_categories": forms.MultipleChoiceField(
            label=gettext_lazy("参训人员类别"),
            choices=StaffCategory.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=audience.CATEGORIES_HELP,
        ),
        "audience_people": EmployeeNumbersField(
            label=gettext_lazy("指定参训人员"),
            required=False,
            widget=PersonPicker(value_field="employee_no", as_text=True),
            help_text=audience.help_text(
                audience.PEOPLE_HELP,
                audience.OPEN_HELP,
                audience.REQUIRED_HELP,
            ),
        ),
    }


class _AudienceMixin:
    def clean(self):
        data = super().clean()
        if not has_audience_rule(
            units=data.get("audience_units") or [],
            categories=data.get("audience_categories") or [],
            people=data.get("audience_people") or [],
        ) and not any(f in self.errors for f in ("audience_units", "audience_people")):
            raise forms.ValidationError(NO_AUDIENCE)
        return data


class SessionForm(_AudienceMixin, forms.ModelForm):
    organiser = EmployeeNumbersField(
        label=gettext_lazy("组织者（工号）"),
        required=False,
        widget=forms.TextInput,
        help_text=gettext_lazy("留空则为本人。组织者可以管理本场培训的签到。"),
    )
    lecturers = EmployeeNumbersField(
        label=gettext_lazy("主讲人（工号）"), required=False, help_text=gettext_lazy("确认举办后，主讲人获得授课学时。")
    )

    class Meta:
        model = TrainingSession
        fields = ["kind", "title", "starts_at", "ends_at", "hours", "hour_category", "venue", "capacity", "description"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "description": forms.Textarea(attrs={"rows": 3}),
            "hours": forms.NumberInput(attrs={"step": "0.5", "min": "0.5"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_audience_fields())
        self.fields["hour_category"].queryset = HourCategory.objects.order_by("order", "code")
        self.fields["hour_category"].empty_label = None
        if self.instance.pk:
            self.initial.setdefault("organiser", self.instance.organiser.employee_no)
            self.initial.setdefault("lecturers", " ".join(u.employee_no for u in self.instance.lecturers.all()))
            self.initial.setdefault("audience_units", list(self.instance.audience_units.all()))
            self.initial.setdefault("audience_categories", self.instance.audience_categories)
            self.initial.setdefault(
                "audience_people", " ".join(u.employee_no for u in self.instance.audience_people.all())
            )

    def clean_organiser(self):
        people = self.cleaned_data["organiser"]
        if len(people) > 1:
            raise forms.ValidationError(_("组织者只能填写一个工号。"))
        return people[0] if people else None

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        return data

    def session_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields if name != "hour_category"}
        fields["hour_category_id"] = data["hour_category"].code
        fields["audience_categories"] = list(data.get("audience_categories") or [])
        fields["organiser"] = data.get("organiser")
        return fields


class LectureSeriesForm(_AudienceMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("系列名称"), max_length=150, initial=gettext_lazy("法治讲堂·逢九必讲"))
    first_day = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=gettext_lazy("开讲时间"), initial="10:00", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label=gettext_lazy("时长（分钟）"), min_value=10, max_value=600, initial=90)
    hours = forms.DecimalField(
        label=gettext_lazy("学时"),
        min_value=Decimal("0.5"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        initial=2,
    )
    hour_category = forms.ModelChoiceField(
        label=gettext_lazy("学时类别"), queryset=HourCategory.objects.none(), to_field_name="code", empty_label=None
    )
    venue = forms.CharField(label=gettext_lazy("地点"), max_length=200, required=False)
    lecturers = EmployeeNumbersField(label=gettext_lazy("主讲人（工号）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hour_category"].queryset = HourCategory.objects.order_by("order", "code")
        self.fields["hour_category"].initial = "legal"
        self.fields.update(_audience_fields())

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("结束日期不能早于开始日期。"))
        return data


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("签到名单（Excel .xlsx 或 CSV）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ManualMarkForm(forms.Form):
    employee_nos = EmployeeNumbersField(label=gettext_lazy("按工号登记"), required=False)
    people = forms.ModelMultipleChoiceField(queryset=User.objects.filter(is_active=True), required=False)

    def clean(self):
        data = super().clean()
        users = list(data.get("people") or []) + list(data.get("employee_nos") or [])
        data["users"] = list({u.pk: u for u in users}.values())
        if not data["users"] and not self.errors:
            raise forms.ValidationError(_("请勾选或填写要登记的人员。"))
        return data


class RemoveAttendanceForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤销原因"), max_length=200)
