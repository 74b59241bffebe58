import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from directory.importers.staff import EMPLOYEE_NO_RE, validate_initial_password
from directory.letters import LAYOUTS, PAGE
from directory.selectors.letters import LetterRequest, imported_needing_activation, letter_units


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
        help_text=_("留空（推荐）则新账号导入后为“待激活”：打印开通通知书，本人凭激活码设置自己的密码。"),
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


#: Separators between the 工号 someone types or pastes: spaces, commas, semicolons, new lines.
NUMBER_SEPARATORS = re.compile(r"[\s,，;；、]+")
#: More 工号 than a province's staff list is a mistake, not a request.
MAX_LETTER_NUMBERS = 60_000


class ActivationLettersForm(forms.Form):
    """Whose activation letters to print, how, and the confirmation that their old codes stop working."""

    unit = forms.ModelChoiceField(
        label=_("单位（含下级单位）"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("（不按单位）")
    )
    employee_nos = forms.CharField(
        label=_("或填写工号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocapitalize": "none", "spellcheck": "false"}),
        help_text=_("多个工号用空格、逗号或换行分隔；也可以在人员名册中勾选人员后点“打印开通通知书”。"),
    )
    staff_import = forms.IntegerField(required=False, widget=forms.HiddenInput)
    only_pending = forms.BooleanField(
        label=_("只打印尚未激活的人员（已能用密码登录的人员不打印）"), required=False, initial=True
    )
    layout = forms.ChoiceField(label=_("版式"), choices=list(LAYOUTS.items()), initial=PAGE, widget=forms.RadioSelect)
    confirm = forms.BooleanField(
        label=_("我已知晓：生成后，这些人员原有的激活码立即作废，只有新通知书上的激活码可以使用。"), required=False
    )

    def __init__(self, *args, viewer, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = letter_units(viewer)
        self.imported = False

    def clean_employee_nos(self) -> tuple[str, ...]:
        text = self.cleaned_data["employee_nos"]
        numbers = tuple(dict.fromkeys(n for n in NUMBER_SEPARATORS.split(text or "") if n))
        if len(numbers) > MAX_LETTER_NUMBERS:
            raise forms.ValidationError(_("一次最多填写 %(n)s 个工号。") % {"n": MAX_LETTER_NUMBERS})
        bad = [n for n in numbers if not EMPLOYEE_NO_RE.match(n)]
        if bad:
            raise forms.ValidationError(
                _("工号格式不对：%(numbers)s（只能是字母、数字、下划线或短横线，最长 32 位）。")
                % {"numbers": "、".join(bad[:10]) + ("…" if len(bad) > 10 else "")}
            )
        return numbers

    def clean(self):
        data = super().clean()
        unit, numbers, imported = data.get("unit"), data.get("employee_nos") or (), data.get("staff_import")
        if imported is not None:
            found = imported_needing_activation(imported)
            if found is None:
                raise forms.ValidationError(_("找不到这次人员导入的记录，请按单位或工号打印。"))
            numbers, self.imported = tuple(found), True
            data["only_pending"] = True
            if not numbers:
                raise forms.ValidationError(_("这次导入的人员都已能登录，不需要开通通知书。"))
        if unit is not None and numbers:
            raise forms.ValidationError(_("请选择单位或填写工号，二者只能选一种。"))
        if unit is None and not numbers and not self.errors:
            raise forms.ValidationError(_("请选择一个单位，或填写要打印的人员的工号。"))
        data["request"] = LetterRequest(
            unit=unit,
            employee_nos=numbers,
            only_pending=bool(data.get("only_pending")),
            layout=data.get("layout") or PAGE,
        )
        return data
