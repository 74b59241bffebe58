from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from .importers.staff import validate_initial_password
from .models import OrgUnit, StaffCategory


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("人员名单（Excel .xlsx 或 CSV）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"})
    )
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)
    create_units = forms.BooleanField(
        label=_("自动创建不存在的单位（仅系统管理员）"),
        required=False,
        help_text=_("默认不创建：单位路径拼写错误时会报错。"),
    )
    initial_password = forms.CharField(
        label=_("新账号的初始密码（可选）"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("留空则新账号须通过“忘记密码”邮件设置密码。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # .xls passes here so that the reader can say what to do with it (save as .xlsx).
        if not upload.name.lower().endswith((".xlsx", ".csv", ".xls")):
            raise forms.ValidationError(_("请上传 Excel（.xlsx）或 CSV 文件。"))
        return upload

    def clean_initial_password(self):
        password = self.cleaned_data["initial_password"]
        if password:
            validate_initial_password(password)
        return password


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
