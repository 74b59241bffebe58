from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import timeutil


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=64, strip=True)


class BulkIssueForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    unit = forms.IntegerField(label=_("单位"), widget=forms.Select)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timeutil.current_year()
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - 6, -1)]
        self.fields["year"].initial = this_year - 1 if timeutil.today().month < 3 else this_year
        self.fields["unit"].widget.choices = [(u.pk, u.full_path) for u in units]


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("重新颁发原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写重新颁发的原因。")},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写撤销原因。")},
    )
