"""The directory sync: the directory's units and people applied as the staff import applies a workbook.

One run reads the whole directory (``directory.sync.ldap``), then in one
transaction: the unit tree (``directory.sync.units``); 工号 that changed in the
directory for a person it already knew (by the entry's stable id, audited as
any change of a login identifier); the people themselves, through the staff
import's own checks and writes (``directory.importers.staff.import_staff_rows``,
so a bad value gets the same message, naming the entry's DN instead of a row);
then who is no longer in the directory: switched off (never deleted) and signed
out. Any problem refuses the whole run and changes nothing; a dry run does all
of it and rolls it back. Every run leaves one audit entry with its counts.

The sync runs as the system (the ``sync_directory`` command or the beat task),
like the ``import_staff`` command: no org scope narrows it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from accounts.services.identity import record_identifier_changes
from accounts.services.sessions import end_sessions
from core.xlsx import ImportFailed, ImportProblem, ProblemList
from directory.importers.staff import (
    CATEGORY_BY_LABEL,
    COL_CATEGORY,
    COL_CREDENTIAL,
    COL_EMAIL,
    COL_NAME,
    COL_NO,
    COL_PHONE,
    COL_POSITION,
    COL_UNIT,
    EMPLOYEE_NO_RE,
    FIELDS,
    SheetRows,
    check_staff_rows,
    import_staff_rows,
)
from directory.models import DirectoryEntry

from .ldap import DirectoryError, DirectoryRecord, DirectorySnapshot, LdapConfig, read_directory
from .units import UnitPlan, apply_units, match_units, read_units

logger = logging.getLogger("fazhi.directory")

AUDIT_ACTION = "directory_sync"
#: The staff import's column for each person field the directory may hold.
COLUMNS = {
    "employee_no": COL_NO,
    "full_name": COL_NAME,
    "unit_code": COL_UNIT,
    "email": COL_EMAIL,
    "phone": COL_PHONE,
    "position": COL_POSITION,
    "category": COL_CATEGORY,
    "credential_no": COL_CREDENTIAL,
}
#: Fields that must hold one value: several would make the result depend on the order the server sends.
SINGLE_VALUED = ("employee_no", "unit_code", "email", "category", "credential_no")
#: How many names of each kind an audit entry keeps.
AUDIT_LIST_LIMIT = 200
#: Two runs never interleave (PostgreSQL: a transaction-level advisory lock; SQLite writes one at a time anyway).
_LOCK_ID = 0x6469_7273  # "dirs"
_TEMPORARY_NO = "~sync~{pk}"


class DirectoryEntries(SheetRows):
    """Names records as the directory does: by the entry's DN, and each column by its LDAP attribute."""

    def __init__(self, dns: dict[int, str], attributes: dict[str, str]):
        self.dns = dns
        self.attributes = attributes
        self._numbers = {dn: number for number, dn in dns.items()}

    def order(self, problem: ImportProblem) -> int:
        """Sort key of a located problem: its entry's place in the run."""
        return self._numbers.get(problem.entry, 0)

    def duplicate(self, column: str, value: str, first) -> str:
        messages = {
            COL_NO: _("工号“%(v)s”与条目“%(dn)s”重复。"),
            COL_CREDENTIAL: _("执法证号“%(v)s”与条目“%(dn)s”重复。"),
            COL_EMAIL: _("邮箱“%(v)s”与条目“%(dn)s”重复。"),
        }
        return messages[column] % {"v": value, "dn": self.dns[first]}

    def problem(self, message: str, number: int | None, column: str | None) -> ImportProblem:
        return ImportProblem(
            message,
            entry=self.dns.get(number) if number is not None else None,
            column=self.attributes.get(column, column) if column else None,
        )

    def located(self, problems):
        located = ProblemList(self.problem(p.message, p.row, p.column) for p in problems)
        located.total = max(located.total, getattr(problems, "total", 0))
        return located


@dataclass
class SyncReport:
    dry_run: bool
    units_read: int = 0
    people_read: int = 0
    units_created: list[tuple[str, str]] = field(default_factory=list)
    units_recoded: list[tuple[str, str, str]] = field(default_factory=list)
    units_changed: list[tuple[str, str, str]] = field(default_factory=list)
    units_missing: list[tuple[str, str, int]] = field(default_factory=list)
    #: ``(工号, 姓名, 单位)``
    people_created: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(工号, 姓名, [changed field names])``
    people_updated: list[tuple[str, str, list[str]]] = field(default_factory=list)
    people_unchanged: int = 0
    #: ``(姓名, old 工号, new 工号)``
    employee_no_changes: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(工号, old e-mail, new e-mail)``
    email_changes: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(工号, 姓名)``
    deactivated: list[tuple[str, str]] = field(default_factory=list)
    reactivated: list[tuple[str, str]] = field(default_factory=list)
    sessions_ended: int = 0
    #: Active people on the platform the directory has never named (left alone).
    never_in_directory: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "units_read": self.units_read,
            "people_read": self.people_read,
            "units_created": len(self.units_created),
            "units_recoded": len(self.units_recoded),
            "units_changed": len(self.units_changed),
            "units_missing": len(self.units_missing),
            "people_created": len(self.people_created),
            "people_updated": len(self.people_updated),
            "people_unchanged": self.people_unchanged,
            "employee_no_changes": len(self.employee_no_changes),
            "email_changes": len(self.email_changes),
            "deactivated": len(self.deactivated),
            "reactivated": len(self.reactivated),
            "sessions_ended": self.sessions_ended,
            "never_in_directory": self.never_in_directory,
        }

    def summary(self) -> str:
        """One line for the audit log and the command's last line."""
        head = _("目录同步（试运行，未写入）") if self.dry_run else _("目录同步")
        return _(
            "%(head)s：人员新增 %(created)s、更新 %(updated)s、未变 %(unchanged)s、停用 %(deactivated)s、"
            "恢复 %(reactivated)s；单位新增 %(units_created)s、调整 %(units_changed)s、目录中没有 %(units_missing)s。"
        ) % {
            "head": head,
            "created": len(self.people_created),
            "updated": len(self.people_updated),
            "unchanged": self.people_unchanged,
            "deactivated": len(self.deactivated),
            "reactivated": len(self.reactivated),
            "units_created": len(self.units_created),
            "units_changed": len(self.units_changed) + len(self.units_recoded),
            "units_missing": len(self.units_missing),
        }


def run_directory_sync(*, dry_run: bool = False, allow_mass_deactivation: bool = False, via: str) -> SyncReport:
    """Read the directory and apply it; every outcome leaves one audit entry.

    ``via`` says who started the run ("command", "beat"). Raises ``DirectoryError``
    (the directory could not be read) or ``ImportFailed`` (what it holds was refused).
    """
    try:
        snapshot = read_directory()
        return sync_directory(
            snapshot=snapshot,
            dry_run=dry_run,
            allow_mass_deactivation=allow_mass_deactivation,
            via=via,
        )
    except DirectoryError as exc:
        _record_refusal(reason=exc.message, problems=[], total=0, dry_run=dry_run, via=via)
        raise
    except ImportFailed as exc:
        _record_refusal(
            reason=_("目录数据有 %(n)s 处问题，未同步。") % {"n": exc.problems.total},
            problems=exc.problems.lines()[:AUDIT_LIST_LIMIT],
            total=exc.problems.total,
            dry_run=dry_run,
            via=via,
        )
        raise


def _record_refusal(*, reason: str, problems: list[str], total: int, dry_run: bool, via: str) -> None:
    logger.error("directory sync refused: %s", reason)
    audit.record(
        actor=None,
        action=AUDIT_ACTION,
        summary=_("目录同步被拒绝：%(reason)s") % {"reason": reason},
        details={"outcome": "refused", "dry_run": dry_run, "via": via, "problems": problems, "problem_count": total},
    )


def sync_directory(
    *, snapshot: DirectorySnapshot, dry_run: bool = False, allow_mass_deactivation: bool = False, via: str
) -> SyncReport:
    """Apply what was read in one transaction; see the module's docstring."""
    config = LdapConfig.from_settings()
    default_category = settings.DIRECTORY_SYNC_DEFAULT_CATEGORY
    if default_category not in CATEGORY_BY_LABEL:
        raise DirectoryError(
            _("DIRECTORY_SYNC_DEFAULT_CATEGORY“%(v)s”无效，应为：执法人员、领导干部、其他。") % {"v": default_category}
        )
    if not snapshot.people:
        raise DirectoryError(_("目录中没有找到人员（请检查人员搜索基准和过滤条件），未同步。"))
    report = SyncReport(dry_run=dry_run, units_read=len(snapshot.units), people_read=len(snapshot.people))
    plan = read_units(snapshot, config.unit_attributes)
    if plan.problems:
        raise ImportFailed(plan.problems)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        match_units(plan)
        if plan.problems:
            raise ImportFailed(plan.problems)
        apply_units(plan)
        report.units_created, report.units_recoded = plan.created, plan.recoded
        report.units_changed, report.units_missing = plan.changed, plan.missing

        people = sorted(snapshot.people, key=lambda r: tuple(reversed(r.key)))
        locator = DirectoryEntries(
            dns={number: record.dn for number, record in enumerate(people, start=1)},
            attributes=_columns_as_attributes(config),
        )
        problems = _entry_problems(people, plan)
        problems += _change_employee_numbers(people, report)
        rows = _rows(people, plan, config, default_category)
        if problems:
            raise _refusal(problems, rows, locator)

        before = _snapshot_people([cells[COL_NO] for _number, cells in rows])
        result = import_staff_rows(rows, locator=locator, via=AUDIT_ACTION)
        _report_people(report, rows, before, result)
        seen = _link_entries(people, rows)
        _deactivate_and_reactivate(seen, report, allow_mass_deactivation=allow_mass_deactivation)
        report.never_in_directory = (
            User.objects.filter(is_active=True, directory_entry__isnull=True).exclude(pk__in=seen.values()).count()
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit.record(
                actor=None,
                action=AUDIT_ACTION,
                summary=report.summary(),
                details=_audit_details(report, via=via),
            )
    if dry_run:
        audit.record(actor=None, action=AUDIT_ACTION, summary=report.summary(), details=_audit_details(report, via=via))
    logger.info("directory sync: %s", report.counts())
    return report


def _refusal(problems: list[ImportProblem], rows: list[tuple[int, dict]], locator: DirectoryEntries) -> ImportFailed:
    """The directory's own problems with what the staff checks find in the other entries: one run lists everything."""
    found = list(locator.located(problems))
    total = len(found)
    flagged = {p.row for p in problems}
    try:
        check_staff_rows([row for row in rows if row[0] not in flagged], locator=locator)
    except ImportFailed as exc:
        found += exc.problems
        total += exc.problems.total
    combined = ProblemList(sorted(found, key=locator.order))
    combined.total = max(total, combined.total)
    return ImportFailed(combined)


def _columns_as_attributes(config: LdapConfig) -> dict[str, str]:
    """The import's column → how the directory names it (``employeeNumber``, …)."""
    attributes = {}
    for name, column in COLUMNS.items():
        attribute = config.person_attributes.get(name)
        if attribute:
            attributes[column] = attribute
    if not config.person_attributes.get("category"):
        attributes[COL_CATEGORY] = "DIRECTORY_SYNC_DEFAULT_CATEGORY"
    attributes.setdefault(COL_UNIT, "DN")
    return attributes


def _entry_problems(people: list[DirectoryRecord], plan: UnitPlan) -> list[ImportProblem]:
    """What only a directory can get wrong: several values where one is meant, a unit code no unit has.

    Problems carry the record's number as ``row`` until ``locator.located`` names the entry.
    """
    problems = []
    for number, record in enumerate(people, start=1):
        for name in SINGLE_VALUED:
            values = record.values.get(name, [])
            if len(values) > 1:
                problems.append(
                    ImportProblem(
                        _("有 %(n)s 个值（%(values)s），只能有一个。")
                        % {"n": len(values), "values": "、".join(values)},
                        row=number,
                        column=COLUMNS[name],
                    )
                )
        codes = record.values.get("unit_code", [])
        if len(codes) == 1 and codes[0] not in plan.by_code:
            problems.append(
                ImportProblem(
                    _("单位代码“%(v)s”不是目录中任何单位的代码。") % {"v": codes[0]}, row=number, column=COL_UNIT
                )
            )
    return problems


def _first(record: DirectoryRecord, name: str) -> str:
    values = record.values.get(name) or [""]
    return values[0]


def _rows(
    people: list[DirectoryRecord], plan: UnitPlan, config: LdapConfig, default_category: str
) -> list[tuple[int, dict]]:
    """Each entry as a row of the staff workbook (``(number, {column: text})``)."""
    labels = {value: label for label, value in CATEGORY_BY_LABEL.items() if label != "其他人员"}
    numbers = [_first(record, "employee_no") for record in people]
    categories = dict(
        User.objects.filter(employee_no__in=[n for n in numbers if n]).values_list("employee_no", "staff_category")
    )
    rows = []
    for number, record in enumerate(people, start=1):
        employee_no = _first(record, "employee_no")
        codes = record.values.get("unit_code", [])
        unit = plan.by_code.get(codes[0]) if codes else plan.unit_of(record)
        cells = {
            COL_NO: employee_no,
            COL_NAME: _first(record, "full_name"),
            COL_UNIT: unit.full_path if unit is not None else "",
        }
        if config.person_attributes.get("category"):
            cells[COL_CATEGORY] = _first(record, "category")
        else:
            # Not kept in the directory: the platform's own value stays, new people get the default.
            current = categories.get(employee_no)
            cells[COL_CATEGORY] = labels[current] if current in labels else default_category
        for name in ("position", "credential_no", "phone", "email"):
            if config.person_attributes.get(name):
                cells[COLUMNS[name]] = _first(record, name)
        rows.append((number, cells))
    return rows


def _change_employee_numbers(people: list[DirectoryRecord], report: SyncReport) -> list[ImportProblem]:
    """A known entry whose 工号 changed renames its person (audited and announced), before the people are matched by 工号.

    Problems carry the record's number as ``row``; when there are any, nothing is written.
    """
    by_uuid = {record.uuid: (number, record) for number, record in enumerate(people, start=1) if record.uuid}
    if not by_uuid:
        return []
    renames: dict[int, tuple[User, str, int]] = {}
    for link in DirectoryEntry.objects.select_related("user").filter(entry_uuid__in=by_uuid):
        number, record = by_uuid[link.entry_uuid]
        values = record.values.get("employee_no", [])
        new = values[0] if len(values) == 1 else ""
        if new and EMPLOYEE_NO_RE.match(new) and new != link.user.employee_no:
            renames[link.user.pk] = (link.user, new, number)
    if not renames:
        return []
    holders = {u.employee_no: u for u in User.objects.filter(employee_no__in=[new for _u, new, _n in renames.values()])}
    problems = []
    for user, new, number in renames.values():
        holder = holders.get(new)
        if holder is not None and holder.pk not in renames:
            problems.append(
                ImportProblem(
                    _("工号“%(v)s”已属于平台上的%(holder)s，不能改给%(name)s（原工号 %(old)s）。")
                    % {"v": new, "holder": holder, "name": user.full_name, "old": user.employee_no},
                    row=number,
                    column=COL_NO,
                )
            )
    if problems:
        return problems
    # Two steps, as the unique 工号 may pass from one person to another within the run.
    for pk in renames:
        User.objects.filter(pk=pk).update(employee_no=_TEMPORARY_NO.format(pk=pk))
    changes = []
    for pk, (user, new, _number) in renames.items():
        old = user.employee_no
        User.objects.filter(pk=pk).update(employee_no=new)
        user.employee_no = new
        changes.append((user, {"employee_no": (old, new)}))
        report.employee_no_changes.append((user.full_name, old, new))
    record_identifier_changes(changes, via=AUDIT_ACTION)
    return []


def _snapshot_people(numbers: list[str]) -> dict[str, dict]:
    return {
        row["employee_no"]: row for row in User.objects.filter(employee_no__in=numbers).values("employee_no", *FIELDS)
    }


def _report_people(report: SyncReport, rows: list[tuple[int, dict]], before: dict[str, dict], result) -> None:
    after = _snapshot_people([cells[COL_NO] for _number, cells in rows])
    labels = {f: str(User._meta.get_field(f.removesuffix("_id")).verbose_name) for f in FIELDS}
    for _number, cells in rows:
        employee_no = cells[COL_NO]
        old, new = before.get(employee_no), after[employee_no]
        if old is None:
            report.people_created.append((employee_no, new["full_name"], cells[COL_UNIT]))
            continue
        changed = [labels[f] for f in FIELDS if old[f] != new[f]]
        if changed:
            report.people_updated.append((employee_no, new["full_name"], changed))
    report.people_unchanged = result.unchanged
    report.email_changes = [
        (user.employee_no, changes["email"][0] or "", changes["email"][1] or "")
        for user, changes in result.login_changes
        if "email" in changes
    ]


def _link_entries(people: list[DirectoryRecord], rows: list[tuple[int, dict]]) -> dict[str, int]:
    """Remember which entry each person is (first sync: by 工号); returns 工号 → user id of everyone seen."""
    now = timezone.now()
    seen = dict(
        User.objects.filter(employee_no__in=[cells[COL_NO] for _n, cells in rows]).values_list("employee_no", "pk")
    )
    records = {cells[COL_NO]: people[number - 1] for number, cells in rows}
    links = {link.user_id: link for link in DirectoryEntry.objects.filter(user_id__in=seen.values())}
    uuids = [r.uuid for r in records.values() if r.uuid]
    # An id now on someone else's entry (an entry deleted and its id reused) lets go first.
    DirectoryEntry.objects.filter(entry_uuid__in=uuids).exclude(user_id__in=seen.values()).update(entry_uuid=None)
    to_create, to_update = [], []
    for employee_no, record in records.items():
        link = links.get(seen[employee_no])
        if link is None:
            to_create.append(
                DirectoryEntry(
                    user_id=seen[employee_no],
                    entry_uuid=record.uuid,
                    dn=record.dn[:1000],
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
            continue
        if (link.entry_uuid, link.dn, link.removed_at) != (record.uuid, record.dn[:1000], None):
            link.entry_uuid, link.dn, link.removed_at = record.uuid, record.dn[:1000], None
            to_update.append(link)
    # Only what changed is rewritten row by row (bulk_update of every link cost seconds per run).
    if to_update:
        # Ids move between links in two steps (unique).
        DirectoryEntry.objects.filter(pk__in=[link.pk for link in to_update]).update(entry_uuid=None)
        DirectoryEntry.objects.bulk_update(to_update, ["entry_uuid", "dn", "removed_at"], batch_size=1000)
    DirectoryEntry.objects.filter(pk__in=[link.pk for link in links.values()]).update(last_seen_at=now)
    DirectoryEntry.objects.bulk_create(to_create, batch_size=1000)
    return seen


def _deactivate_and_reactivate(seen: dict[str, int], report: SyncReport, *, allow_mass_deactivation: bool) -> None:
    now, today = timezone.now(), timezone.localdate()
    gone = list(
        DirectoryEntry.objects.select_related("user")
        .filter(removed_at__isnull=True)
        .exclude(user_id__in=seen.values())
        .order_by("user__employee_no")
    )
    to_deactivate = [link for link in gone if link.user.is_active]
    limit = settings.DIRECTORY_SYNC_MAX_DEACTIVATIONS
    if len(to_deactivate) > limit and not allow_mass_deactivation:
        raise ImportFailed(
            [
                ImportProblem(
                    _(
                        "本次同步将停用 %(n)s 人，超过上限 %(max)s 人（DIRECTORY_SYNC_MAX_DEACTIVATIONS），未同步。"
                        "请核对目录的搜索基准和过滤条件；确认无误后加 --allow-mass-deactivation 重新运行。"
                    )
                    % {"n": len(to_deactivate), "max": limit}
                )
            ]
        )
    ids = [link.user_id for link in to_deactivate]
    if ids:
        User.objects.filter(pk__in=ids).update(is_active=False)
        report.sessions_ended = end_sessions(user_ids=ids)
    for link in gone:
        link.removed_at = now
        link.deactivated_by_sync = link.user.is_active
    DirectoryEntry.objects.bulk_update(gone, ["removed_at", "deactivated_by_sync"], batch_size=1000)
    report.deactivated = [(link.user.employee_no, link.user.full_name) for link in to_deactivate]

    back = list(
        DirectoryEntry.objects.select_related("user").filter(
            user_id__in=seen.values(), deactivated_by_sync=True, user__is_active=False
        )
    )
    # Someone whose leaving date has passed stays off (``deactivate_departed_staff`` would switch them off again).
    returning = [link for link in back if not (link.user.left_on and link.user.left_on < today)]
    if returning:
        User.objects.filter(pk__in=[link.user_id for link in returning]).update(is_active=True)
    DirectoryEntry.objects.filter(pk__in=[link.pk for link in back]).update(deactivated_by_sync=False)
    report.reactivated = [(link.user.employee_no, link.user.full_name) for link in returning]


def _audit_details(report: SyncReport, *, via: str) -> dict:
    def cap(items):
        return [list(item) if isinstance(item, tuple) else item for item in items[:AUDIT_LIST_LIMIT]]

    return {
        "outcome": "dry_run" if report.dry_run else "applied",
        "dry_run": report.dry_run,
        "via": via,
        "counts": report.counts(),
        "units_created": cap(report.units_created),
        "units_changed": cap(report.units_changed),
        "units_recoded": cap(report.units_recoded),
        "units_missing": cap(report.units_missing),
        "people_created": cap([no for no, _name, _unit in report.people_created]),
        "people_updated": cap([[no, fields] for no, _name, fields in report.people_updated]),
        "employee_no_changes": cap(report.employee_no_changes),
        "deactivated": cap([no for no, _name in report.deactivated]),
        "reactivated": cap([no for no, _name in report.reactivated]),
    }
