"""Certificates as A4 PDFs: Django template → HTML → xhtml2pdf, with the Chinese font embedded.

xhtml2pdf only reads local files inside the directories its resource policy
names, and only after our ``link_callback`` has mapped a URI to a path: the
font is addressed as ``font:certificate`` and static files as ``/static/…``;
everything else (the QR code, the seal) is inlined as a ``data:`` URI, so the
document never needs to read anything else. Rendering is pure: it takes a
certificate and returns bytes, and never touches the database beyond the
certificate settings row.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from reportlab import rl_config
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from core.fonts import font_path, font_problem

# Binary streams instead of ASCII85: smaller files, and reportlab's pure-Python
# ASCII85 encoder was a third of a certificate's render time.
rl_config.useA85 = 0

FONT_URI = "font:certificate"
# 34 mm at 300 dpi.
SEAL_PIXELS = 400
TEMPLATES = {
    "annual": "certificates/annual.html",
    "exam": "certificates/exam.html",
    "course": "certificates/course.html",
}


class CertificateRenderError(Exception):
    """The PDF could not be produced (no usable font, or xhtml2pdf reported errors)."""


def verification_url(code: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("verify:detail", args=[code])


def format_code(code: str) -> str:
    """``ABCD-EFGH-…``: easier to read out and type than 26 letters in a row."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def chinese_date(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


@lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """The QR code as an inline PNG; the PDF scales it to 29 mm without smoothing, so modules stay crisp."""
    # A fixed mask skips qrcode's trial of all eight (pure Python, ~30 ms); any mask is valid.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=2, mask_pattern=0)
    qr.add_data(url)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _seal_data_uri(seal_field) -> str | None:
    if not seal_field:
        return None
    try:
        storage = seal_field.storage
        stamp = (seal_field.name, storage.size(seal_field.name), storage.get_modified_time(seal_field.name).timestamp())
    except OSError:
        return None
    return _cached_seal(stamp, seal_field)


_seal_cache: dict[tuple, str] = {}


def _cached_seal(stamp: tuple, seal_field) -> str:
    """The seal, prepared once per process and file version: it is drawn into every certificate of a bulk run.

    Flattened onto the white page as a JPEG, which reportlab embeds as it is;
    a transparent PNG is decoded, split into colour and mask and recompressed
    for every PDF (a fifth of the render time).
    """
    if stamp not in _seal_cache:
        with seal_field.storage.open(seal_field.name, "rb") as handle, Image.open(handle) as image:
            image.thumbnail((SEAL_PIXELS, SEAL_PIXELS))
            rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        buffer = io.BytesIO()
        flat.save(buffer, format="JPEG", quality=92)
        _seal_cache.clear()
        _seal_cache[stamp] = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return _seal_cache[stamp]


def link_callback(uri: str, rel: str | None) -> str:
    """Map the few URIs a certificate template may use to files; refuse the rest."""
    if uri == FONT_URI:
        return str(font_path())
    if uri.startswith("data:"):
        return uri
    if uri.startswith(settings.STATIC_URL):
        found = finders.find(uri.removeprefix(settings.STATIC_URL))
        if found:
            return str(found)
    raise CertificateRenderError(f"证书模板引用了不允许的资源：{uri[:100]}")


def resource_policy() -> ResourceAccessPolicy:
    roots = [font_path().parent, *(Path(p) for p in settings.STATICFILES_DIRS)]
    return ResourceAccessPolicy.server(base_dir=None, extra_roots=tuple(roots), allow_remote=False)


def html_to_pdf(html: str) -> bytes:
    """The bare xhtml2pdf step (the benchmark compares the full render against this)."""
    problem = font_problem()
    if problem:
        raise CertificateRenderError(problem)
    out = io.BytesIO()
    result = pisa.CreatePDF(
        html, dest=out, link_callback=link_callback, resource_policy=resource_policy(), encoding="utf-8"
    )
    if result.err:
        raise CertificateRenderError(f"生成 PDF 失败（{result.err} 个错误）")
    return out.getvalue()


def certificate_context(certificate, cert_settings=None) -> dict:
    from django.urls import reverse

    from certificates.models import CertificateSettings

    cert_settings = cert_settings or CertificateSettings.load()
    details = certificate.details
    url = verification_url(certificate.verification_code)
    return {
        "certificate": certificate,
        "d": details,
        "font_uri": FONT_URI,
        "authority": details.get("authority") or cert_settings.authority_name,
        "signatory": details.get("signatory", cert_settings.signatory),
        "seal_uri": _seal_data_uri(cert_settings.seal),
        "qr_uri": qr_data_uri(url),
        "verify_url": url,
        "verify_home": settings.SITE_URL.rstrip("/") + reverse("verify:form"),
        "code_display": format_code(certificate.verification_code),
        "issued_on_text": chinese_date(details.get("issued_on")),
        "date_text": chinese_date(details.get("passed_on") or details.get("completed_on")),
    }


def certificate_html(certificate, cert_settings=None) -> str:
    return render_to_string(TEMPLATES[certificate.kind], certificate_context(certificate, cert_settings))


def render_certificate_pdf(certificate, cert_settings=None) -> bytes:
    return html_to_pdf(certificate_html(certificate, cert_settings))
