"""How far a learner has watched each uploaded video of a lesson: the record behind the seek guard.

On a first viewing a lesson's video cannot be skipped ahead: the page lets the learner
seek back freely but never past the furthest point they have watched, until they have
once watched the video to its end. That point is the learner's record, so it is kept
on the server with their lesson progress (``LessonProgress.video_positions``, keyed by
the video block's id) and survives a reload or another device.

The page reports it inside the ordinary heartbeat (``video`` in the payload), only when
it moved, so watching adds no request and a beat that carries nothing costs nothing
more. Positions only ever grow and "watched to the end" is never taken back, so a late
or repeated beat cannot move a learner backwards.

The position is the page's report, like "visible": it governs where the player may
seek, never the hours. Study time stays measured by the server's clock
(``learning.services.progress``); a forged position can unlock seeking, not earn time.
"""

from __future__ import annotations

import math
import re

from django.db import transaction
from django.utils.translation import gettext as _

from core import payload
from learning.models import LessonProgress
from learning.services.progress import ProgressError

#: More video blocks than a lesson sensibly has; a payload naming more is refused.
MAX_VIDEOS_PER_LESSON = 20
#: The longest video position accepted (a day), in seconds.
MAX_POSITION_SECONDS = 24 * 3600
#: Wagtail's block ids are UUIDs; accept their shape and nothing longer.
_BLOCK_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def _bad() -> ProgressError:
    return ProgressError(_("视频观看进度的格式不正确，本次计时未记录，请刷新页面后继续学习。"))


def parse_video_positions(raw) -> dict[str, tuple[float, bool]]:
    """The ``video`` field of a heartbeat as ``{block id: (furthest seconds, watched to the end)}``.

    ``raw`` is the decoded JSON object, or the JSON text a beacon sends as a form field.
    Missing means nothing to record; anything malformed raises ``ProgressError`` so the
    beat is refused whole rather than half recorded.
    """
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = payload.loads(raw.encode("utf-8"))
        except ValueError:
            raise _bad() from None
    if not isinstance(raw, dict) or len(raw) > MAX_VIDEOS_PER_LESSON:
        raise _bad()
    positions = {}
    for block_id, entry in raw.items():
        if not isinstance(block_id, str) or not _BLOCK_ID.match(block_id) or not isinstance(entry, dict):
            raise _bad()
        furthest, ended = entry.get("furthest", 0), entry.get("ended", False)
        if isinstance(furthest, bool) or not isinstance(furthest, int | float) or not isinstance(ended, bool):
            raise _bad()
        if not math.isfinite(furthest) or not 0 <= furthest <= MAX_POSITION_SECONDS:
            raise _bad()
        positions[block_id] = (round(float(furthest), 1), ended)
    return positions


def merged_positions(stored: dict | None, positions: dict[str, tuple[float, bool]]) -> dict:
    """``stored`` advanced by ``positions``: each furthest point the larger, "ended" once true stays true."""
    merged = dict(stored or {})
    for block_id, (furthest, ended) in positions.items():
        if block_id not in merged and len(merged) >= MAX_VIDEOS_PER_LESSON:
            continue  # only a forged payload names more videos than a lesson has: keep the record bounded
        old = merged.get(block_id) or {}
        new = {
            "furthest": max(float(old.get("furthest", 0)), furthest),
            "ended": bool(old.get("ended")) or ended,
        }
        if new != old:
            merged[block_id] = new
    return merged


def record_video_positions(*, user, lesson_id: int, positions: dict[str, tuple[float, bool]]) -> dict:
    """Advance the learner's furthest points in ``lesson_id``; return what is stored.

    Called after the heartbeat has checked access and made the progress row. One
    locked read and, only when something moved, one write.
    """
    if not positions:
        return {}
    with transaction.atomic():
        row = (
            LessonProgress.objects.select_for_update()
            .filter(user=user, lesson_id=lesson_id)
            .values_list("pk", "video_positions")
            .first()
        )
        if row is None:
            return {}
        pk, stored = row
        merged = merged_positions(stored, positions)
        if merged != (stored or {}):
            LessonProgress.objects.filter(pk=pk).update(video_positions=merged)
    return merged
