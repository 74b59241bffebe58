"""HTML of question stems and explanations: one sanitiser, and plain text ↔ HTML.

Stems and explanations are stored as sanitised HTML (imported files carry HTML;
trainers may paste it). Images are kept only as ``data:image/...;base64`` URIs
so a frozen paper needs no separate file store and an export can re-embed them.
The sanitiser is idempotent: ``sanitize_html(sanitize_html(x)) == sanitize_html(x)``,
which is what lets an export re-import to the same question.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re

from bs4 import BeautifulSoup
from django.utils.html import escape
from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister, attribute_rule, check_url

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
DATA_URI_RE = re.compile(r"^data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=]+)$")
# Only real HTML element names count as markup: "<g>" or "a<b" in a plain stem stay text.
TAG_RE = re.compile(
    r"</?(p|br|div|span|b|strong|i|em|u|s|sub|sup|ol|ul|li|a|img|table|thead|tbody|tr|th|td|"
    r"h[1-6]|pre|code|blockquote|hr)(\s[^<>]*)?/?>",
    re.IGNORECASE,
)
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
BLOCK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}


class ImageError(ValueError):
    """An embedded image that cannot be kept (not an image, too large, unknown type)."""


def _img_src(value: str) -> str | None:
    if value.startswith("data:"):
        return value if DATA_URI_RE.match(value) else None
    if value.startswith("@@PLUGINFILE@@"):
        return None
    return check_url(value)


def _plain_attr(value):
    return value if isinstance(value, str) and len(value) <= 200 else None


ELEMENT_RULES = {
    **DEFAULT_ELEMENT_RULES,
    "img": attribute_rule({"src": _img_src, "alt": _plain_attr, "width": True, "height": True}),
    "span": attribute_rule({}),
    "u": attribute_rule({}),
    "s": attribute_rule({}),
    "code": attribute_rule({}),
    "pre": attribute_rule({}),
    "blockquote": attribute_rule({}),
    "table": attribute_rule({}),
    "thead": attribute_rule({}),
    "tbody": attribute_rule({}),
    "tr": attribute_rule({}),
    "th": attribute_rule({"colspan": True, "rowspan": True}),
    "td": attribute_rule({"colspan": True, "rowspan": True}),
}


class _QuestionWhitelister(Whitelister):
    element_rules = ELEMENT_RULES

    def clean_tag_node(self, doc, tag):
        if tag.name in DROP_WITH_CONTENT:
            tag.decompose()
            return
        super().clean_tag_node(doc, tag)
        if tag.name == "img" and not tag.get("src"):
            tag.decompose()


_whitelister = _QuestionWhitelister()


def sanitize_html(value: str) -> str:
    """Keep formatting, tables, links and data-URI images; drop scripts, styles, handlers."""
    value = (value or "").strip()
    if not value:
        return ""
    cleaned = _whitelister.clean(value).strip()
    if cleaned == value:  # already a fixed point (an import re-checking sanitised text): a second pass is the same
        return cleaned
    # A second pass makes the result a fixed point (BeautifulSoup may re-nest once).
    return _whitelister.clean(cleaned).strip() if cleaned else ""


def plain_to_html(text: str) -> str:
    """Plain text (Aiken, Excel, GIFT [plain]) as HTML: escaped, line breaks kept."""
    text = (text or "").strip().replace("\r\n", "\n").replace("\r", "\n")
    return "<br/>".join(escape(line) for line in text.split("\n")) if text else ""


def looks_like_html(text: str) -> bool:
    return bool(TAG_RE.search(text or ""))


def auto_to_html(text: str) -> str:
    """Moodle's auto-format: HTML where it has tags, plain text otherwise; newlines → <br>."""
    if not looks_like_html(text):
        return plain_to_html(text)
    text = (text or "").strip().replace("\r\n", "\n").replace("\n", "<br/>")
    return sanitize_html(text)


def html_to_text(value: str) -> str:
    """Text of an HTML fragment (option texts are plain): blocks and <br> become newlines."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        soup = BeautifulSoup(value, "html.parser")
        for br in soup.find_all("br"):
            br.replace_with("\n")
        for block in soup.find_all(BLOCK_TAGS):
            block.insert_after("\n")
        text = soup.get_text()
    else:  # no tag and no entity: the parser would give the text back (option texts, names; 10,000-question imports)
        text = value
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def is_plain_html(value: str) -> bool:
    """True when ``value`` is exactly what ``plain_to_html`` makes of its text (no markup)."""
    return plain_to_html(html_to_text_exact(value)) == value


def html_to_text_exact(value: str) -> str:
    """Inverse of ``plain_to_html`` for HTML that only has <br/> and entities."""
    return html.unescape(re.sub(r"<br\s*/?>", "\n", value or ""))


def lost_markup(value: str) -> list[str]:
    """Names of elements an HTML → plain text conversion loses (images, tables, links)."""
    soup = BeautifulSoup(value or "", "html.parser")
    found = []
    for name, label in (("img", "图片"), ("table", "表格"), ("a", "链接")):
        if soup.find(name):
            found.append(label)
    return found


def image_data_uri(data: bytes) -> str:
    """Validate ``data`` as a raster image and return it as a data URI."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"图片超过 {MAX_IMAGE_BYTES // 1048576} MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError("不是可识别的图片") from exc
    if kind not in IMAGE_FORMATS:
        raise ImageError(f"不支持的图片格式 {kind}")
    return f"data:{IMAGE_FORMATS[kind]};base64,{base64.b64encode(data).decode('ascii')}"


def decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageError("base64 编码无效") from exc


def data_uri_images(value: str) -> list[tuple[str, str, bytes]]:
    """(src, mime, bytes) of every data-URI image in ``value``, in order."""
    soup = BeautifulSoup(value or "", "html.parser")
    found = []
    for img in soup.find_all("img"):
        src = img.get("src") or ""
        match = DATA_URI_RE.match(src)
        if match:
            found.append((src, match.group(1), base64.b64decode(match.group(2))))
    return found


def excerpt(value: str, length: int = 30) -> str:
    """A short plain-text label for a stem (lists, error messages)."""
    text = " ".join(html_to_text(value).split())
    return text if len(text) <= length else text[: length - 1] + "…"
