"""Validation of the seal/logo image an administrator uploads."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_SEAL_BYTES = 1024 * 1024
MAX_SEAL_PIXELS = 2000
ALLOWED_FORMATS = {"PNG", "JPEG"}


def validate_seal_image(file) -> None:
    """Accept only a real PNG/JPEG of modest size: the seal is drawn into thousands of PDFs."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_SEAL_BYTES:
        raise ValidationError(_("印章图片过大（%(size)s KB），请上传不超过 1 MB 的图片。") % {"size": size // 1024})
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            if width > MAX_SEAL_PIXELS or height > MAX_SEAL_PIXELS:
                raise ValidationError(
                    _("印章图片尺寸 %(w)s×%(h)s 过大，最大 2000×2000 像素。") % {"w": width, "h": height}
                )
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("上传的文件不是有效的图片，请上传 PNG 或 JPEG 格式的印章图片。"))
    finally:
        file.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(_("印章图片格式为 %(fmt)s，只接受 PNG 或 JPEG。") % {"fmt": fmt})
