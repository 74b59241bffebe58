"""Which kinds of object the search index holds, and who may see each kind.

Importing this module touches no models, so a models module may register its
kind at import time::

    from cms.search.registry import register_kind
    register_kind("course", label=_("课程"), order=10, visible=visible_course_ids)

``visible(user)`` returns the ids (a queryset of ``pk`` values or any iterable of
ints) of the objects of that kind the user may see, or ``None`` for "all of
them". A kind nobody registered is shown to nobody: the index fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

VisibleIds = Callable[[Any], Iterable[int] | None]


def _nothing(user) -> list[int]:
    return []


def _everything(user) -> None:
    return None


@dataclass(frozen=True)
class SearchKind:
    name: str
    label: str
    order: int
    visible: VisibleIds


_KINDS: dict[str, SearchKind] = {}


def register_kind(name: str, *, label: str, order: int = 50, visible: VisibleIds) -> None:
    """Declare (or replace) a kind of search document and its visibility rule."""
    _KINDS[name] = SearchKind(name=name, label=label, order=order, visible=visible)


def get_kind(name: str) -> SearchKind | None:
    return _KINDS.get(name)


def kinds() -> list[SearchKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.order)


LAW_ARTICLE = "law_article"
COURSE = "course"
LESSON = "lesson"

# Law texts are public documents: every signed-in official may search them.
register_kind(LAW_ARTICLE, label=_("法条"), order=30, visible=_everything)
# Courses and lessons stay hidden until the course app registers its audience rule.
register_kind(COURSE, label=_("课程"), order=10, visible=_nothing)
register_kind(LESSON, label=_("课时"), order=20, visible=_nothing)
