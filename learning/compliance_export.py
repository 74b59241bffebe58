"""The compliance export (one row per official, ``selectors.compliance.export_table``) as Excel, and as a job.

An export of more than ``EXPORT_JOB_ROWS`` people is written by a job
(``accounts.jobs.xlsx_export_kind``): the job keeps the page's filters and
unit, and when it runs it asks the same selectors as the page, as the person
who started it, so their scope applies then, not only when they clicked.
Smaller exports are written inside the request with the same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, User
from accounts.scope import can_view_unit
from core.xlsx import write_workbook
from jobs.exports import xlsx_export_kind
from jobs.models import Job
from jobs.services import start_job
from learning.selectors import compliance as sel

KIND = "learning.compliance_export"
AUDIT_ACTION = "learning.compliance_export"


class _Counted:
    """Rows passed through while counting them, so a streamed export still knows how many it wrote."""

    def __init__(self, rows: Iterable) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator:
        for row in self.rows:
            self.count += 1
            yield row


def compliance_workbook(viewer: User, unit: OrgUnit | None, rules: sel.YearRules, filters: dict) -> tuple[bytes, int]:
    """The workbook of the people the compliance page lists for ``filters``, and how many rows it holds."""
    headers, rows = sel.export_table(viewer, unit, rules, **filters)
    counted = _Counted(rows)
    content = write_workbook(headers, counted, title=_("%(year)s年学时") % {"year": rules.year})
    return content, counted.count


def export_size(viewer: User, unit: OrgUnit | None, rules: sel.YearRules, filters: dict) -> int:
    return sel.filtered_people(viewer, unit, rules, **filters).count()


def export_filename(year: int, unit: OrgUnit | None) -> str:
    return f"compliance-{year}-{unit.code if unit else 'all'}.xlsx"


def _scope_label(unit: OrgUnit | None) -> str:
    return unit.full_path if unit else _("全部管辖范围")


def export_audit(*, unit: OrgUnit | None, year: int, filters: dict, rows: int) -> tuple[str, dict]:
    """The audit summary and details of a compliance export, the same whether it is written now or by a job."""
    summary = _("导出 %(year)s 年学时达标名单：%(scope)s，%(n)s 人") % {
        "year": year,
        "scope": _scope_label(unit),
        "n": rows,
    }
    details = {"year": year, "unit": unit.code if unit else "", "filters": filters, "rows": rows}
    return summary, details


# --- the job ----------------------------------------------------------------------


def _job_query(job: Job) -> tuple[OrgUnit | None, sel.YearRules, dict]:
    """The unit, the year's rules (frozen if the year has closed since) and the filters the job was started with."""
    p = job.parameters
    unit = job.scope_unit
    if unit is not None and not can_view_unit(job.requested_by, unit):
        # Their scope changed after they clicked: the job fails, saying why, rather than export what they may not see.
        raise PermissionDenied(_("发起人已无权查看%(unit)s，未导出。") % {"unit": unit.full_path})
    return unit, sel.report_rules(p["year"]), p["filters"]


def _rows(job: Job) -> int:
    unit, rules, filters = _job_query(job)
    return export_size(job.requested_by, unit, rules, filters)


def _build(job: Job) -> bytes:
    unit, rules, filters = _job_query(job)
    return compliance_workbook(job.requested_by, unit, rules, filters)[0]


def _back(job: Job) -> str:
    query = {"year": job.parameters["year"], **({"unit": job.scope_unit.code} if job.scope_unit else {})}
    return f"{reverse('learning:compliance')}?{urlencode(query)}"


COMPLIANCE_XLSX = xlsx_export_kind(
    name=KIND,
    label=gettext_lazy("学时达标名单导出"),
    unit_label=gettext_lazy("人"),
    download_label=gettext_lazy("下载学时达标名单（Excel）"),
    rows=_rows,
    build=_build,
    filename=lambda job: export_filename(job.parameters["year"], job.scope_unit),
    back_url=_back,
)


def start_compliance_export(
    *, viewer: User, unit: OrgUnit | None, rules: sel.YearRules, filters: dict, rows: int
) -> Job:
    """Start writing the export the viewer asked for (``unit`` already resolved and checked by ``resolve_unit``).

    The job's scope is the page's unit: whoever may see that unit may see the
    job; without one (an officer of several units, an administrator) only the
    viewer and administrators may.
    """
    summary, details = export_audit(unit=unit, year=rules.year, filters=filters, rows=rows)
    return start_job(
        kind=KIND,
        requested_by=viewer,
        parameters={
            "year": rules.year,
            "filters": filters,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
        scope_unit=unit,
        scope_label=f"{rules.year} · {_scope_label(unit)}",
        audit_action=AUDIT_ACTION,
        audit_summary=summary,
        audit_details=details,
    )
