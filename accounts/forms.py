from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from .models import OrgUnit, StaffCategory


class WagtailUserEditForm(UserEditForm):
    employee_no = forms.CharField(label=_("工号"), max_length=32)
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    org_unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.all(), required=False)
    staff_category = forms.ChoiceField(label=_("人员类别"), choices=StaffCategory.choices)


class WagtailUserCreationForm(UserCreationForm):
    employee_no = forms.CharField(label=_("工号"), max_length=32)
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    org_unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.all(), required=False)
    staff_category = forms.ChoiceField(label=_("人员类别"), choices=StaffCategory.choices)


class AdminUserCreationForm(forms.ModelForm):
    """Django admin's add form for our user model (no ``username`` field)."""

    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    class Meta:
        from .models import User

        model = User
        fields = ("employee_no", "full_name", "org_unit", "staff_category")

    def clean_password2(self):
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("两次输入的密码不一致。"))
        return p2

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class LoginForm(AllauthLoginForm):
    """allauth's login form, labelled for employee numbers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("工号或邮箱")
        self.fields["login"].widget.attrs["placeholder"] = _("工号或邮箱")
