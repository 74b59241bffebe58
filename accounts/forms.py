from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
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


class ActivationCodeForm(forms.Form):
    """The first step of the activation page: 工号 and the code from the letter."""

    employee_no = forms.CharField(
        label=_("工号"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("激活码"),
        max_length=32,
        help_text=_("在开通通知书上，12 位字母和数字，不区分大小写，短横线可以不输。"),
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ActivationPasswordForm(AllauthResetPasswordKeyForm):
    """The second step: the new password, checked by the site's validators through allauth's adapter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("设置密码")
        self.fields["password1"].widget.attrs["placeholder"] = _("设置密码")
        self.fields["password2"].label = _("再次输入密码")
        self.fields["password2"].widget.attrs["placeholder"] = _("再次输入密码")
