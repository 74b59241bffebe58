"""What the course pages need from the apps above ``cms``, registered by those apps in ``ready()``.

``cms`` owns the catalogue, course and lesson pages (Wagtail pages: content only).
What a learner has done with them (time studied, completion, a study plan's
requirements) and the ledger's hour categories belong to apps above ``cms``, which
``cms`` never imports. Those apps register here instead:

* ``register_learner_context(page_class, provider)``: ``provider(request, page) -> dict``
  adds what the learner's page shows. It only reads: Wagtail's ``get_context`` (also
  used for previews) writes nothing.
* ``register_learner_visit(page_class, handler)``: ``handler(request, page, context) -> dict``
  runs when a signed-in learner is served the page — never for a preview — after the
  context is read. It is the one place a visit writes (a lesson's timer starts; a course
  whose last requirement was met since is completed); what it returns joins the context.
* ``register_hour_categories(source)``: ``source() -> list[(code, name)]``, in display
  order: the categories a course's hours may be credited to (one source).
* ``register_learner_records(check)``: ``check(course_ids, lesson_ids) -> bool``: whether
  learners' records or plans point at these pages (then deleting them is refused).

Providers of one page class run in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable

_context: dict[type, list[Callable]] = {}
_visit: dict[type, list[Callable]] = {}
_records: list[Callable] = []
_categories: list[Callable[[], list[tuple[str, str]]]] = []


def _add(registry: dict[type, list[Callable]], page_class: type, fn: Callable) -> Callable:
    handlers = registry.setdefault(page_class, [])
    if fn not in handlers:  # a second ready() registers nothing new
        handlers.append(fn)
    return fn


def register_learner_context(page_class: type, provider: Callable) -> Callable:
    return _add(_context, page_class, provider)


def register_learner_visit(page_class: type, handler: Callable) -> Callable:
    return _add(_visit, page_class, handler)


def register_learner_records(check: Callable) -> Callable:
    if check not in _records:
        _records.append(check)
    return check


def register_hour_categories(source: Callable[[], list[tuple[str, str]]]) -> Callable:
    if _categories and _categories[0] is not source:
        raise ValueError("hour categories have one source")
    _categories[:] = [source]
    return source


def learner_context(request, page) -> dict:
    context: dict = {}
    for provider in _context.get(type(page), ()):
        context.update(provider(request, page))
    return context


def record_visit(request, page, context: dict) -> None:
    for handler in _visit.get(type(page), ()):
        context.update(handler(request, page, context) or {})


def has_learner_records(*, course_ids, lesson_ids) -> bool:
    return any(check(course_ids, lesson_ids) for check in _records)


def hour_categories() -> list[tuple[str, str]]:
    """The hour categories as ``(code, name)``, in display order (none until an app provides them)."""
    return _categories[0]() if _categories else []
