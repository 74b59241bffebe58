from django import forms
from django.utils.translation import gettext_lazy as _

from directory.importers.staff import validate_initial_password


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
