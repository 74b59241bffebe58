"""Every URL the project routes, as a concrete path a test can request.

Walks the resolver (our URL confs, Wagtail's, the Django admin's, allauth's)
and fills each converter with a sample value, so a sweep test covers a route
the day somebody adds it.
"""

from __future__ import annotations

import re
import uuid

from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
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


def all_paths() -> list[tuple[str, str]]:
    """``[(path, name)]`` for every routed pattern (name is the URL name or the view's dotted path)."""
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
    return [(_resolvable(p), n) for p, n in found if not (p in seen or seen.add(p))]


def _resolvable(path: str) -> str:
    r"""A regex sample may need its trailing slash (Wagtail's page route ``((?:[\w\-]+/)*)``)."""
    for candidate in (path, path + "/"):
        try:
            resolve(candidate)
            return candidate
        except Resolver404:
            continue
    raise AssertionError(f"cannot build a sample path for {path}")
