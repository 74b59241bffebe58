"""Attendance import: an Excel list of who attended one session, validated whole and
applied all-or-nothing (a file with one bad row imports nobody and names the row).

Headers (first row, any order): 工号 is required; 姓名 is an optional cross-check
(when filled it must match the person's name); 签到时间 is optional (a time
such as 09:05 or a date and time on the session's day; empty means the session's
start). Importing the same file twice credits nobody twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from classroom.models import Attendance, TrainingSession
from classroom.selectors.sessions import audience_member_ids
from classroom.services.sessions import record_attendance
from core import timeutil
from core.xlsx import ImportFailed, ImportProblem, ProblemList, read_table, write_workbook

COL_NO, COL_NAME, COL_TIME = "工号", "姓名", "签到时间"
REQUIRED = [COL_NO]
OPTIONAL = [COL_NAME, COL_TIME]
#: Other names sign-in sheets give our columns.
ALIASES = {
    **dict.fromkeys(["人员编号", "职工编号", "职工号", "编号"], COL_NO),
    **dict.fromkeys(["人员姓名", "名字"], COL_NAME),
    **dict.fromkeys(["签到时刻", "到场时间", "时间"], COL_TIME),
}
TIME_FORMATS = ("%H:%M", "%H:%M:%S")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass
class AttendanceImportResult:
    created: int = 0
    already: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.already


@dataclass
class _Row:
    number: int
    user: User
    at: dt.datetime


def _normalise_name(name: str) -> str:
    return "".join(name.split()).translate(str.maketrans({"•": "·", "・": "·", "．": "·", ".": "·"}))


def _parse_time(text: str, session: TrainingSession) -> dt.datetime | None:
    """A time on the session's day, or a full date and time on that day; ``None`` if unreadable."""
    day = timeutil.local_date(session.starts_at)
    for fmt in TIME_FORMATS:
        try:
            clock = dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
        return dt.datetime.combine(day, clock, tzinfo=timeutil.LEDGER_TZ)
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=timeutil.LEDGER_TZ)
        except ValueError:
            continue
    return None


def template_workbook() -> bytes:
    return write_workbook([COL_NO, COL_NAME, COL_TIME], [], title=_("签到名单"))


def _check_session(session: TrainingSession) -> None:
    if session.status == TrainingSession.Status.CANCELLED:
        raise ImportFailed([ImportProblem(_("本次培训已取消，不能导入签到。"))])


def _validate(session: TrainingSession, rows) -> list[_Row]:
    rows = list(rows)  # at most MAX_IMPORT_ROWS_ATTENDANCE: read_table stops at the cap
    numbers = {values[COL_NO] for _n, values in rows if values[COL_NO]}
    people = {u.employee_no: u for u in User.objects.filter(employee_no__in=numbers).select_related("org_unit")}
    audience = audience_member_ids(session, [u.pk for u in people.values()])
    audience |= set(Attendance.objects.filter(session=session).values_list("user_id", flat=True))
    problems = ProblemList()
    seen: dict[str, int] = {}
    valid: list[_Row] = []
    day = timeutil.local_date(session.starts_at)
    for number, values in rows:
        employee_no = values[COL_NO]
        if not employee_no:
            problems.append(ImportProblem(_("工号不能为空。"), number, COL_NO))
            continue
        if employee_no in seen:
            problems.append(
                ImportProblem(
                    _("工号 %(no)s 与第 %(row)s 行重复。") % {"no": employee_no, "row": seen[employee_no]},
                    number,
                    COL_NO,
                )
            )
            continue
        seen[employee_no] = number
        user = people.get(employee_no)
        if user is None:
            problems.append(ImportProblem(_("找不到工号为 %(no)s 的人员。") % {"no": employee_no}, number, COL_NO))
            continue
        name = values.get(COL_NAME, "")
        if name and _normalise_name(name) != _normalise_name(user.full_name):
            problems.append(
                ImportProblem(
                    _("姓名“%(given)s”与工号 %(no)s 的人员“%(name)s”不一致。")
                    % {"given": name, "no": employee_no, "name": user.full_name},
                    number,
                    COL_NAME,
                )
            )
            continue
        if not user.is_active:
            problems.append(ImportProblem(_("%(name)s 的账号已停用。") % {"name": user.full_name}, number, COL_NO))
            continue
        if user.pk not in audience:
            problems.append(
                ImportProblem(_("%(name)s 不在本次培训的参训范围内。") % {"name": user.full_name}, number, COL_NO)
            )
            continue
        at = session.starts_at
        text = values.get(COL_TIME, "")
        if text:
            at = _parse_time(text, session)
            if at is None:
                problems.append(
                    ImportProblem(
                        _("无法识别时间“%(t)s”，请写成 09:05 或 2025-03-09 09:05。") % {"t": text}, number, COL_TIME
                    )
                )
                continue
            if timeutil.local_date(at) != day:
                problems.append(
                    ImportProblem(_("签到时间不在培训当天（%(day)s）。") % {"day": day.isoformat()}, number, COL_TIME)
                )
                continue
        valid.append(_Row(number, user, at))
    if problems:
        raise ImportFailed(problems)
    if not valid:
        raise ImportFailed([ImportProblem(_("文件中没有签到人员。"))])
    return valid


def _read(session: TrainingSession, fileobj) -> tuple[list[str], list[_Row]]:
    """The ignored columns and the valid rows of the whole file; raises ``ImportFailed`` listing every problem."""
    _check_session(session)
    ignored, rows = read_table(
        fileobj, required=REQUIRED, optional=OPTIONAL, aliases=ALIASES, max_rows=settings.MAX_IMPORT_ROWS_ATTENDANCE
    )
    return ignored, _validate(session, rows)


def check_attendance(*, session: TrainingSession, fileobj, by: User | None) -> int:
    """How many people the file marks present, after checking it whole as the import does; writes nothing.

    Raises the same ``ImportFailed`` as ``import_attendance`` would, so a job can
    refuse a bad file before it writes anything. ``by`` is who will import it,
    taken so that checking and importing are called alike.
    """
    _ignored, valid = _read(session, fileobj)
    return len(valid)


def import_attendance(*, session: TrainingSession, fileobj, by: User | None) -> AttendanceImportResult:
    """Validate every row, then mark and credit all of them in one transaction."""
    ignored, valid = _read(session, fileobj)
    result = AttendanceImportResult(ignored_columns=ignored)
    with transaction.atomic():
        for row in valid:
            mark = record_attendance(
                session=session, user=row.user, method=Attendance.Method.IMPORT, marked_by=by, at=row.at
            )
            if mark.created:
                result.created += 1
            else:
                result.already += 1
        audit.record(
            actor=by,
            action="learning.attendance_import",
            summary=_("导入“%(t)s”签到：新增 %(c)s，已有 %(a)s")
            % {"t": session.title, "c": result.created, "a": result.already},
            details={"session": session.pk, "created": result.created, "already": result.already},
        )
    return result
