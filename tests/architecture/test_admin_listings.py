"""No listing of the CMS shows a raw ``True``/``False``: a yes/no column is a ``BooleanColumn``.

Wagtail draws a model field named in ``list_display`` with ``str(value)``, which for a
boolean is English whatever the language. Every model viewset the apps register (and
every snippet's) is swept.
"""

from __future__ import annotations

from django.db import models
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.models import get_snippet_models


def _flatten(registered):
    for item in registered if isinstance(registered, list | tuple) else [registered]:
        if isinstance(item, ViewSetGroup):
            yield from _flatten([r() if isinstance(r, type) else r for r in item.registerables])
        else:
            yield item


def model_viewsets() -> list[ModelViewSet]:
    found = [v for fn in hooks.get_hooks("register_admin_viewset") for v in _flatten(fn())]
    found += [model.snippet_viewset for model in get_snippet_models()]
    return [v for v in found if isinstance(v, ModelViewSet) and not v.model.__module__.startswith("wagtail.")]


def raw_boolean_columns(viewset: ModelViewSet) -> list[str]:
    raw = []
    entries = viewset.list_display if isinstance(viewset.list_display, list | tuple) else ()  # Wagtail's defaults
    for entry in entries:
        if isinstance(entry, str):
            try:
                field = viewset.model._meta.get_field(entry)
            except Exception:  # a method or property: drawn by its own code
                continue
            if isinstance(field, models.BooleanField):
                raw.append(f"{viewset.model.__name__}.{entry}")
    return raw


def test_the_sweep_finds_the_exam_and_question_listings():
    names = {v.model.__name__ for v in model_viewsets()}
    assert {"Exam", "Question", "QuestionCategory"} <= names


def test_no_listing_draws_a_boolean_as_text():
    raw = [column for viewset in model_viewsets() for column in raw_boolean_columns(viewset)]
    assert not raw, f"use wagtail.admin.ui.tables.BooleanColumn for {raw}"


def test_the_check_sees_a_raw_boolean():
    from exams.models import Exam

    class Listing(ModelViewSet):
        model = Exam
        list_display = ["title", "is_published"]

    assert raw_boolean_columns(Listing()) == ["Exam.is_published"]
