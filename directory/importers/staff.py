"""Staff import: an Excel file of officials, validated whole, applied all-or-nothing.

Headers (first row, any order): 单位, 工号, 姓名, 人员类别 are required; 职务,
执法证号, 手机, 邮箱 may be left empty (or the column left out). People are
matched by 工号, so importing the same file twice changes nothing.

An HR officer imports only within their org scope (``accounts.scope``): every
row's unit, every unit the import would create and every existing person a row
matches must be theirs to see; otherwise the row is an error like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, StaffCategory, User, privileged_q
from accounts.scope import can_view_person, can_view_unit, scope_paths
from accounts.services.credentials import sync_from_staff
from accounts.services.identity import record_identifier_changes
from core.xlsx import ImportFailed, ImportProblem, ProblemList, read_table

COL_UNIT, COL_NO, COL_NAME, COL_CATEGORY = "单位", "工号", "姓名", "人员类别"
COL_POSITION, COL_CREDENTIAL, COL_PHONE, COL_EMAIL = "职务", "执法证号", "手机", "邮箱"
REQUIRED = [COL_UNIT, COL_NO, COL_NAME, COL_CATEGORY]
OPTIONAL = [COL_POSITION, COL_CREDENTIAL, COL_PHONE, COL_EMAIL]
HEADERS = REQUIRED + OPTIONAL
# Columns we refuse to keep (PIPL: no national ID numbers).
REFUSED = {"身份证号", "身份证号码", "公民身份号码", "身份证"}
#: Other names staff lists give our columns (compared without spaces and "*"/"（必填）" marks).
ALIASES = {
    **dict.fromkeys(["单位名称", "所在单位", "工作单位", "单位全称", "单位路径"], COL_UNIT),
    **dict.fromkeys(["人员编号", "职工编号", "职工号", "员工编号", "编号"], COL_NO),
    **dict.fromkeys(["人员姓名", "名字"], COL_NAME),
    **dict.fromkeys(["人员类型", "类别", "人员身份"], COL_CATEGORY),
    **dict.fromkeys(["职务职级", "职位", "现任职务"], COL_POSITION),
    **dict.fromkeys(
        ["执法证编号", "执法证件号", "执法证件号码", "执法证件编号", "行政执法证号", "行政执法证件号码"], COL_CREDENTIAL
    ),
    **dict.fromkeys(["手机号", "手机号码", "联系电话", "电话", "联系方式"], COL_PHONE),
    **dict.fromkeys(["电子邮箱", "邮箱地址", "电子邮件", "Email", "E-mail", "email"], COL_EMAIL),
}

CATEGORY_BY_LABEL = {
    "执法人员": StaffCategory.ENFORCEMENT,
    "领导干部": StaffCategory.LEADER,
    "其他": StaffCategory.OTHER,
    "其他人员": StaffCategory.OTHER,
}
EMPLOYEE_NO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
CREDENTIAL_RE = re.compile(r"^[A-Za-z0-9\-]{4,32}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Names: Chinese, Uyghur names written in Chinese with a middle dot, or Latin letters.
NAME_RE = re.compile(r"^[\u3400-\u9fff\u00b7\u2022\u30fb\uff0e.·A-Za-z\u0600-\u06ff ]{1,64}$")
MIDDLE_DOTS = str.maketrans({"\u2022": "·", "\u30fb": "·", "\uff0e": "·", ".": "·"})

FIELDS = ("full_name", "org_unit_id", "staff_category", "position", "credential_no", "phone", "email")
# Fields unique across people: a hand-over between two rows is written in two steps.
UNIQUE_FIELDS = ("credential_no", "email")


@dataclass
class StaffImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_created: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    #: ``[(user, {field: (old, new)})]``: login e-mails the import changed (audited, old address told).
    login_changes: list[tuple] = field(default_factory=list)
    dry_run: bool = False
    credentials_created: int = 0
    #: 工号 of the file's people who still cannot sign in (active, no usable password): they need a letter.
    needs_activation: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    number: int
    employee_no: str
    values: dict


def unit_kind(depth: int, name: str) -> str:
    """The kind of a new unit from its depth in the tree and its name (shared with the directory sync)."""
    if depth == 1:
        return OrgUnit.Kind.PREFECTURE
    if depth == 2:
        return OrgUnit.Kind.COUNTY
    if name.endswith(("乡", "镇", "街道", "乡人民政府", "镇人民政府")):
        return OrgUnit.Kind.TOWNSHIP
    if name.endswith(("站", "所", "中队", "大队")):
        return OrgUnit.Kind.STATION
    return OrgUnit.Kind.DEPARTMENT


def ensure_unit_path(full_path: str) -> OrgUnit:
    """Create the units of a ``/``-separated path that do not exist yet."""
    parts = [p.strip() for p in full_path.split("/") if p.strip()]
    parent = None
    for depth, name in enumerate(parts, start=1):
        path_text = "/".join(parts[:depth])
        unit = OrgUnit.objects.filter(full_path=path_text).first()
        if unit is None:
            code = _next_unit_code()
            if parent is None:
                unit = OrgUnit.add_root(name=name, code=code, kind=unit_kind(depth, name))
            else:
                unit = parent.add_child(name=name, code=code, kind=unit_kind(depth, name))
        parent = unit
    return parent


def _next_unit_code() -> str:
    number = OrgUnit.objects.count() + 1
    while OrgUnit.objects.filter(code=f"U{number:05d}").exists():
        number += 1
    return f"U{number:05d}"


def _normalise_path(text: str) -> str:
    return "/".join(p.strip() for p in text.replace("／", "/").split("/") if p.strip())


def validate_initial_password(password: str) -> None:
    """The initial password of imported accounts obeys the site's password rules.

    Shared by the import page and the ``import_staff`` command; raises
    ``ValidationError`` with one Chinese message.
    """
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        raise ValidationError(
            _("初始密码不符合要求：%(reasons)s") % {"reasons": "".join(exc.messages)}, code="initial_password"
        ) from None


class SheetRows:
    """Where a record is, as the problems of an import name it: its row in the sheet.

    The directory sync (``directory.sync``) feeds LDAP entries through the same
    checks (``check_staff_rows``, ``import_staff_rows``) with a locator of its
    own that names each entry's DN instead, so both say the same about a bad value.
    """

    def duplicate(self, column: str, value: str, first) -> str:
        """The message for ``value`` of ``column`` seen already in record ``first``."""
        messages = {
            COL_NO: _("工号“%(v)s”与第 %(row)s 行重复。"),
            COL_CREDENTIAL: _("执法证号“%(v)s”与第 %(row)s 行重复。"),
            COL_EMAIL: _("邮箱“%(v)s”与第 %(row)s 行重复。"),
        }
        return messages[column] % {"v": value, "row": first}

    def located(self, problems):
        """The problems as the caller shows them (rows are already what the sheet shows)."""
        return problems


SHEET_ROWS = SheetRows()


def _may_create_unit(actor: User | None, units_by_path: dict[str, OrgUnit], unit_path: str) -> bool:
    """A missing unit is created under its nearest existing ancestor, which must be in scope."""
    if actor is None:
        return True
    parts = unit_path.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        ancestor = units_by_path.get("/".join(parts[:depth]))
        if ancestor is not None:
            return can_view_unit(actor, ancestor)
    # A new top-level unit: only someone who sees every unit may add one.
    return scope_paths(actor) is None


def _unit_out_of_scope(unit_path: str) -> str:
    return _("单位“%(v)s”不在您的管辖范围内。") % {"v": unit_path}


def _validate(rows, units_by_path: dict[str, OrgUnit], create_units: bool, actor: User | None, locator: SheetRows):
    problems = ProblemList()
    parsed: list[_Row] = []
    seen_no: dict[str, int] = {}
    seen_credential: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    missing_units: set[str] = set()

    for number, cells in rows:
        row_problems = []

        def bad(column, message, _number=number, _problems=row_problems):
            _problems.append(ImportProblem(message, row=_number, column=column))

        employee_no = cells.get(COL_NO, "")
        if not employee_no:
            bad(COL_NO, _("工号不能为空。"))
        elif not EMPLOYEE_NO_RE.match(employee_no):
            bad(COL_NO, _("工号“%(v)s”格式不对：只能是字母、数字、下划线或短横线，最长 32 位。") % {"v": employee_no})
        elif employee_no in seen_no:
            bad(COL_NO, locator.duplicate(COL_NO, employee_no, seen_no[employee_no]))
        else:
            seen_no[employee_no] = number

        name = cells.get(COL_NAME, "").translate(MIDDLE_DOTS).strip()
        name = re.sub(r"\s*·\s*", "·", name)
        if not name:
            bad(COL_NAME, _("姓名不能为空。"))
        elif not NAME_RE.match(name):
            bad(COL_NAME, _("姓名“%(v)s”含有不允许的字符。") % {"v": name})

        unit_path = _normalise_path(cells.get(COL_UNIT, ""))
        unit_id = None
        if not unit_path:
            bad(COL_UNIT, _("单位不能为空。"))
        elif unit_path in units_by_path:
            unit = units_by_path[unit_path]
            if actor is None or can_view_unit(actor, unit):
                unit_id = unit.pk
            else:
                bad(COL_UNIT, _unit_out_of_scope(unit_path))
        elif create_units:
            if _may_create_unit(actor, units_by_path, unit_path):
                missing_units.add(unit_path)
            else:
                bad(COL_UNIT, _unit_out_of_scope(unit_path))
        else:
            bad(COL_UNIT, _("单位“%(v)s”不存在（请检查拼写，单位路径从“地区”写起，用 / 分隔）。") % {"v": unit_path})

        category_label = cells.get(COL_CATEGORY, "")
        category = CATEGORY_BY_LABEL.get(category_label)
        if category is None:
            bad(COL_CATEGORY, _("人员类别“%(v)s”无效，应为：执法人员、领导干部、其他。") % {"v": category_label})

        position = cells.get(COL_POSITION, "")
        if len(position) > 64:
            bad(COL_POSITION, _("职务过长（最多 64 个字）。"))

        credential = cells.get(COL_CREDENTIAL, "").upper() or None
        if credential:
            if not CREDENTIAL_RE.match(credential):
                bad(COL_CREDENTIAL, _("执法证号“%(v)s”格式不对。") % {"v": credential})
            elif credential in seen_credential:
                bad(COL_CREDENTIAL, locator.duplicate(COL_CREDENTIAL, credential, seen_credential[credential]))
            else:
                seen_credential[credential] = number

        phone = cells.get(COL_PHONE, "").replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            bad(COL_PHONE, _("手机号“%(v)s”格式不对（应为 11 位手机号或带区号的固定电话）。") % {"v": phone})

        email = cells.get(COL_EMAIL, "").lower() or None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                bad(COL_EMAIL, _("邮箱“%(v)s”格式不对。") % {"v": email})
            else:
                if email in seen_email:
                    bad(COL_EMAIL, locator.duplicate(COL_EMAIL, email, seen_email[email]))
                else:
                    seen_email[email] = number

        if row_problems:
            problems.extend(row_problems)
            continue
        values = {"full_name": name, "org_unit_id": unit_id, "staff_category": category}
        # Optional columns that are absent from the file leave the field as it is.
        if COL_POSITION in cells:
            values["position"] = position
        if COL_CREDENTIAL in cells:
            values["credential_no"] = credential
        if COL_PHONE in cells:
            values["phone"] = phone
        if COL_EMAIL in cells:
            values["email"] = email
        values["_unit_path"] = unit_path
        parsed.append(_Row(number, employee_no, values))
    return parsed, problems, missing_units


def _check_existing_in_scope(parsed: list[_Row], existing: dict[str, User], actor: User | None) -> list[ImportProblem]:
    """A row matched by 工号 may only change someone the actor may see."""
    if actor is None:
        return []
    return [
        ImportProblem(
            _("工号 %(no)s 的人员不在您的管辖范围内，不能修改。") % {"no": row.employee_no},
            row=row.number,
            column=COL_NO,
        )
        for row in parsed
        if row.employee_no in existing and not can_view_person(actor, existing[row.employee_no])
    ]


def _check_privileged_logins(parsed: list[_Row], existing: dict[str, User]) -> list[ImportProblem]:
    """The login e-mail of a privileged account is not the import's to change.

    Whoever controls that address can reset the password; an administrator
    changes it in the admin (audited), never a spreadsheet.
    """
    changing = {
        existing[row.employee_no].pk: row
        for row in parsed
        if "email" in row.values
        and row.employee_no in existing
        and (existing[row.employee_no].email or "").lower() != (row.values["email"] or "")
    }
    if not changing:
        return []
    privileged = set(User.objects.filter(privileged_q(), pk__in=changing).values_list("pk", flat=True).distinct())
    return [
        ImportProblem(
            _(
                "%(name)s（工号 %(no)s）拥有管理或审核权限，其登录邮箱不能通过人员导入修改；请保留原邮箱“%(old)s”，如需修改请联系系统管理员。"
            )
            % {
                "name": existing[row.employee_no].full_name,
                "no": row.employee_no,
                "old": existing[row.employee_no].email or _("（空）"),
            },
            row=row.number,
            column=COL_EMAIL,
        )
        for pk, row in changing.items()
        if pk in privileged
    ]


def _check_against_database(parsed: list[_Row], actor: User | None) -> list[ImportProblem]:
    """Credential numbers and e-mails must not belong to someone else already.

    A value may change hands within the file (one row gives it up, another
    takes it); the write clears handed-over values first. The owner's 工号 is
    named only to someone allowed to see the owner.
    """
    by_no = {r.employee_no: r for r in parsed}
    credentials = {r.values["credential_no"]: r for r in parsed if r.values.get("credential_no")}
    emails = {r.values["email"]: r for r in parsed if r.values.get("email")}
    owners = []
    if credentials:
        for owner in User.objects.select_related("org_unit").filter(credential_no__in=credentials):
            owners.append(("credential_no", credentials.get(owner.credential_no), owner))
    if emails:
        # The database's uniqueness of e-mail ignores case, and so does this check
        # (the file's addresses are already lower-case).
        for owner in (
            User.objects.select_related("org_unit")
            .annotate(email_ci=Lower("email"))
            .filter(email__isnull=False, email_ci__in=emails)
        ):
            owners.append(("email", emails.get(owner.email_ci), owner))

    problems = []
    for field_name, row, owner in owners:
        owner_row = by_no.get(owner.employee_no)
        if row is None or owner_row is row:
            continue
        if owner_row is not None and owner_row.values.get(field_name) != row.values[field_name]:
            continue  # the owner gives it up in this same file
        value = row.values[field_name]
        if actor is None or can_view_person(actor, owner):
            if field_name == "credential_no":
                message = _("执法证号“%(v)s”已属于工号 %(no)s 的人员。")
            else:
                message = _("邮箱“%(v)s”已属于工号 %(no)s 的人员。")
            message %= {"v": value, "no": owner.employee_no}
        elif field_name == "credential_no":
            message = _("执法证号“%(v)s”已被管辖范围外的人员使用。") % {"v": value}
        else:
            message = _("邮箱“%(v)s”已被管辖范围外的人员使用。") % {"v": value}
        column = COL_CREDENTIAL if field_name == "credential_no" else COL_EMAIL
        problems.append(ImportProblem(message, row=row.number, column=column))
    problems.sort(key=lambda p: p.row)
    return problems


def _checked(fileobj, *, actor: User | None, create_units: bool):
    """Read and check the whole file, the database included; ``(ignored columns, rows, units to create, existing)``."""
    refused = {
        col: _("文件含有“%(col)s”列。平台不保存身份证号，请删除该列后再导入。") % {"col": col} for col in REFUSED
    }
    ignored, rows = read_table(
        fileobj,
        required=REQUIRED,
        optional=OPTIONAL,
        aliases=ALIASES,
        refused=refused,
        max_rows=settings.MAX_IMPORT_ROWS_STAFF,
    )
    return (ignored, *_checked_rows(rows, actor=actor, create_units=create_units, locator=SHEET_ROWS))


def _checked_rows(rows, *, actor: User | None, create_units: bool, locator: SheetRows):
    """Check ``(number, {column: text})`` records, the database included; ``(rows, units to create, existing)``."""
    # Whole units: the scope rule reads each one's place in the tree.
    units_by_path = {u.full_path: u for u in OrgUnit.objects.all()}
    parsed, problems, missing_units = _validate(rows, units_by_path, create_units, actor, locator)
    if not parsed and not problems:
        problems.append(ImportProblem(_("文件中没有人员数据。")))
    existing: dict[str, User] = {}
    if not problems:
        existing = {
            u.employee_no: u
            for u in User.objects.select_related("org_unit").filter(employee_no__in=[r.employee_no for r in parsed])
        }
        problems = (
            _check_existing_in_scope(parsed, existing, actor)
            + _check_privileged_logins(parsed, existing)
            + _check_against_database(parsed, actor)
        )
        problems.sort(key=lambda p: p.row or 0)
    if problems:
        raise ImportFailed(locator.located(problems))
    return parsed, missing_units, existing


def check_staff(fileobj, *, actor: User | None = None, create_units: bool = False) -> int:
    """Check the whole file as ``import_staff`` does, writing nothing; the number of people in it.

    Raises ``ImportFailed`` listing every problem by row and column.
    """
    return len(_checked(fileobj, actor=actor, create_units=create_units)[1])


def check_staff_rows(rows, *, locator: SheetRows, actor: User | None = None, create_units: bool = False) -> int:
    """``check_staff`` for records read elsewhere (``(number, {column: text})``, e.g. LDAP entries)."""
    return len(_checked_rows(rows, actor=actor, create_units=create_units, locator=locator)[0])


def import_staff(
    fileobj,
    *,
    actor: User | None = None,
    create_units: bool = False,
    dry_run: bool = False,
    initial_password: str | None = None,
    password_hash: str | None = None,
) -> StaffImportResult:
    """Validate the whole file, then apply it in one transaction (or not at all).

    ``actor`` is the person importing; their org scope limits the rows.
    ``None`` means a trusted system caller (the ``import_staff`` command run on
    the server), which may import anywhere. New accounts get ``initial_password``
    (or the already hashed ``password_hash``, which a background import carries
    instead of the password itself); without either their password is unusable.

    Raises ``ImportFailed`` listing every problem by row and column.
    """
    ignored, parsed, missing_units, existing = _checked(fileobj, actor=actor, create_units=create_units)
    return _apply(
        parsed,
        missing_units,
        existing,
        actor=actor,
        dry_run=dry_run,
        initial_password=initial_password,
        password_hash=password_hash,
        ignored_columns=ignored,
        via="staff_import",
    )


def import_staff_rows(
    rows,
    *,
    locator: SheetRows,
    actor: User | None = None,
    create_units: bool = False,
    dry_run: bool = False,
    password_hash: str | None = None,
    via: str = "staff_import",
) -> StaffImportResult:
    """``import_staff`` for records read elsewhere (the directory sync's LDAP entries): the same checks and writes.

    ``via`` names the route in the audit of changed login identifiers.
    """
    parsed, missing_units, existing = _checked_rows(rows, actor=actor, create_units=create_units, locator=locator)
    return _apply(parsed, missing_units, existing, actor=actor, dry_run=dry_run, password_hash=password_hash, via=via)


def _apply(
    parsed: list[_Row],
    missing_units: set[str],
    existing: dict[str, User],
    *,
    actor: User | None,
    dry_run: bool,
    initial_password: str | None = None,
    password_hash: str | None = None,
    ignored_columns: list[str] | None = None,
    via: str,
) -> StaffImportResult:
    """Write checked records in one transaction (rolled back again for a dry run)."""
    # One hash for everyone the file creates: they all get the same password HR typed, so separate
    # salts would protect nothing, and PBKDF2 per person made 100 new people a 30 s request.
    if password_hash is None and initial_password:
        password_hash = make_password(initial_password)
    result = StaffImportResult(ignored_columns=ignored_columns or [], dry_run=dry_run)
    with transaction.atomic():
        for path in sorted(missing_units):
            ensure_unit_path(path)
            result.units_created.append(path)
        unit_ids = dict(OrgUnit.objects.values_list("full_path", "id")) if missing_units else None
        to_create, to_update, changed_fields, handed_over = [], [], set(), {}
        for row in parsed:
            values = dict(row.values)
            unit_path = values.pop("_unit_path")
            if unit_ids is not None:
                values["org_unit_id"] = unit_ids[unit_path]
            user = existing.get(row.employee_no)
            if user is None:
                user = User(employee_no=row.employee_no, **values)
                if password_hash:
                    user.password = password_hash
                else:
                    user.set_unusable_password()
                to_create.append(user)
                continue
            changes = [f for f, v in values.items() if getattr(user, f) != v]
            login_changes = user.identifier_changes_to(values)
            if login_changes:
                result.login_changes.append((user, login_changes))
            if changes:
                for f in changes:
                    setattr(user, f, values[f])
                changed_fields.update(changes)
                to_update.append(user)
                moved = [f for f in changes if f in UNIQUE_FIELDS]
                if moved:
                    handed_over[user] = moved
            else:
                result.unchanged += 1
        _release_handed_over_values(handed_over)
        if to_update:
            User.objects.bulk_update(to_update, sorted(changed_fields), batch_size=1000)
        if result.login_changes and not dry_run:
            record_identifier_changes(result.login_changes, via=via, actor=actor)
        if to_create:
            User.objects.bulk_create(to_create, batch_size=1000)
        result.created, result.updated = len(to_create), len(to_update)
        people = {**existing, **{user.employee_no: user for user in to_create}}
        result.needs_activation = [
            row.employee_no
            for row in parsed
            if people[row.employee_no].is_active and not people[row.employee_no].has_usable_password()
        ]
        result.credentials_created = sync_from_staff(to_create + to_update)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _release_handed_over_values(handed_over: dict[User, list[str]]) -> None:
    """Clear the 执法证号 and e-mails that change hands before writing the new ones.

    One row may give up a value another row takes (or two people swap); the
    unique constraints are checked row by row, so the old owner lets go first.
    """
    if not handed_over:
        return
    new_values = {user: {f: getattr(user, f) for f in fields} for user, fields in handed_over.items()}
    for user, fields in handed_over.items():
        for f in fields:
            setattr(user, f, None)
    User.objects.bulk_update(
        list(handed_over), sorted({f for fields in handed_over.values() for f in fields}), batch_size=1000
    )
    for user, values in new_values.items():
        for f, v in values.items():
            setattr(user, f, v)


def template_workbook() -> bytes:
    """The downloadable template: headers plus one example row."""
    from core.xlsx import write_workbook

    example = [
        "喀什地区/莎车县/莎车县市场监督管理局",
        "10001",
        "艾力·买买提",
        "执法人员",
        "科员",
        "65310012345",
        "13899990000",
        "aili@example.cn",
    ]
    return write_workbook(HEADERS, [example], title="人员")
