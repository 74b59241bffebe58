"""How a revision comparison (page history "比较", the whole-course review) draws course fields, in Chinese.

Wagtail draws a field as its stored value: an hour category as its code ("legal"), a
set of staff categories as its codes, a yes/no as "True"/"False" and an empty date as
"None". These draw the names people read instead. Registered from ``cms/wagtail_hooks.py``
(the field classes) and used by ``CoursePage``'s panels (the hour category, whose
choices are read at run time).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.admin.compare import FieldComparison, TextDiff
from wagtail.admin.panels import FieldPanel

from cms.extensions import hour_categories
from cms.fields import split_codes
from cms.widgets import HourCategorySelect


class _NamedValueComparison(FieldComparison):
    """A field whose stored value is shown through ``display`` (a name instead of a code)."""

    def display(self, value) -> str:
        raise NotImplementedError

    def htmldiff(self):
        shown_a, shown_b = self.display(self.val_a), self.display(self.val_b)
        if shown_a == shown_b:
            return escape(shown_b)
        return TextDiff([("deletion", shown_a), ("addition", shown_b)]).to_html()

    def has_changed(self):
        return self.display(self.val_a) != self.display(self.val_b)


class HourCategoryComparison(_NamedValueComparison):
    def display(self, value) -> str:
        return dict(hour_categories()).get(value, value or "")


class ChoiceListComparison(_NamedValueComparison):
    """``cms.fields.ChoiceListField``: the names of the chosen codes; none chosen means no restriction."""

    def display(self, value) -> str:
        names = dict(self.field.item_choices)
        codes = split_codes(value)
        return "、".join(str(names.get(code, code)) for code in codes) if codes else _("不限")


class YesNoComparison(_NamedValueComparison):
    def display(self, value) -> str:
        return _("是") if value else _("否")


class DateTimeComparison(_NamedValueComparison):
    def display(self, value) -> str:
        if value is None:
            return _("未设置")
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "Y-m-d H:i")


class HourCategoryPanel(FieldPanel):
    """The hour category of a course: a select of the ledger's categories, compared by their names."""

    def __init__(self, field_name, *args, **kwargs):
        kwargs.setdefault("widget", HourCategorySelect)
        super().__init__(field_name, *args, **kwargs)

    def get_comparison_class(self):
        return HourCategoryComparison
