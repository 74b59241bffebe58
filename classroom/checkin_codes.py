"""The rotating QR check-in code of a classroom session.

The code is an HMAC (keyed by ``SECRET_KEY``) over the session id and the current
minute ("window"), so it cannot be forged, and it stops working one minute after
its window ends: a photo of the code taken now and used later is refused. The
previous window is accepted as a grace period so that a scan in the last seconds
of a minute still works (never more than 60 s after the code was replaced).
"""

from __future__ import annotations

import datetime as dt
import re

import qrcode
import qrcode.image.svg
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.translation import gettext as _

WINDOW_SECONDS = 60
CODE_LENGTH = 20
# The salt of the codes since they were made in the learning app (a code in flight stays valid).
_SALT = "learning.sessions.checkin"


def window_at(moment: dt.datetime | None = None) -> int:
    """The number of the minute ``moment`` falls in (minutes since the epoch)."""
    moment = moment or timezone.now()
    return int(moment.timestamp()) // WINDOW_SECONDS


def seconds_left(moment: dt.datetime | None = None) -> int:
    moment = moment or timezone.now()
    return WINDOW_SECONDS - int(moment.timestamp()) % WINDOW_SECONDS


def code_for(session_id: int, window: int) -> str:
    return salted_hmac(_SALT, f"{session_id}:{window}").hexdigest()[:CODE_LENGTH]


def is_authentic(session_id: int, window: int, code: str) -> bool:
    return constant_time_compare(code_for(session_id, window), code or "")


def is_current(window: int, moment: dt.datetime | None = None) -> bool:
    """The window is this minute's or the one just before (grace ≤ 60 s)."""
    now_window = window_at(moment)
    return now_window - 1 <= window <= now_window


def checkin_path(session_id: int, window: int) -> str:
    return reverse(
        "classroom:session_checkin",
        kwargs={"session_id": session_id, "window": window, "code": code_for(session_id, window)},
    )


_SIZE_ATTRS = re.compile(r'\s(width|height)="[^"]*"')


def qr_svg(data: str) -> str:
    """An inline SVG of ``data`` that scales with its container (the viewBox is kept)."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    head, _sep, rest = svg.partition(">")
    return _SIZE_ATTRS.sub("", head, count=2) + f' role="img" aria-label="{escape(_("签到二维码"))}">' + rest
