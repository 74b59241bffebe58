"""What stored HTML may load: only this site's own files.

An exam question or a lesson that shows ``<img src="https://tracker.example/p.gif">``
tells that site who opened it, when, and from where. Every path that stores
question or lesson HTML (the question editor, the question-bank imports, the
lesson editor) asks ``validate_html`` and refuses what it finds, naming the URL:
the author uploads the file here instead.

Allowed: relative URLs (``/media/…``, ``/documents/…``, ``img.png``), absolute URLs
on ``SITE_URL``'s host, and small inline images (``data:image/png|jpeg|gif|webp;base64``
up to ``MAX_INLINE_IMAGE_BYTES``). Video players embedded by Wagtail (``<iframe>``,
``<embed url>``) may also come from ``EMBED_ORIGINS``. Links (``<a href>``) are not
resources: nothing is fetched until someone clicks one. Scripts and ``on*`` event
attributes are refused outright, wherever they point.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Attributes that make a browser fetch their URL without anyone clicking.
RESOURCE_ATTRS = frozenset({"src", "lowsrc", "dynsrc", "poster", "background", "codebase"})
SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
#: Elements whose ``href`` is fetched (stylesheets, icons, preloads, SVG images) or rebases every other URL.
HREF_RESOURCE_ELEMENTS = frozenset({"link", "base", "image", "use", "feimage"})
#: Elements that show another site's page (a video player), where ``EMBED_ORIGINS`` are allowed too.
FRAME_ELEMENTS = frozenset({"iframe", "frame", "embed"})
DATA_IMAGE_RE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,([A-Za-z0-9+/=\s]*)$", re.IGNORECASE)
CSS_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*?))\s*\)""", re.IGNORECASE)
CSS_STRING_RE = re.compile(r""""([^"]*)"|'([^']*)'""")
CSS_ESCAPE_RE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.DOTALL)
URL_NOISE_RE = re.compile(r"[\t\n\r]")
URL_EDGE_RE = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
MESSAGE_URLS = 3


def _site_hosts() -> set[tuple[str, int | None]]:
    hosts = set()
    for base in (settings.SITE_URL, getattr(settings, "WAGTAILADMIN_BASE_URL", "")):
        parts = urlsplit(base or "")
        if parts.hostname:
            hosts.add((parts.hostname, _port(parts)))
    return hosts


def _embed_hosts() -> set[tuple[str, int | None]]:
    hosts = set()
    for origin in settings.EMBED_ORIGINS:
        parts = urlsplit(origin if "//" in origin else f"https://{origin}")
        if parts.hostname:
            hosts.add((parts.hostname, _port(parts)))
    return hosts


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return -1


def _normalise(url: str) -> str:
    """The URL as a browser reads it: outer spaces and controls dropped, tabs/newlines removed, ``\\`` as ``/``."""
    return URL_NOISE_RE.sub("", URL_EDGE_RE.sub("", url)).replace("\\", "/")


def _inline_image_ok(url: str) -> bool:
    match = DATA_IMAGE_RE.match(url)
    if match is None:
        return False
    payload = "".join(match.group(1).split())
    return len(payload) * 3 // 4 <= settings.MAX_INLINE_IMAGE_BYTES


def is_external(url: str, *, frame: bool = False) -> bool:
    """Whether fetching ``url`` would reach another site (or run something: ``javascript:``)."""
    url = _normalise(url or "")
    if not url:
        return False
    if url[:5].lower() == "data:":
        return not _inline_image_ok(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return True
    if not parts.scheme and not url.startswith("//"):
        return False  # relative: this site
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return True
    if not parts.hostname:
        return True  # "http:/evil.example" is evil.example to a browser
    allowed = _site_hosts() | (_embed_hosts() if frame else set())
    port = _port(parts)
    if parts.scheme == "":
        return not any(parts.hostname == host for host, _p in allowed)
    return (parts.hostname, port) not in allowed


def _css_unescape(text: str) -> str:
    def replace(match):
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return match.group(2)

    return CSS_ESCAPE_RE.sub(replace, CSS_COMMENT_RE.sub("", text))


def css_urls(css: str) -> list[str]:
    """Every URL a piece of CSS may fetch: ``url(…)`` and every quoted string (``@import``, ``image-set``)."""
    css = _css_unescape(css or "")
    found = [next(g for g in m.groups() if g is not None) for m in CSS_URL_RE.finditer(css)]
    found += [m.group(1) if m.group(1) is not None else m.group(2) for m in CSS_STRING_RE.finditer(css)]
    return found


def _srcset_urls(value: str) -> list[str]:
    return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]


def _element_urls(tag) -> list[tuple[str, bool]]:
    """(url, is a frame) for everything one element would fetch."""
    name = tag.name.lower()
    frame = name in FRAME_ELEMENTS
    found = []
    for attr, value in tag.attrs.items():
        attr = attr.lower()
        values = value if isinstance(value, list) else [value]
        text = " ".join(str(v) for v in values)
        if attr in RESOURCE_ATTRS or (attr == "url" and name == "embed") or (attr == "data" and name == "object"):
            found.append((text, frame))
        elif attr in SRCSET_ATTRS:
            found += [(url, False) for url in _srcset_urls(text)]
        elif attr in ("href", "xlink:href") and name in HREF_RESOURCE_ELEMENTS:
            found.append((text, False))
        elif attr == "style":
            found += [(url, False) for url in css_urls(text)]
    if name == "style":
        found += [(url, False) for url in css_urls(tag.get_text())]
    return found


def inspect_html(html: str) -> tuple[list[str], list[str]]:
    """(external URLs, scripts and event handlers) found in ``html``, each in document order, once."""
    if not html or ("<" not in html):
        return [], []
    soup = BeautifulSoup(html, "html.parser")
    external: dict[str, None] = {}
    active: dict[str, None] = {}
    for tag in soup.find_all(True):
        if tag.name.lower() == "script":
            active["<script>"] = None
        for attr in tag.attrs:
            if attr.lower().startswith("on"):
                active[f"{attr.lower()}="] = None
        for url, frame in _element_urls(tag):
            if is_external(url, frame=frame):
                external[_normalise(url)[:200]] = None
    return list(external), list(active)


def validate_html(html: str) -> None:
    """Raise ``ValidationError`` (Chinese, naming the URLs) for HTML that loads from elsewhere or runs script."""
    external, active = inspect_html(html)
    errors = []
    if external:
        errors.append(external_resource_error(external))
    if active:
        errors.append(
            ValidationError(
                _("不允许包含脚本或事件处理属性：%(what)s。") % {"what": "、".join(active)}, code="active_content"
            )
        )
    if errors:
        raise ValidationError(errors)


def external_resource_error(urls: list[str]) -> ValidationError:
    shown = "、".join(urls[:MESSAGE_URLS]) + ("…" if len(urls) > MESSAGE_URLS else "")
    return ValidationError(
        _("不允许引用外部网站的图片或资源：%(url)s，请上传到本站后再引用。") % {"url": shown}, code="external_resource"
    )


def validate_html_fields(instance, *fields: str) -> None:
    """``validate_html`` for rich-text model fields, as a model ``clean()`` reports it (by field)."""
    errors = {}
    for name in fields:
        try:
            validate_html(getattr(instance, name) or "")
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
