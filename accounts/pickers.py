"""Searchable pickers of units and people: the audience fields of every form (courses, exams,
classroom sessions, study plans).

There are a few hundred units and thousands of people (5,235 in the prefecture, 52,000 in a
province), so a form never lists them all. It shows the chosen ones as chips and a search box that
asks the server as one types (``accounts.views.pickers``: ``/accounts/pickers/units/`` and
``/accounts/pickers/people/``).

* ``search_units`` / ``search_people``: what a picker finds, only among the units and people the
  viewer may put in an audience (``accounts.scope.filter_audience_units`` / ``filter_audience_people``),
  ``PAGE_SIZE`` at a time, in a fixed number of queries. Every word of the query must match: a
  unit by its code (prefix) or its name or any ancestor's name (its full path); a person by the
  start of their name or 工号, or by their unit as a unit is matched. Prefix matches use the
  indexes on ``User.full_name`` and ``User.employee_no`` (on PostgreSQL their ``varchar_pattern_ops``
  indexes); the unit table is small.
* ``UnitPicker`` / ``PersonPicker``: the form widgets, for Wagtail panels and our own templates
  alike (``static/accounts/picker.js`` and ``picker.css`` come as the widget's ``Media``). They
  post the values the fields always took — primary keys for the model fields, one 工号 a line for
  the 工号 fields of sessions and study plans (``as_text=True``) — so fields, validation and
  services are unchanged. Drawing a form queries only the chosen values.
* Without JavaScript the chips are ticked checkboxes (untick to remove) and the search box is a
  plain text box: 工号 or unit codes (or a unit's full name) typed there are added on saving.

The audience *rule* is ``accounts.audience``; the pickers only choose its units and people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Case, Model, Q, QuerySet, When
from django.template import loader
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .drilldown import tree_order
from .models import OrgUnit, User
from .scope import filter_audience_people, filter_audience_units

if TYPE_CHECKING:
    from django.utils.functional import Promise

PAGE_SIZE = 20
#: Deeper than this, the searcher should narrow the query instead of paging on.
MAX_PAGE = 50
MAX_QUERY_CHARS = 100
MAX_TERMS = 5
#: What separates words in a query, and 工号 or codes in a text box.
SEPARATORS = re.compile(r"[\s,，;；、]+")
#: The name of the text box's value for a model field, where it cannot share the field's name.
ADD_SUFFIX = "__add"


class PickerQueryError(ValueError):
    """A query the pickers refuse; the message says why, in the user's language."""


@dataclass(frozen=True)
class PickerPage:
    items: list[dict[str, Any]]
    page: int
    has_more: bool


def split_words(text: str) -> list[str]:
    """Words of ``text``, each once, in order."""
    return list(dict.fromkeys(w for w in SEPARATORS.split(text or "") if w))


def parse_query(q: str | None) -> list[str]:
    q = (q or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise PickerQueryError(_("搜索内容太长：最多 %(n)s 个字。") % {"n": MAX_QUERY_CHARS})
    words = split_words(q)
    if len(words) > MAX_TERMS:
        raise PickerQueryError(_("搜索词太多：最多 %(n)s 个，用空格分开。") % {"n": MAX_TERMS})
    return words


def parse_page(value: str | None) -> int:
    if value in (None, ""):
        return 1
    if not str(value).isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise PickerQueryError(
            _("页码须是 1 到 %(max)s 之间的整数；结果太多时请输入更多字缩小范围。") % {"max": MAX_PAGE}
        )
    return int(value)


def _page(rows: list, page: int, serialize) -> PickerPage:
    return PickerPage(items=[serialize(r) for r in rows[:PAGE_SIZE]], page=page, has_more=len(rows) > PAGE_SIZE)


def _slice(page: int) -> slice:
    start = (page - 1) * PAGE_SIZE
    return slice(start, start + PAGE_SIZE + 1)  # one more row tells whether there is a next page


# --- Units -------------------------------------------------------------------------------------


def _unit_word_q(word: str) -> Q:
    return Q(full_path__icontains=word) | Q(code__istartswith=word)


def _unit_word_matches(word: str, unit: OrgUnit) -> bool:
    """``_unit_word_q`` for a loaded unit."""
    return word.lower() in unit.full_path.lower() or unit.code.lower().startswith(word.lower())


def unit_item(unit: OrgUnit) -> dict[str, Any]:
    """The unit's name, and where it sits: the names above it (many townships have a 司法所)."""
    suffix = f"/{unit.name}"
    above = unit.full_path[: -len(suffix)] if unit.full_path.endswith(suffix) else ""
    return {"id": unit.pk, "code": unit.code, "label": unit.name, "detail": above}


def search_units(viewer: User, q: str | None = "", *, page: int = 1) -> PickerPage:
    """Units ``viewer`` may choose whose code, name or path match every word of ``q``, in tree
    order (no words: the top of what they may choose). One query."""
    words = parse_query(q)
    units = filter_audience_units(viewer).filter(*[_unit_word_q(w) for w in words])
    rows = list(units.only("pk", "code", "name", "full_path").order_by(tree_order(None))[_slice(page)])
    return _page(rows, page, unit_item)


# --- People ------------------------------------------------------------------------------------


def person_item(person: User) -> dict[str, Any]:
    return {
        "id": person.pk,
        "employee_no": person.employee_no,
        "label": f"{person.full_name}（{person.employee_no}）",
        "detail": person.org_unit.full_path if person.org_unit_id else "",
    }


#: A shorter word is a surname or the start of a 工号, not a unit: "阿" would match every 阿瓦提乡.
MIN_UNIT_WORD_CHARS = 2


def _people_units(viewer: User, words: list[str]) -> dict[str, list[int]]:
    """For each word, the ids of the units it matches (their full path names every ancestor, so a
    county's name matches its whole subtree). One query for all words; none if no word is long enough."""
    matched: dict[str, list[int]] = {w: [] for w in words}
    long_words = [w for w in words if len(w) >= MIN_UNIT_WORD_CHARS]
    if not long_words:
        return matched
    units = filter_audience_units(viewer).filter(reduce(or_, (_unit_word_q(w) for w in long_words)))
    for unit in units.only("pk", "code", "full_path"):
        for word in long_words:
            if _unit_word_matches(word, unit):
                matched[word].append(unit.pk)
    return matched


def _own_word_q(word: str) -> Q:
    """The person's own name or 工号 starts with ``word``."""
    q = Q(full_name__startswith=word) | Q(employee_no__startswith=word)
    if word.upper() != word:  # 工号 such as KS000123 typed in lower case
        q |= Q(employee_no__startswith=word.upper())
    return q


def search_people(viewer: User, q: str | None, *, page: int = 1) -> PickerPage:
    """Active people ``viewer`` may choose matching every word of ``q`` (start of name or 工号, or
    their unit): those whose name or 工号 matched first, then by name. Two queries; none without a word."""
    words = parse_query(q)
    if not words:
        return PickerPage(items=[], page=page, has_more=False)
    units = _people_units(viewer, words)
    people = filter_audience_people(viewer, User.objects.filter(is_active=True))
    for word in words:
        people = people.filter(_own_word_q(word) | Q(org_unit_id__in=units[word]) if units[word] else _own_word_q(word))
    by_own_name = Case(When(reduce(or_, (_own_word_q(w) for w in words)), then=0), default=1)
    people = people.select_related("org_unit").only(
        "pk", "full_name", "employee_no", "org_unit__full_path", "org_unit__name"
    )
    rows = list(people.order_by(by_own_name, "full_name", "employee_no")[_slice(page)])
    return _page(rows, page, person_item)


# --- Widgets -----------------------------------------------------------------------------------


class _Picker(forms.Widget):
    """Chips for the chosen values and a search box; see the module's docstring.

    ``value_field`` is what a chip posts (``"pk"``, or ``"employee_no"`` for people); with
    ``as_text`` the field receives one value a line (a 工号 text field) instead of a list.
    A ``ModelMultipleChoiceField`` hands the widget its choices: the chosen values are then
    looked up in the field's queryset (which may be scoped), else in the model's.
    """

    template_name = "accounts/widgets/picker.html"
    model: type[Model]
    kind: str
    url_name: str
    lookup_fields: tuple[str, ...] = ()
    min_chars = 0
    placeholder: Promise
    fallback_placeholder: Promise
    none_found: Promise
    fallback_help: Promise

    def __init__(self, attrs=None, *, value_field: str = "pk", as_text: bool = False):
        super().__init__(attrs)
        self.value_field = value_field
        self.as_text = as_text
        self.choices: Any = ()
        #: Set by a form that knows its user: chosen people are then shown only within what they may choose.
        self.viewer: User | None = None

    @property
    def media(self) -> forms.Media:
        return forms.Media(css={"all": ["accounts/picker.css"]}, js=[forms.Script("accounts/picker.js", defer=True)])

    # --- values
    def _tokens(self, value) -> list[str]:
        """The chosen values as strings: from a list, a model instance, or text of several."""
        if value is None or value == "":
            return []
        values = [value] if isinstance(value, str | Model) or not isinstance(value, Iterable) else list(value)
        words: list[str] = []
        for item in values:
            if isinstance(item, Model):
                item = getattr(item, self.value_field)
            words.extend(split_words(str(item)) if item not in (None, "") else [])
        return list(dict.fromkeys(words))

    def format_value(self, value):
        return self._tokens(value)

    def value_from_datadict(self, data, files, name):
        posted = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        values = self._tokens(posted)
        if self.as_text:
            return "\n".join(values)
        typed = split_words(data.get(name + ADD_SUFFIX, "") or "")
        return list(dict.fromkeys(values + self._resolve(typed))) if typed else values

    def value_omitted_from_data(self, data, files, name):
        return False  # no chip posted means nothing is chosen

    def _queryset(self) -> QuerySet:
        queryset = getattr(self.choices, "queryset", None)
        return queryset.all() if queryset is not None else self.model._default_manager.all()

    def _by_value(self, tokens: list[str]) -> QuerySet:
        if self.value_field == "pk":
            tokens = [t for t in tokens if t.isdigit()]
        return self._queryset().filter(**{f"{self.value_field}__in": tokens})

    def _resolve(self, typed: list[str]) -> list[str]:
        """Typed codes or 工号 (the search box without JavaScript) → the values chips post; what is
        not found exactly once stays as typed, for the field to name as not valid."""
        wanted = typed + [t.upper() for t in typed]
        found: dict[str, set[str]] = {}
        lookups = reduce(or_, (Q(**{f"{f}__in": wanted}) for f in self.lookup_fields))
        for obj in self.model._default_manager.filter(lookups):
            for f in self.lookup_fields:
                found.setdefault(str(getattr(obj, f)), set()).add(str(getattr(obj, self.value_field)))
        resolved = []
        for token in typed:
            values = found.get(token) or found.get(token.upper()) or set()
            resolved.append(next(iter(values)) if len(values) == 1 else token)
        return resolved

    # --- drawing
    def _items(self, tokens: list[str]) -> list[dict[str, Any]]:
        """A chip for each chosen value; one query. A value not found shows as posted, marked."""
        if not tokens:
            return []
        found = {str(getattr(obj, self.value_field)): self.item(obj) for obj in self._lookup(self._by_value(tokens))}
        return [
            {"value": t, **found[t], "unknown": False}
            if t in found
            else {"value": t, "label": t, "detail": _("找不到，或不在可选范围内"), "unknown": True}
            for t in tokens
        ]

    def _lookup(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def item(self, obj) -> dict[str, Any]:
        raise NotImplementedError

    def _render(self, template_name, context, renderer=None):
        # The template is the project's (templates/accounts/widgets/), which Django's default form
        # renderer does not search; the site's engine renders it whichever renderer the form has.
        return mark_safe(loader.render_to_string(template_name, context))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget_id = widget["attrs"].get("id") or f"picker-{name}"
        widget.update(
            id=widget_id,
            kind=self.kind,
            url=reverse(self.url_name),
            value_key="id" if self.value_field == "pk" else self.value_field,
            min_chars=self.min_chars,
            chips=self._items(widget["value"]),
            input_name=name if self.as_text else name + ADD_SUFFIX,
            placeholder=self.placeholder,
            fallback_placeholder=self.fallback_placeholder,
            none_found=self.none_found,
            fallback_help=self.fallback_help,
        )
        return context


class UnitPicker(_Picker):
    model = OrgUnit
    kind = "units"
    url_name = "accounts:picker_units"
    lookup_fields = ("code", "name", "full_path")
    placeholder = gettext_lazy("输入单位名称或代码搜索")
    fallback_placeholder = gettext_lazy("单位代码或完整名称")
    none_found = gettext_lazy("没有找到匹配的单位。")
    fallback_help = gettext_lazy("取消勾选即可移除。添加：在上框填写单位代码或完整名称（多个用空格分开），保存后加入。")

    def item(self, obj: OrgUnit) -> dict[str, Any]:
        return unit_item(obj)


class PersonPicker(_Picker):
    model = User
    kind = "people"
    url_name = "accounts:picker_people"
    lookup_fields = ("employee_no",)
    min_chars = 1
    placeholder = gettext_lazy("输入姓名、工号或单位搜索")
    fallback_placeholder = gettext_lazy("工号")
    none_found = gettext_lazy("没有找到匹配的人员。")
    fallback_help = gettext_lazy("取消勾选即可移除。添加：在上框填写工号（多个用空格或逗号分开），保存后加入。")

    def _lookup(self, queryset: QuerySet) -> QuerySet:
        if self.viewer is not None:
            queryset = filter_audience_people(self.viewer, queryset)
        return queryset.select_related("org_unit")

    def item(self, obj: User) -> dict[str, Any]:
        return person_item(obj)
