"""The settings page's form: e-mail and SMS per kind, offered only where the person has an address."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from notifications.selectors.preferences import KindSetting


class PreferencesForm(forms.Form):
    def __init__(self, *args, user, rows: list[KindSetting], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.rows = rows
        for row in rows:
            self.fields[row.field_email] = forms.BooleanField(required=False, initial=row.email, label=_("邮件"))
            self.fields[row.field_sms] = forms.BooleanField(required=False, initial=row.sms, label=_("短信"))

    def clean(self):
        data = super().clean()
        if not self.user.email and any(data.get(row.field_email) for row in self.rows):
            raise forms.ValidationError(_("您没有登记邮箱，不能选择邮件提醒。"))
        if not self.user.phone and any(data.get(row.field_sms) for row in self.rows):
            raise forms.ValidationError(_("您没有登记手机号，不能选择短信提醒。"))
        return data

    def choices(self) -> dict[str, tuple[bool, bool]]:
        """``{kind: (email, sms)}``; a channel the person cannot use keeps what it was (their choice or the default)."""
        data = self.cleaned_data
        return {
            row.kind.code: (
                bool(data.get(row.field_email)) if self.user.email else row.email,
                bool(data.get(row.field_sms)) if self.user.phone else row.sms,
            )
            for row in self.rows
        }
