"""Site search across law articles, courses and lessons, Chinese included.

Public API (everything else in this package is an implementation detail):

``index_object(kind=..., obj_id=..., title=..., body=..., url=..., context="")``
    Add or refresh one object (idempotent; unchanged content writes nothing).
``index_many(kind=..., entries=[SearchEntry(obj_id, title, body, url, context), ...])``
    The same for many objects of one kind, in a few statements.
``remove_object(kind=..., obj_id=...)`` / ``remove_objects(kind=..., obj_ids=[...])``
    Take objects out of the index (unpublished, deleted, superseded).
``register_kind(name, label=..., order=..., visible=callable)``
    Declare who may see a kind: ``visible(user)`` returns the visible ids (a
    ``values("pk")`` queryset is best) or ``None`` for everybody signed in.
    Kinds ``course`` and ``lesson`` exist but show nothing until registered again
    with a real rule. Import it from ``cms.search.registry`` in a models module.
``search(query, user, limit=20) -> list[SearchHit]``
    The best hits the user may see (``kind``, ``kind_label``, ``title``,
    ``context``, ``url``, ``snippet`` as ``[(text, is_match), ...]``).
"""

from .indexing import SearchEntry, index_many, index_object, remove_object, remove_objects
from .query import SearchHit, search, search_documents
from .registry import COURSE, LAW_ARTICLE, LESSON, register_kind

__all__ = [
    "COURSE",
    "LAW_ARTICLE",
    "LESSON",
    "SearchEntry",
    "SearchHit",
    "index_many",
    "index_object",
    "register_kind",
    "remove_object",
    "remove_objects",
    "search",
    "search_documents",
]
