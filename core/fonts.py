"""The font of every PDF we print: one TrueType file covering Chinese, Latin letters and digits.

The certificates (``certificates/render.py``) and the annual-review roster
(``review/export.py``) embed it, so it lives below both. reportlab
(under xhtml2pdf) embeds TrueType outlines only. Without a font the PDF shows
black boxes; a CJK-only fallback drops every digit and Latin letter; a
CFF-based OpenType (``OTTO``) font is refused. ``font_problem`` says which of
these applies, for the system check (``certificates/checks.py``) and for the
renderers.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

INSTALL_HINT = "apt-get install fonts-wqy-microhei"
# Characters every certificate prints: Chinese, the serial's letters and digits.
REQUIRED_CHARS = "年度培训合格证明学时张艾买提·KSTREXCO0123456789-"
TRUETYPE_TAGS = {b"\x00\x01\x00\x00", b"true"}


def font_path() -> Path:
    return Path(settings.CERTIFICATE_FONT_PATH)


def font_problem(path: Path | None = None) -> str | None:
    """Why the font cannot print a certificate, or ``None`` when it can."""
    path = path or font_path()
    return _font_problem(str(path), _mtime(path))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=8)
def _font_problem(path_str: str, mtime: float) -> str | None:
    path = Path(path_str)
    if not path.is_file():
        return f"证书字体文件不存在：{path}。请安装字体（{INSTALL_HINT}），或用环境变量 CERTIFICATE_FONT_PATH 指定 TrueType 字体。"
    with path.open("rb") as handle:
        head = handle.read(16)
        if head[:4] == b"ttcf":
            # A TrueType collection: look at the first face's own header.
            offset = int.from_bytes(head[12:16], "big")
            handle.seek(offset)
            tag = handle.read(4)
        else:
            tag = head[:4]
    if tag == b"OTTO":
        return (
            f"证书字体 {path} 是 CFF 轮廓的 OpenType 字体，reportlab 无法嵌入。请安装 TrueType 字体（{INSTALL_HINT}）。"
        )
    if tag not in TRUETYPE_TAGS:
        return f"证书字体 {path} 不是 TrueType 字体。请安装 TrueType 字体（{INSTALL_HINT}）。"
    from reportlab.pdfbase.ttfonts import TTFError, TTFontFile

    try:
        face = TTFontFile(str(path), subfontIndex=0, validate=0)
    except TTFError as exc:
        return f"证书字体 {path} 无法读取（{exc}）。请安装 TrueType 字体（{INSTALL_HINT}）。"
    missing = "".join(ch for ch in REQUIRED_CHARS if ord(ch) not in face.charToGlyph)
    if missing:
        return (
            f"证书字体 {path} 缺少字符“{missing}”，证书上这些字会变成方框或消失。"
            f"请安装覆盖中文、拉丁字母和数字的字体（{INSTALL_HINT}）。"
        )
    return None
