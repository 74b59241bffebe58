"""A small set of choice codes stored in one column.

Course audiences and study-plan targets pick *some* staff categories. Stored as
``",enforcement,leader,"`` the test "does this set contain X" is an exact
``LIKE '%,X,%'`` on SQLite and PostgreSQL alike (JSON containment is not
available on SQLite), and the empty string means "no restriction".
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def split_codes(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [code for code in value.split(",") if code]
    return [str(code) for code in value if code]


def join_codes(codes: Iterable[str]) -> str:
    unique = sorted({str(code).strip() for code in codes if str(code).strip()})
    return f",{','.join(unique)}," if unique else ""


class ChoiceListField(models.CharField):
    """A list of choice codes (Python ``list[str]``), stored delimited."""

    description = _("多选代码")

    def __init__(self, *args, item_choices=None, **kwargs):
        self.item_choices = list(item_choices or [])
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_choices"] = self.item_choices
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return split_codes(value)

    def to_python(self, value):
        return split_codes(value)

    def get_prep_value(self, value):
        # Lookups pass an already-delimited string (see ``contains_code``); keep it.
        if isinstance(value, str):
            return value
        return join_codes(value or [])

    def value_to_string(self, obj):
        return join_codes(self.value_from_object(obj) or [])

    def validate(self, value, model_instance):
        allowed = {code for code, _label in self.item_choices}
        unknown = [code for code in split_codes(value) if code not in allowed]
        if unknown:
            raise ValidationError(_("未知的选项：%(codes)s"), params={"codes": "、".join(unknown)})

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.item_choices,
            "required": not self.blank,
            "label": self.verbose_name,
            "help_text": self.help_text,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        defaults.pop("max_length", None)
        defaults.pop("empty_value", None)
        return form_class(**defaults)


def contains_code(field_name: str, code: str) -> Q:
    """Rows whose set in ``field_name`` contains ``code``."""
    return Q(**{f"{field_name}__contains": f",{code},"})


def empty_or_contains(field_name: str, code: str | None) -> Q:
    """Rows with no restriction in ``field_name`` or whose set contains ``code``."""
    q = Q(**{field_name: ""})
    if code:
        q |= contains_code(field_name, code)
    return q
