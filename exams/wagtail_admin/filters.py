"""Filters of the question list."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.admin.filters import WagtailFilterSet

from exams import qtypes
from exams.models import Question, QuestionCategory


class QuestionFilterSet(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("分类（含下级）"),
        queryset=QuestionCategory.objects.order_by("path"),
        method="filter_category",
    )
    type = django_filters.ChoiceFilter(label=_("题型"), choices=qtypes.type_choices)
    tag = django_filters.ModelChoiceFilter(
        label=_("标签"),
        queryset=Tag.objects.filter(exams_questiontag_items__isnull=False).distinct().order_by("name"),
        field_name="tags",
    )
    is_archived = django_filters.BooleanFilter(label=_("已归档"))

    class Meta:
        model = Question
        fields = ["category", "type", "tag", "is_archived"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__path__startswith=value.path) if value else queryset
