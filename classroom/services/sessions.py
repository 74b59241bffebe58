"""Writes for classroom sessions: saving a session, scheduling a lecture series,
marking and removing attendance (QR, import, manual) and confirming a session was held.

Every attendance posts the session's hours through ``post_credit`` with the key
``session:{session_id}:{user_id}``, so a double scan, a re-imported file or two
concurrent requests credit once. Removing an attendance reverses its ledger entry
(the ledger keeps both rows); marking the same person again afterwards posts under
a fresh key ``session:{session_id}:{user_id}:{n}``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import OrgUnit, User
from classroom import checkin_codes
from classroom.models import Attendance, LectureSeries, TrainingSession
from classroom.notifications import announce_attendance
from classroom.selectors.sessions import audience_member_ids, checkin_window, has_audience_rule, is_in_audience
from core import timeutil
from learning.models import LedgerEntry, SourceKind
from learning.selectors.requirements import credit_rules
from learning.services.ledger import PostResult, post_credit, reverse_entry

LECTURE_SERIES_DAYS = (9, 19, 29)
MAX_SERIES_DAYS = 366


class SessionError(Exception):
    """Something a user asked for that the session rules do not allow; the message says why."""


class CheckInRefused(SessionError):
    """A refused check-in; ``reason`` tells the view which kind (``"audience"``, ``"expired"``, …)."""

    def __init__(self, message: str, reason: str = "refused"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class MarkResult:
    attendance: Attendance
    created: bool


# --- saving sessions --------------------------------------------------------------------

CREDIT_FIELDS = ("hours", "hour_category_id", "kind")


#: Why a session with an empty audience is refused (what "empty" means is ``accounts.audience``'s).
NO_AUDIENCE = gettext_lazy(
    "请至少指定一项参训范围：参训单位、人员类别或指定人员；都不选即面向全部人员，培训不能面向全部人员。"
)


def _check_audience(units, categories, people) -> None:
    if not has_audience_rule(units=units, categories=categories, people=people):
        raise SessionError(str(NO_AUDIENCE))


def _check_credit_fields_frozen(session: TrainingSession, fields: dict) -> None:
    """Once hours were posted for a session, what they were posted as cannot change."""
    if not session.pk or not session.attendances.exists():
        return
    original = TrainingSession.objects.get(pk=session.pk)
    changed = [name for name in CREDIT_FIELDS if name in fields and fields[name] != getattr(original, name)]
    if "starts_at" in fields and timeutil.local_date(fields["starts_at"]) != timeutil.local_date(original.starts_at):
        changed.append("starts_at")
    if changed:
        raise SessionError(_("已有签到记录，不能再修改学时、学时类别、类型或培训日期；如需更正，请先撤销签到。"))


@transaction.atomic
def save_session(
    *,
    session: TrainingSession | None,
    fields: dict,
    lecturers: Iterable[User],
    audience_units: Iterable[OrgUnit],
    audience_people: Iterable[User],
    by: User,
) -> TrainingSession:
    """Create (``session=None``) or update a session with its lecturers and audience."""
    lecturers, audience_units, audience_people = list(lecturers), list(audience_units), list(audience_people)
    categories = list(fields.get("audience_categories") or [])
    _check_audience(audience_units, categories, audience_people)
    if fields["ends_at"] <= fields["starts_at"]:
        raise SessionError(_("结束时间必须晚于开始时间。"))
    if fields.get("organiser") is None:
        fields.pop("organiser", None)
    if session is None:
        session = TrainingSession(organiser=fields.pop("organiser", by))
    else:
        _check_credit_fields_frozen(session, fields)
    for name, value in fields.items():
        setattr(session, name, value)
    session.full_clean(exclude=["lecturers", "audience_units", "audience_people"])
    session.save()
    session.lecturers.set(lecturers)
    session.audience_units.set(audience_units)
    session.audience_people.set(audience_people)
    return session


@transaction.atomic
def cancel_session(*, session: TrainingSession, by: User) -> TrainingSession:
    if session.attendances.exists():
        raise SessionError(_("已有签到记录的培训不能取消；请先撤销签到。"))
    if session.status == TrainingSession.Status.HELD:
        raise SessionError(_("已举办的培训不能取消。"))
    session.status = TrainingSession.Status.CANCELLED
    session.save(update_fields=["status"])
    audit.record(
        actor=by,
        action="learning.session_cancel",
        summary=_("取消培训：%(t)s") % {"t": session.title},
        details={"session": session.pk},
    )
    return session


# --- lecture series ---------------------------------------------------------------------


def series_dates(first_day: dt.date, last_day: dt.date, days: Iterable[int] = LECTURE_SERIES_DAYS) -> list[dt.date]:
    """Every 9th, 19th and 29th from ``first_day`` to ``last_day`` (a February has no 29th
    in a common year: that date is skipped, not moved)."""
    result = []
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        month_days = calendar.monthrange(year, month)[1]
        for day in sorted(days):
            if day <= month_days and first_day <= dt.date(year, month, day) <= last_day:
                result.append(dt.date(year, month, day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


@dataclass
class SeriesResult:
    series: LectureSeries
    created: list[TrainingSession] = field(default_factory=list)
    existing: list[dt.date] = field(default_factory=list)


@transaction.atomic
def schedule_lecture_series(
    *,
    title: str,
    first_day: dt.date,
    last_day: dt.date,
    start_time: dt.time,
    duration_minutes: int,
    hours: Decimal,
    hour_category: str,
    venue: str,
    lecturers: Iterable[User],
    audience_units: Iterable[OrgUnit],
    audience_categories: list[str],
    audience_people: Iterable[User],
    by: User,
) -> SeriesResult:
    """Create the series' sessions on the 9th, 19th and 29th; dates already scheduled are left alone."""
    lecturers, audience_units, audience_people = list(lecturers), list(audience_units), list(audience_people)
    _check_audience(audience_units, audience_categories, audience_people)
    title = (title or "").strip()
    if not title:
        raise SessionError(_("请填写系列名称。"))
    if last_day < first_day:
        raise SessionError(_("结束日期不能早于开始日期。"))
    if (last_day - first_day).days > MAX_SERIES_DAYS:
        raise SessionError(_("一次最多安排一年（366 天）。"))
    if duration_minutes <= 0:
        raise SessionError(_("时长必须大于 0 分钟。"))
    series, _created = LectureSeries.objects.get_or_create(title=title, defaults={"organiser": by})
    dates = series_dates(first_day, last_day)
    taken = set(series.sessions.filter(series_date__in=dates).values_list("series_date", flat=True))
    result = SeriesResult(series=series, existing=sorted(taken))
    for day in dates:
        if day in taken:
            continue
        starts_at = dt.datetime.combine(day, start_time, tzinfo=timeutil.LEDGER_TZ)
        session = TrainingSession.objects.create(
            kind=TrainingSession.Kind.LECTURE,
            title=f"{title}（{day.month}月{day.day}日）",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
            hours=hours,
            hour_category_id=hour_category,
            venue=venue,
            organiser=by,
            audience_categories=list(audience_categories),
            series=series,
            series_date=day,
        )
        session.lecturers.set(lecturers)
        session.audience_units.set(audience_units)
        session.audience_people.set(audience_people)
        result.created.append(session)
    return result


# --- attendance -------------------------------------------------------------------------


def _attendance_source_key(session: TrainingSession, user: User) -> str:
    """``session:{sid}:{uid}``; after that entry was reversed, the next free ``…:{n}``.

    An unreversed entry under one of these keys is reused, so marking stays idempotent.
    """
    base = f"session:{session.pk}:{user.pk}"
    rows = LedgerEntry.objects.filter(Q(source_key=base) | Q(source_key__startswith=f"{base}:")).values_list(
        "source_key", "reversed_by"
    )
    keys = {}
    for key, reversal in rows:
        keys[key] = reversal is not None
    if not keys:
        return base
    for key, reversed_ in keys.items():
        if not reversed_:
            return key
    n = 2
    while f"{base}:{n}" in keys:
        n += 1
    return f"{base}:{n}"


def _credit_attendance(attendance: Attendance, session: TrainingSession, user: User) -> PostResult:
    return post_credit(
        user=user,
        hours=session.hours,
        category=session.hour_category_id,
        source_kind=session.source_kind,
        source_key=_attendance_source_key(session, user),
        source_ref=session.title,
        source_url=reverse("classroom:sessions_mine"),
        earned_on=timeutil.local_date(session.starts_at),
        recorded_by=attendance.marked_by,
        note=attendance.get_method_display(),
    )


@transaction.atomic
def record_attendance(
    *, session: TrainingSession, user: User, method: str, marked_by: User | None, at: dt.datetime | None
) -> MarkResult:
    """Create the attendance (if new) and credit it; the caller has checked the audience."""
    attendance, created = Attendance.objects.get_or_create(
        session=session,
        user=user,
        defaults={"method": method, "marked_by": marked_by, "marked_at": at or timezone.now()},
    )
    if attendance.ledger_entry_id is None:
        result = _credit_attendance(attendance, session, user)
        attendance.ledger_entry = result.entry
        attendance.save(update_fields=["ledger_entry"])
    if created:
        announce_attendance(attendance, session, user)
    return MarkResult(attendance, created)


def _ensure_open(session: TrainingSession) -> None:
    if session.status == TrainingSession.Status.CANCELLED:
        raise SessionError(_("本次培训已取消。"))


@transaction.atomic
def mark_attendance(
    *, session: TrainingSession, user: User, method: str, marked_by: User | None, at: dt.datetime | None = None
) -> MarkResult:
    """Record that ``user`` attended and credit the hours (once, whatever happens twice)."""
    _ensure_open(session)
    if not Attendance.objects.filter(session=session, user=user).exists() and not is_in_audience(session, user):
        raise SessionError(
            _("%(name)s（%(no)s）不在本次培训的参训范围内。") % {"name": user.full_name, "no": user.employee_no}
        )
    return record_attendance(session=session, user=user, method=method, marked_by=marked_by, at=at)


@transaction.atomic
def mark_manually(*, session: TrainingSession, users: Iterable[User], by: User) -> int:
    """The organiser ticks people present; all or none (anyone outside the audience stops it)."""
    _ensure_open(session)
    users = list(users)
    if not users:
        raise SessionError(_("请选择或填写要登记的人员。"))
    allowed = audience_member_ids(session, [u.pk for u in users])
    allowed |= set(Attendance.objects.filter(session=session).values_list("user_id", flat=True))
    outside = [u for u in users if u.pk not in allowed]
    if outside:
        names = "、".join(f"{u.full_name}（{u.employee_no}）" for u in outside)
        raise SessionError(_("以下人员不在本次培训的参训范围内，未登记任何人：%(names)s") % {"names": names})
    created = 0
    for user in users:
        if record_attendance(
            session=session, user=user, method=Attendance.Method.MANUAL, marked_by=by, at=None
        ).created:
            created += 1
    return created


def check_in_by_qr(
    *, session_id: int, window: int, code: str, user: User, now: dt.datetime | None = None
) -> MarkResult:
    """Check a signed-in official in from a scanned code; refuse with the reason otherwise."""
    now = now or timezone.now()
    verify_checkin_code(session_id=session_id, window=window, code=code, now=now)
    return check_in_after_scan(session_id=session_id, user=user, scanned_at=now)


def verify_checkin_code(*, session_id: int, window: int, code: str, now: dt.datetime) -> None:
    """Refuse a forged code, and a genuine one from before the previous minute (a reused photo)."""
    if not checkin_codes.is_authentic(session_id, window, code):
        raise CheckInRefused(_("二维码无效，请扫描培训现场的签到二维码。"), "invalid")
    if not checkin_codes.is_current(window, now):
        raise CheckInRefused(_("二维码已过期，请重新扫描现场二维码。"), "expired")


@transaction.atomic
def check_in_after_scan(*, session_id: int, user: User, scanned_at: dt.datetime) -> MarkResult:
    """The part of a QR check-in after the code was verified at ``scanned_at``.

    Used directly when the official had to sign in first: the scan was verified
    then, and the sign-in follows within a few minutes (see the view).
    """
    session = TrainingSession.objects.filter(pk=session_id).first()
    if session is not None and session.capacity:
        # Serialise check-ins only where a head count is enforced.
        session = TrainingSession.objects.select_for_update().get(pk=session_id)
    if session is None:
        raise CheckInRefused(_("找不到该培训。"))
    existing = Attendance.objects.filter(session=session, user=user).first()
    if existing is not None:
        return MarkResult(existing, False)
    if session.status == TrainingSession.Status.CANCELLED:
        raise CheckInRefused(_("本次培训已取消。"), "cancelled")
    opens, closes = checkin_window(session)
    if scanned_at < opens:
        raise CheckInRefused(_("签到尚未开始：开始前 30 分钟起可以签到。"))
    if scanned_at > closes:
        raise CheckInRefused(_("本次培训已结束，签到已关闭。"))
    if not is_in_audience(session, user):
        raise CheckInRefused(_("您不在本次培训的参训范围内。"), "audience")
    if session.capacity and session.attendances.count() >= session.capacity:
        raise CheckInRefused(_("本次培训已满员。"))
    return record_attendance(session=session, user=user, method=Attendance.Method.QR, marked_by=None, at=scanned_at)


@transaction.atomic
def remove_attendance(*, attendance: Attendance, by: User, reason: str) -> None:
    """Undo a wrongly marked attendance: reverse its hours in the ledger, then drop the row."""
    reason = (reason or "").strip()
    if not reason:
        raise SessionError(_("请填写撤销原因。"))
    entry = attendance.ledger_entry
    if entry is not None and not LedgerEntry.objects.filter(reverses=entry).exists():
        # The ledger's own actor check is for HR adjustments; the organiser's
        # authority here is checked by the view, and the audit row names them.
        reverse_entry(entry=entry, reason=_("撤销签到（%(by)s）：%(reason)s") % {"by": by.full_name, "reason": reason})
    audit.record(
        actor=by,
        action="learning.attendance_remove",
        summary=_("撤销 %(name)s 在“%(t)s”的签到：%(reason)s")
        % {"name": attendance.user.full_name, "t": attendance.session.title, "reason": reason},
        details={"session": attendance.session_id, "user": attendance.user_id, "entry": entry.pk if entry else None},
    )
    attendance.delete()


# --- held / lecturer credit -------------------------------------------------------------


@transaction.atomic
def mark_session_held(*, session: TrainingSession, by: User, now: dt.datetime | None = None) -> list[PostResult]:
    """Confirm the session took place and credit each lecturer once (re-running adds only new lecturers)."""
    now = now or timezone.now()
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    _ensure_open(session)
    if session.starts_at > now:
        raise SessionError(_("培训尚未开始，不能确认已举办。"))
    if session.status != TrainingSession.Status.HELD:
        session.status = TrainingSession.Status.HELD
        session.held_at = now
        session.save(update_fields=["status", "held_at"])
    earned_on = timeutil.local_date(session.starts_at)
    hours = credit_rules(earned_on.year).lecturer_hours
    if hours <= 0:
        return []
    return [
        post_credit(
            user=lecturer,
            hours=hours,
            category=session.hour_category_id,
            source_kind=SourceKind.LECTURE,
            source_key=f"lecture:{session.pk}:{lecturer.pk}",
            source_ref=_("授课：%(t)s") % {"t": session.title},
            earned_on=earned_on,
            recorded_by=by,
        )
        for lecturer in session.lecturers.all()
    ]
