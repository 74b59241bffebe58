"""The staff import and export as background jobs, for files too large for a web request.

A file with more than ``STAFF_IMPORT_JOB_ROWS`` rows is kept privately and
imported by a job (``jobs.imports``): checked whole first, then written in one
transaction, so it stays all-or-nothing and a killed worker's attempt leaves
nothing behind. Smaller files are imported at once, as before.

The staff export the same way round: a list of more than ``EXPORT_JOB_ROWS``
people is written by a job (``STAFF_EXPORT``, built with
``jobs.exports.xlsx_export_kind``), which re-applies the page's filters and the
requester's scope when it runs.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.scope import can_view_unit
from core.xlsx import ImportFailed, count_rows, write_workbook
from directory.filters import StaffFilter
from directory.importers.staff import StaffImportResult, check_staff, import_staff
from directory.selectors.staff import staff_export_rows, staff_for
from jobs.exports import xlsx_export_kind
from jobs.imports import import_kind, keep_upload
from jobs.models import Job
from jobs.services import start_job

#: Stored in ``Job.kind``: the ``accounts.`` prefix of the app these kinds began in stays.
IMPORT_KIND = "accounts.staff_import"


def import_in_background(fileobj) -> bool:
    """Whether this upload is large enough to be imported by a job."""
    return count_rows(fileobj, max_rows=settings.MAX_IMPORT_ROWS_STAFF) > settings.STAFF_IMPORT_JOB_ROWS


def record_staff_import(*, actor: User | None, result: StaffImportResult, filename: str) -> int:
    """Audit the import; returns the entry's id, which the link to the letters of its people carries.

    The entry lists the 工号 of the file's people who still need activation
    (``directory.selectors.letters.imported_needing_activation`` reads them).
    """
    from accounts import audit

    entry = audit.record(
        actor=actor,
        action="staff_import",
        summary=_("导入人员：新增 %(c)s，更新 %(u)s，未变 %(n)s")
        % {"c": result.created, "u": result.updated, "n": result.unchanged},
        details={
            "file": filename,
            "units_created": result.units_created,
            "needs_activation": result.needs_activation,
        },
    )
    return entry.pk


def _check(job: Job, handle) -> int:
    return check_staff(handle, actor=job.requested_by, create_units=job.parameters["create_units"])


def _apply(job: Job, handle) -> dict:
    p = job.parameters
    result = import_staff(
        handle,
        actor=job.requested_by,
        create_units=p["create_units"],
        dry_run=p["dry_run"],
        password_hash=p.get("password_hash") or None,
    )
    audit_id = None
    if not result.dry_run:
        audit_id = record_staff_import(actor=job.requested_by, result=result, filename=p["filename"])
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "units_created": result.units_created,
        "dry_run": result.dry_run,
        "needs_activation": len(result.needs_activation),
        "audit": audit_id,
    }


def _summary(job: Job, outcome: dict) -> str:
    head = _("检查通过（未写入）") if outcome["dry_run"] else _("导入成功")
    text = _("%(head)s：新增 %(c)s，更新 %(u)s，未变 %(n)s。") % {
        "head": head,
        "c": outcome["created"],
        "u": outcome["updated"],
        "n": outcome["unchanged"],
    }
    if outcome["units_created"]:
        text += _("新建单位：%(units)s。") % {"units": "、".join(outcome["units_created"])}
    if outcome.get("needs_activation"):
        n = outcome["needs_activation"]
        text += ngettext(
            "其中 %(n)s 人还不能登录，需要打印开通通知书激活账号。",
            "其中 %(n)s 人还不能登录，需要打印开通通知书激活账号。",
            n,
        ) % {"n": n}
    return text


def _letters_link(job: Job, outcome: dict) -> list[tuple[str, str]]:
    """The way on from a finished import: its people's activation letters."""
    if outcome.get("dry_run") or not outcome.get("needs_activation") or not outcome.get("audit"):
        return []
    url = reverse("directory:activation_letters") + "?" + urlencode({"staff_import": outcome["audit"]})
    n = outcome["needs_activation"]
    return [(ngettext("为需要激活的 %(n)s 人打印开通通知书", "为需要激活的 %(n)s 人打印开通通知书", n) % {"n": n}, url)]


STAFF_IMPORT = import_kind(
    name=IMPORT_KIND,
    label=gettext_lazy("人员导入"),
    unit_label=gettext_lazy("人"),
    check=_check,
    apply=_apply,
    summary=_summary,
    refusals=(ImportFailed,),
    back_url=lambda job: reverse("directory:staff_import"),
    links=_letters_link,
)


def start_staff_import(*, upload, actor: User, create_units: bool, dry_run: bool, initial_password: str | None) -> Job:
    """Keep the upload and start its import job (the password travels only as its hash)."""
    parameters = {
        "upload": keep_upload(upload, filename=upload.name),
        "filename": upload.name,
        "create_units": create_units,
        "dry_run": dry_run,
        "password_hash": make_password(initial_password) if initial_password else "",
    }
    return start_job(
        kind=IMPORT_KIND,
        requested_by=actor,
        parameters=parameters,
        scope_unit=None,
        scope_label=upload.name,
    )


# --- the staff export -------------------------------------------------------------

EXPORT_KIND = "accounts.staff_export"
EXPORT_AUDIT_ACTION = "staff_export"
EXPORT_HEADERS = ["工号", "姓名", "单位", "人员类别", "职务", "执法证号", "手机", "邮箱", "在职"]
#: The staff list's filters an export job keeps (``StaffFilter``'s fields).
EXPORT_FILTERS = ("q", "unit", "staff_category")


def staff_workbook(queryset: QuerySet[User]) -> bytes:
    return write_workbook(EXPORT_HEADERS, staff_export_rows(queryset), title=_("人员"))


def staff_export_filename(at: dt.datetime) -> str:
    return f"staff-{timezone.localtime(at):%Y%m%d-%H%M}.xlsx"


def staff_export_audit(*, count: int, filters: dict) -> tuple[str, dict]:
    """The audit summary and details of a staff export, the same whether it is written now or by a job."""
    return _("导出人员名单 %(n)s 人") % {"n": count}, {"filters": filters, "count": count}


def export_filters(staff_filter: StaffFilter) -> dict:
    """The filters the page applied, as the job keeps them and the audit records them."""
    data = staff_filter.data or {}
    return {key: data.get(key) for key in EXPORT_FILTERS if data.get(key)}


def _export_queryset(job: Job) -> QuerySet[User]:
    """The staff list as the requester sees it now, with the page's filters.

    The page ignores a unit filter outside the viewer's scope; here that would
    widen the file past the job's unit, which decides who may download it, so
    a requester who lost the unit since they clicked fails the job instead.
    """
    viewer = job.requested_by
    unit = job.scope_unit
    if unit is not None and not can_view_unit(viewer, unit):
        raise PermissionDenied(_("发起人已无权查看%(unit)s，未导出。") % {"unit": unit.full_path})
    return StaffFilter(job.parameters["filters"] or None, queryset=staff_for(viewer), viewer=viewer).qs


def _export_back(job: Job) -> str:
    query = urlencode(job.parameters["filters"])
    return reverse("directory:staff_list") + (f"?{query}" if query else "")


STAFF_EXPORT = xlsx_export_kind(
    name=EXPORT_KIND,
    label=gettext_lazy("人员名册导出"),
    unit_label=gettext_lazy("人"),
    download_label=gettext_lazy("下载人员名册（Excel）"),
    rows=lambda job: _export_queryset(job).count(),
    build=lambda job: staff_workbook(_export_queryset(job)),
    filename=lambda job: staff_export_filename(job.created_at),
    back_url=_export_back,
)


def start_staff_export(*, viewer: User, staff_filter: StaffFilter, count: int) -> Job:
    """Start writing the staff list the viewer is looking at (``staff_filter``, already scoped) as a job.

    The job keeps the filters, not the people: it re-applies them, and the
    viewer's scope, when it runs. Its scope is the unit filter when there is
    one (whoever may see that unit may see the job), else the viewer alone.
    """
    filters = export_filters(staff_filter)
    unit = getattr(staff_filter.form, "cleaned_data", {}).get("unit")
    summary, details = staff_export_audit(count=count, filters=filters)
    return start_job(
        kind=EXPORT_KIND,
        requested_by=viewer,
        parameters={"filters": filters, "language": translation.get_language() or settings.LANGUAGE_CODE},
        scope_unit=unit,
        scope_label=unit.full_path if unit else _("全部管辖范围"),
        audit_action=EXPORT_AUDIT_ACTION,
        audit_summary=summary,
        audit_details=details,
    )
