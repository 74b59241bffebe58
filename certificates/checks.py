"""System check: certificates cannot be printed without a usable TrueType font."""

from __future__ import annotations

from django.core.checks import Error, register

from core.fonts import INSTALL_HINT, font_problem


@register("certificates")
def certificate_font_check(app_configs=None, **kwargs) -> list[Error]:
    problem = font_problem()
    if problem is None:
        return []
    return [
        Error(
            problem,
            hint=f"Debian/Ubuntu: {INSTALL_HINT}；或设置 CERTIFICATE_FONT_PATH 指向 TrueType 字体文件。",
            id="certificates.E101",
        )
    ]
