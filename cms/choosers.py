"""An admin chooser for law articles (used by course pages and lesson citations).

The law library has thousands of articles, so trainers pick one through a modal
with a law filter and a search box (by number — "33" or "第三十三条" — or by a phrase
of the text) instead of a select box. The viewset is registered in
``cms.course_admin``; ``LawArticleChooserBlock`` in ``cms.blocks`` reuses it.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from cms.laws.numerals import chinese_to_int


def _law_choices():
    from cms.models import Law

    return [("", _("全部法规"))] + [(law.pk, str(law)) for law in Law.objects.order_by("short_name")]


class LawArticleFilterForm(BaseFilterForm):
    law = forms.TypedChoiceField(label=_("法规"), required=False, coerce=int, empty_value=None, choices=_law_choices)
    q = forms.CharField(
        label=_("条号或关键词"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 33、第三十三条、听证")}),
    )
    all_versions = forms.BooleanField(label=_("包括历史版本"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["law"].widget.attrs["data-chooser-modal-search-filter"] = True
        self.fields["all_versions"].widget.attrs["data-chooser-modal-search-filter"] = True

    def filter(self, objects):
        data = self.cleaned_data
        if not data.get("all_versions"):
            objects = objects.filter(version__is_current=True)
        if data.get("law"):
            objects = objects.filter(version__law_id=data["law"])
        query = (data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(_query_q(query))
        return objects


def _article_number(query: str) -> int | None:
    """33, "第三十三条" or "三十三" → 33; anything else → None."""
    core = query.removeprefix("第").removesuffix("条")
    try:
        return chinese_to_int(core)
    except ValueError:
        return None


def _query_q(query: str) -> Q:
    number = _article_number(query)
    condition = Q(text__contains=query) | Q(number_text=query)
    if number:
        condition |= Q(number=number)
    return condition


class _LawArticleViewMixin:
    filter_form_class = LawArticleFilterForm
    per_page = 20

    def get_object_list(self):
        from cms.models import LawArticle

        return LawArticle.objects.select_related("version__law").order_by(
            "version__law__short_name", "-version__effective_date", "number", "sub_number"
        )

    @property
    def columns(self):
        return [
            self.title_column,
            Column("law_version", label=_("版本"), accessor=lambda a: a.version.label),
            Column("excerpt", label=_("条文"), accessor=lambda a: a.text[:60]),
        ]


class LawArticleChooseView(_LawArticleViewMixin, ChooseView):
    pass


class LawArticleChooseResultsView(_LawArticleViewMixin, ChooseResultsView):
    pass


class LawArticleChooserViewSet(ChooserViewSet):
    model = "cms.LawArticle"
    icon = "doc-full"
    choose_one_text = _("选择法条")
    choose_another_text = _("更换法条")
    edit_item_text = _("查看")
    page_title = _("选择法条")
    choose_view_class = LawArticleChooseView
    choose_results_view_class = LawArticleChooseResultsView


law_article_chooser_viewset = LawArticleChooserViewSet("law_article_chooser", url_prefix="law-article-chooser")
