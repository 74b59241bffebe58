"""Helpers for the certificate tests: a seal image, PDF text/font/QR inspection."""

from __future__ import annotations

import io
import math
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def seal_png(text: str = "喀什地区培训专用章", size: int = 400) -> bytes:
    """A red round seal like the ones printed on Chinese certificates (for tests and demos)."""
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 30, 30, 230)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    c = size / 2
    r = size * 0.16
    star = [
        (
            c + (r if i % 2 == 0 else r * 0.4) * math.sin(i * math.pi / 5),
            c - (r if i % 2 == 0 else r * 0.4) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(FONT, int(size * 0.11))
    n = len(text)
    for i, ch in enumerate(text):
        angle = math.radians(-150 + 300 * i / max(n - 1, 1))
        x = c + (size * 0.34) * math.sin(angle)
        y = c - (size * 0.34) * math.cos(angle)
        glyph = Image.new("RGBA", (int(size * 0.14), int(size * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        image.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def embedded_truetype_fonts(data: bytes) -> list[str]:
    """BaseFont names of fonts that carry their own TrueType program (FontFile2)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    document = PDFDocument(PDFParser(io.BytesIO(data)))
    found = []
    for page in PDFPage.create_pages(document):
        fonts = resolve1(resolve1(page.resources).get("Font", {}))
        for ref in fonts.values():
            font = resolve1(ref)
            descriptor = resolve1(font.get("FontDescriptor"))
            if descriptor is None and font.get("DescendantFonts"):
                descriptor = resolve1(resolve1(resolve1(font["DescendantFonts"])[0]).get("FontDescriptor"))
            if descriptor is not None and descriptor.get("FontFile2") is not None:
                found.append(str(resolve1(font.get("BaseFont"))))
    return found


def pdf_page_image(data: bytes, dpi: int = 200) -> Image.Image:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(Path(tmp) / "page")], check=True
        )
        image = Image.open(Path(tmp) / "page.png")
        image.load()
        return image


def qr_codes_in_pdf(data: bytes) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(pdf_page_image(data))]


# --- fixtures shared by the certificate tests (imported by the test modules) -------

import pytest  # noqa: E402


@pytest.fixture
def private_media(settings, tmp_path):
    """Certificate files go to a temporary private root; the rate limiter starts empty."""
    from django.core.cache import cache

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    cache.clear()
    yield settings.PRIVATE_MEDIA_ROOT
    cache.clear()


def make_compliant(user, year: int, legal="32", professional="24.5", other="6"):
    """Give ``user`` enough hours for ``year`` through the real ledger service (62.5 by default)."""
    import datetime as dt

    from tests.learning.factories import credit

    day = dt.date(year, 3, 9)
    for category, hours in (("legal", legal), ("professional", professional), ("other", other)):
        if hours:
            credit(user, hours=hours, category=category, earned_on=day)
