"""Forms of the course catalogue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CatalogueFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("全部")),
        ("not_started", _("未开始")),
        ("in_progress", _("学习中")),
        ("done", _("已完成")),
    ]

    category = forms.ChoiceField(label=_("学时类别"), required=False)
    law = forms.ModelChoiceField(label=_("法规"), queryset=None, required=False, empty_label=_("全部法规"))
    status = forms.ChoiceField(label=_("学习状态"), choices=STATUS_CHOICES, required=False)
    required = forms.BooleanField(label=_("只看我的必修"), required=False)

    def __init__(self, *args, categories: dict[str, str], **kwargs):
        from cms.models import Law

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别")), *categories.items()]
        self.fields["law"].queryset = Law.objects.filter(versions__articles__course_links__isnull=False).distinct()
