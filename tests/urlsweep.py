"""Every URL the project routes, as a concrete path a test can request.

Walks the resolver (our URL confs, Wagtail's, the Django admin's, allauth's)
and fills each converter with a sample value, so a sweep test covers a route
the day somebody adds it. A sample id names no row, so an object's page only
answers "not found"; ``admin_objects=True`` adds the Django admin's per-object
pages of every registered model filled with a real row (where the test made one),
so the pages themselves are drawn.
"""

from __future__ import annotations

import re
import uuid

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}
_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<[^>]+>[^()]*(?:\([^()]*\)[^()]*)*\)|\([^()]*(?:\([^()]*\)[^()]*)*\)")


def _sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _CONVERTER.sub(lambda m: SAMPLES.get(m.group("conv") or "str", "x"), str(pattern._route))
    if isinstance(pattern, RegexPattern):
        text = pattern._regex.lstrip("^").rstrip("$").replace("\\Z", "")
        text = _GROUP.sub("1", text)
        text = text.replace("\\", "").replace("?", "")
        return text
    return str(pattern)


def all_paths(*, admin_objects: bool = False) -> list[tuple[str, str]]:
    """``[(path, name)]`` for every routed pattern (name is the URL name or the view's dotted path).

    With ``admin_objects``, also each Django admin per-object path (``<app>/<model>/<id>/change/`` …)
    with the id of the model's first row, for every registered model that has one (this reads the database).
    """
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            piece = _sample(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + piece)
            elif isinstance(entry, URLPattern):
                callback = entry.callback
                label = entry.name or f"{callback.__module__}.{getattr(callback, '__name__', type(callback).__name__)}"
                found.append(("/" + prefix + piece, label))

    walk(get_resolver().url_patterns, "")
    seen: set[str] = set()
    paths = [(_resolvable(p), n) for p, n in found if not (p in seen or seen.add(p))]
    return paths + _admin_object_paths(paths) if admin_objects else paths


def _admin_object_paths(paths: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The admin's per-object samples (``…/<model>/x/…``) again, naming a real row of the model."""
    index = reverse("admin:index")
    filled = []
    for model, _model_admin in admin.site._registry.items():
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if pk is None:
            continue
        sample = f"{index}{model._meta.app_label}/{model._meta.model_name}/{SAMPLES['path']}/"
        real = f"{index}{model._meta.app_label}/{model._meta.model_name}/{quote(pk)}/"
        filled += [(real + path[len(sample) :], name) for path, name in paths if path.startswith(sample)]
    return filled


def _resolvable(path: str) -> str:
    r"""A regex sample may need its trailing slash (Wagtail's page route ``((?:[\w\-]+/)*)``)."""
    for candidate in (path, path + "/"):
        try:
            resolve(candidate)
            return candidate
        except Resolver404:
            continue
    raise AssertionError(f"cannot build a sample path for {path}")
