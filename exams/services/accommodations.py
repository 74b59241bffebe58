"""Granting, changing and removing accommodations (考试特殊安排), audited.

Who may: whoever may edit the exam (``ExamPermissionPolicy``, the same check as the exam's
edit page). Every write checks its input here, whatever form or script calls it, and records
one ``AuditLog`` row (``exams.accommodation_grant`` / ``_change`` / ``_revoke``) in the same
transaction. Accommodations are read when an attempt starts (``exams.selectors.accommodations``);
a grant or change made while people covered by it are sitting the exam (extra time for someone
whose computer failed, say) also moves the deadline of their attempts in progress to the later
one the arrangement now gives — never to an earlier one: nobody sitting an exam loses time.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import drilldown
from accounts.audit import record
from exams.models import MAX_EXTRA_MINUTES, Exam, ExamAccommodation, ExamAttempt
from exams.selectors.accommodations import arrangement_of
from exams.wagtail_admin.permissions import ExamPermissionPolicy


class AccommodationError(Exception):
    """Input or a permission the user got wrong; ``field`` names the form field it belongs to, if one."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def can_grant(user, exam: Exam) -> bool:
    """Whether ``user`` may grant accommodations for ``exam``: the permission to edit the exam."""
    policy = ExamPermissionPolicy(Exam)
    return bool(user and user.is_authenticated and policy.user_has_permission_for_instance(user, "change", exam))


def _ensure_can_grant(user, exam: Exam) -> None:
    if not can_grant(user, exam):
        raise AccommodationError(_("您没有修改这场考试的权限，不能为其设置特殊安排。"), status=403)


def _clean(*, user, unit, extra_minutes, opens_at, closes_at, reason) -> dict:
    """The values to store, or ``AccommodationError`` naming the first thing wrong."""
    if (user is None) == (unit is None):
        raise AccommodationError(_("请选择一位人员或一个单位（只能选一项）。"), field="user")
    reason = (reason or "").strip()
    if not reason:
        raise AccommodationError(_("请填写原因。"), field="reason")
    if len(reason) > 500:
        raise AccommodationError(_("原因最多 500 个字。"), field="reason")
    try:
        minutes = int(extra_minutes or 0)
    except (TypeError, ValueError):
        raise AccommodationError(_("延长时间须是整数分钟。"), field="extra_minutes")
    if minutes < 0:
        raise AccommodationError(_("延长时间不能是负数。"), field="extra_minutes")
    if minutes > MAX_EXTRA_MINUTES:
        raise AccommodationError(
            _("延长时间最多 %(n)s 分钟；更长的请单独安排考试时间。") % {"n": MAX_EXTRA_MINUTES},
            field="extra_minutes",
        )
    if (opens_at is None) != (closes_at is None):
        raise AccommodationError(_("单独安排考试时间须同时填写开考时间和截止时间。"), field="closes_at")
    if opens_at is not None and closes_at <= opens_at:
        raise AccommodationError(_("单独安排的截止时间须晚于开考时间。"), field="closes_at")
    if not minutes and opens_at is None:
        raise AccommodationError(_("请填写延长时间，或单独安排考试时间。"), field="extra_minutes")
    return {
        "user": user,
        "unit": unit,
        "extra_minutes": minutes,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "reason": reason,
    }


def _describe(row: ExamAccommodation) -> str:
    """What the row gives, in words, for the audit summary."""
    parts = []
    if row.extra_minutes:
        parts.append(_("延长 %(n)s 分钟") % {"n": row.extra_minutes})
    if row.has_window:
        parts.append(
            _("单独安排 %(opens)s — %(closes)s") % {"opens": _local(row.opens_at), "closes": _local(row.closes_at)}
        )
    return "，".join(parts)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _subject(row: ExamAccommodation) -> str:
    if row.user_id:
        return f"{row.user.full_name}（{row.user.employee_no}）"
    return row.unit.full_path


def _details(row: ExamAccommodation) -> dict:
    return {
        "exam": row.exam_id,
        "accommodation": row.pk,
        "user": row.user_id,
        "unit": row.unit_id,
        "extra_minutes": row.extra_minutes,
        "opens_at": row.opens_at.isoformat() if row.opens_at else None,
        "closes_at": row.closes_at.isoformat() if row.closes_at else None,
        "reason": row.reason,
    }


def _save(row: ExamAccommodation) -> None:
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        who = _("该人员") if row.user_id else _("该单位")
        raise AccommodationError(
            _("%(who)s在本场考试已有特殊安排，请修改原有的安排。") % {"who": who}, field="user", status=409
        )


def _extend_open_attempts(row: ExamAccommodation) -> int:
    """Attempts in progress of the people ``row`` covers get the later deadline their arrangement now gives.

    Locked like a save (``close_attempt``'s row lock), so a deadline is never moved under a closing attempt;
    returns how many attempts were given more time.
    """
    exam = row.exam
    attempts = ExamAttempt.objects.select_for_update(of=("self",)).filter(
        exam=exam, status=ExamAttempt.Status.IN_PROGRESS
    )
    if row.user_id:
        attempts = attempts.filter(user_id=row.user_id)
    else:
        attempts = attempts.filter(drilldown.in_subtree_q(row.unit, "user__org_unit"))
    extended = 0
    for attempt in attempts.select_related("user").order_by("pk"):
        later = arrangement_of(exam, attempt.user).deadline(exam, attempt.started_at)
        if later > attempt.deadline:
            ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=later)
            extended += 1
    return extended


def grant_accommodation(
    *,
    exam: Exam,
    actor,
    user=None,
    unit=None,
    extra_minutes: int = 0,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    reason: str,
) -> ExamAccommodation:
    """Give ``user`` (or everyone in ``unit`` and below) extra minutes and/or a separate window."""
    _ensure_can_grant(actor, exam)
    values = _clean(
        user=user, unit=unit, extra_minutes=extra_minutes, opens_at=opens_at, closes_at=closes_at, reason=reason
    )
    with transaction.atomic():
        row = ExamAccommodation(exam=exam, granted_by=actor, granted_at=timezone.now(), **values)
        _save(row)
        extended = _extend_open_attempts(row)
        record(
            actor=actor,
            action="exams.accommodation_grant",
            summary=_("考试“%(exam)s”：为 %(who)s 设置特殊安排（%(what)s）：%(reason)s")
            % {"exam": exam.title, "who": _subject(row), "what": _describe(row), "reason": row.reason},
            details={**_details(row), "extended_attempts": extended},
        )
    return row


def change_accommodation(
    *,
    accommodation: ExamAccommodation,
    actor,
    user=None,
    unit=None,
    extra_minutes: int = 0,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    reason: str,
) -> ExamAccommodation:
    """Change an accommodation; the audit row keeps what it was before."""
    exam = accommodation.exam
    _ensure_can_grant(actor, exam)
    values = _clean(
        user=user, unit=unit, extra_minutes=extra_minutes, opens_at=opens_at, closes_at=closes_at, reason=reason
    )
    with transaction.atomic():
        row = (
            ExamAccommodation.objects.select_for_update(of=("self",))
            .select_related("user", "unit")
            .get(pk=accommodation.pk)
        )
        before = _details(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.granted_by = actor
        row.granted_at = timezone.now()
        _save(row)
        extended = _extend_open_attempts(row)
        record(
            actor=actor,
            action="exams.accommodation_change",
            summary=_("考试“%(exam)s”：修改 %(who)s 的特殊安排（%(what)s）：%(reason)s")
            % {"exam": exam.title, "who": _subject(row), "what": _describe(row), "reason": row.reason},
            details={**_details(row), "before": before, "extended_attempts": extended},
        )
    return row


def revoke_accommodation(*, accommodation: ExamAccommodation, actor) -> None:
    """Remove an accommodation (attempts already started keep their deadline: nobody sitting loses time)."""
    exam = accommodation.exam
    _ensure_can_grant(actor, exam)
    with transaction.atomic():
        row = (
            ExamAccommodation.objects.select_for_update(of=("self",))
            .select_related("user", "unit")
            .filter(pk=accommodation.pk)
        )
        row = row.first()
        if row is None:
            return
        details = _details(row)
        summary = _("考试“%(exam)s”：取消 %(who)s 的特殊安排（%(what)s）") % {
            "exam": exam.title,
            "who": _subject(row),
            "what": _describe(row),
        }
        row.delete()
        record(actor=actor, action="exams.accommodation_revoke", summary=summary, details=details)
