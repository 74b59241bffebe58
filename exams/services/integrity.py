"""Integrity options of an exam (考试纪律): leaving the page, full screen, copy/paste, one device at a time.

All are off by default and set per exam. What they watch is logged per attempt
(``AttemptEvent``) and shown to trainers beside the grade. None of them may lose a
saved answer: the page sends its unsent answers with the event that reports leaving
(saved first, under the usual sequence numbers), and an attempt the leaving limit
closes is closed by ``close_attempt`` with everything saved, like a deadline.

"One device" is one browser: the attempt page gives each browser a random cookie
(``DEVICE_COOKIE``) and the attempt keeps a digest of the last one that opened it;
a page of another browser is refused (``DeviceTakenOver``), a reload or a second tab
of the same browser is not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import AttemptEvent, ExamAttempt
from exams.services.attempts import (
    AttemptClosed,
    AttemptError,
    AttemptNotFound,
    DeadlinePassed,
    check_device,
    close_attempt,
    save_answers,
)

DEVICE_COOKIE = "fz_exam_device"
MAX_EVENTS_PER_REQUEST = 50
Kind = AttemptEvent.Kind
Status = ExamAttempt.Status
#: The details a page may send with each kind, and their allowed values.
CLIENT_DETAILS = {
    Kind.LEFT_PAGE: {"via": {"hidden", "blur"}},
    Kind.FULLSCREEN_EXIT: {},
    Kind.COPY_BLOCKED: {"action": {"copy", "cut", "paste", "contextmenu"}},
}


def device_digest(raw: str | None) -> str:
    """What the attempt stores of a browser's device cookie ("" when there is none)."""
    return hashlib.sha256(raw.encode()).hexdigest()[:32] if raw else ""


def open_on_device(*, attempt: ExamAttempt, device: str, user_agent: str = "") -> bool:
    """The attempt page was opened by ``device``: on a one-device exam it takes the attempt over.

    Returns whether it took the attempt over from another device (logged as an event).
    """
    if not attempt.exam.single_device or not device or attempt.device_token == device:
        return False
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update().only("pk", "status", "device_token").get(pk=attempt.pk)
        if locked.status != Status.IN_PROGRESS or locked.device_token == device:
            return False
        previous = locked.device_token
        ExamAttempt.objects.filter(pk=attempt.pk).update(device_token=device)
        if previous:
            AttemptEvent.objects.create(
                attempt_id=attempt.pk,
                kind=Kind.DEVICE_TAKEOVER,
                at=timezone.now(),
                details={"user_agent": (user_agent or "")[:200]},
            )
    attempt.device_token = device
    return bool(previous)


@dataclass(frozen=True)
class EventsOutcome:
    leaves: int
    limit: int
    closed: bool


def _parse_events(events) -> list[tuple[str, dict]]:
    bad = _("考试纪律记录格式无效，请刷新页面。")
    if not isinstance(events, list) or not events:
        raise AttemptError(_("没有收到考试纪律记录。"))
    if len(events) > MAX_EVENTS_PER_REQUEST:
        raise AttemptError(_("一次提交的考试纪律记录过多。"))
    parsed = []
    for entry in events:
        if not isinstance(entry, dict) or entry.get("kind") not in CLIENT_DETAILS:
            raise AttemptError(bad)
        allowed = CLIENT_DETAILS[entry["kind"]]
        details = entry.get("details")
        details = {} if details is None else details
        if not isinstance(details, dict) or any(k not in allowed or v not in allowed[k] for k, v in details.items()):
            raise AttemptError(bad)
        parsed.append((entry["kind"], details))
    return parsed


def _enabled(exam, kind: str) -> bool:
    return {
        Kind.LEFT_PAGE: exam.count_page_leaves,
        Kind.FULLSCREEN_EXIT: exam.require_fullscreen,
        Kind.COPY_BLOCKED: exam.block_copy_paste,
    }[kind]


def leave_count(attempt_id: int) -> int:
    return AttemptEvent.objects.filter(attempt_id=attempt_id, kind=Kind.LEFT_PAGE).count()


def record_events(*, attempt_id: int, user, events, device: str | None, answers=None) -> EventsOutcome:
    """Log what the page saw; when leaving reaches the exam's limit, hand the attempt in.

    ``answers`` (the page's unsent answers, as ``save_answers`` takes them) are saved
    first, so the request that reports the last leaving cannot lose them. Events of
    options the exam does not use are ignored. The input is checked before anything
    is written.
    """
    parsed = _parse_events(events)
    if answers:
        save_answers(attempt_id=attempt_id, user=user, answers=answers, device=device)
    now = timezone.now()
    with transaction.atomic():
        attempt = (
            ExamAttempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .filter(pk=attempt_id, user=user)
            .first()
        )
        if attempt is None:
            raise AttemptNotFound
        if attempt.status != Status.IN_PROGRESS:
            raise AttemptClosed
        if now >= attempt.deadline:
            raise DeadlinePassed
        check_device(attempt, device)
        exam = attempt.exam
        wanted = [(kind, details) for kind, details in parsed if _enabled(exam, kind)]
        AttemptEvent.objects.bulk_create(
            [AttemptEvent(attempt=attempt, kind=kind, at=now, details=details) for kind, details in wanted]
        )
        leaves = leave_count(attempt.pk) if exam.count_page_leaves else 0
        limit = exam.page_leave_limit if exam.count_page_leaves else 0
        left_now = any(kind == Kind.LEFT_PAGE for kind, _details in wanted)
        closed = bool(limit and left_now and leaves >= limit)
        if closed:
            AttemptEvent.objects.create(attempt=attempt, kind=Kind.LIMIT_SUBMIT, at=now, details={"leaves": leaves})
            close_attempt(attempt_id=attempt.pk, by=ExamAttempt.ClosedBy.INTEGRITY)
    return EventsOutcome(leaves=leaves, limit=limit, closed=closed)
