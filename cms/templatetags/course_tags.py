"""Template filters of the course pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """600 → "10:00", 3725 → "1:02:05"."""
    try:
        seconds = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def study_time(seconds) -> str:
    """A duration in words: "45 秒", "10 分钟", "4 分 30 秒"."""
    try:
        seconds = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    minutes, secs = divmod(seconds, 60)
    if not minutes:
        return _("%(s)s 秒") % {"s": secs}
    if not secs:
        return _("%(m)s 分钟") % {"m": minutes}
    return _("%(m)s 分 %(s)s 秒") % {"m": minutes, "s": secs}
