"""The review roster as files: Excel (``accounts.xlsx.write_workbook``) and a printable Chinese PDF, built as jobs.

The PDF goes through the certificates' renderer (``learning.certificates.render.html_to_pdf``)
so it embeds the same TrueType font and reads nothing but that font. It is
rendered in parts of ``ROWS_PER_PART`` rows (the first part carries the title
and the summary, the last the signature lines), merged with pypdf, and the page
numbers ("第 i 页 / 共 n 页") are stamped on the merged document: xhtml2pdf only
renders whole documents, and parts keep each task short, show progress, and
let a resumed job redo only the parts a killed worker had not finished.
The Excel file is one task (``write_workbook`` is write-only and streams: 52,000
rows in about 20 s). The command ``annual_review --output`` uses the same
functions in-process.
"""

from __future__ import annotations

import io
from functools import lru_cache

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, User
from accounts.xlsx import write_workbook
from jobs.models import Job
from jobs.registry import JobKind, Plan, Result
from jobs.services import start_job
from jobs.storage import private_storage
from learning.certificates.fonts import font_path
from learning.certificates.render import FONT_URI, html_to_pdf
from learning.models import AnnualReviewOutcome
from learning.selectors.review import UnitCount, exam_label, result_label, roster, roster_counts, roster_table

#: Rows per table in the roster PDF. xhtml2pdf splits one long table across pages in time that grows with the
#: square of its length (5,000 rows: minutes); tables of 150 rows keep it linear (about 10 ms a row), each
#: starting on a new page under its own header.
ROWS_PER_TABLE = 150
#: Rows per part (one task) of the roster PDF.
ROWS_PER_PART = 300
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_KIND = "review.roster_pdf"
XLSX_KIND = "review.roster_xlsx"
FORMATS = {"pdf": PDF_KIND, "xlsx": XLSX_KIND}


def roster_xlsx(outcomes, year: int) -> bytes:
    headers, rows = roster_table(outcomes)
    return write_workbook(headers, rows, title=_("%(year)s年年审") % {"year": year})


# --- the PDF in parts -------------------------------------------------------------


COUNTS = ("reviewed", "passed", "failed", "cleared")


def _count_dict(count: UnitCount) -> dict:
    return {"label": count.label, **{name: count.counts.get(name, 0) for name in COUNTS}}


def pdf_context(*, year: int, scope_label: str, totals: UnitCount, unit_rows) -> dict:
    """What the first part prints above the rows, as JSON (kept in the job between tasks)."""
    return {
        "year": year,
        "scope_label": scope_label,
        "totals": _count_dict(totals),
        "unit_rows": [_count_dict(r) for r in unit_rows if r.reviewed],
        "generated_at": timezone.localtime().isoformat(),
    }


def _ordered_outcomes(ids: list[int]) -> list[AnnualReviewOutcome]:
    by_pk = AnnualReviewOutcome.objects.select_related("credential__holder__org_unit").in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def roster_pdf_part(outcomes, *, start: int, context: dict, first: bool, last: bool) -> bytes:
    """One part of the roster: rows numbered from ``start``, the heading on the first part, signatures on the last."""
    rows = [
        {
            "number": number,
            "outcome": o,
            "holder": o.credential.holder,
            "result": result_label(o),
            "exam": exam_label(o),
            "reasons": "；".join(o.reasons),
        }
        for number, o in enumerate(outcomes, start=start)
    ]
    html = render_to_string(
        "learning/review/roster_pdf.html",
        {
            **context,
            "generated_at": parse_datetime(context["generated_at"]),
            "font_uri": FONT_URI,
            "show_header": first,
            "show_sign": last,
            "row_chunks": [rows[i : i + ROWS_PER_TABLE] for i in range(0, len(rows), ROWS_PER_TABLE)],
        },
    )
    return html_to_pdf(html)


@lru_cache(maxsize=1)
def _footer_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("rosterfooter", str(font_path())))
    return "rosterfooter"


def merge_parts(parts: list[bytes]) -> bytes:
    """The parts in order as one PDF with "第 i 页 / 共 n 页" at the foot of each page."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    writer = PdfWriter()
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data)))
    pages = writer.pages
    overlay = io.BytesIO()
    sheet = canvas.Canvas(overlay)
    font = _footer_font()
    for number, page in enumerate(pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        sheet.setPageSize((width, height))
        sheet.setFont(font, 8)
        sheet.setFillGray(0.47)
        sheet.drawCentredString(width / 2, 16, f"第 {number} 页 / 共 {len(pages)} 页")
        sheet.showPage()
    sheet.save()
    stamps = PdfReader(io.BytesIO(overlay.getvalue())).pages
    for page, stamp in zip(pages, stamps, strict=True):
        page.merge_page(stamp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _part_slices(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + ROWS_PER_PART] for i in range(0, len(ids), ROWS_PER_PART)] or [[]]


def roster_pdf(*, outcomes, year: int, scope_label: str, totals: UnitCount, unit_rows) -> bytes:
    """The whole roster in this process (the command): the same parts and merge as the job."""
    outcomes = list(outcomes)
    context = pdf_context(year=year, scope_label=scope_label, totals=totals, unit_rows=unit_rows)
    slices = [outcomes[i : i + ROWS_PER_PART] for i in range(0, len(outcomes), ROWS_PER_PART)] or [[]]
    parts = [
        roster_pdf_part(rows, start=1 + n * ROWS_PER_PART, context=context, first=n == 0, last=n == len(slices) - 1)
        for n, rows in enumerate(slices)
    ]
    return merge_parts(parts)


def write_roster(path: str, *, outcomes, year: int, scope_label: str, totals: UnitCount, unit_rows) -> None:
    """Write the roster to ``path`` as .xlsx or .pdf (by its extension)."""
    outcomes = list(outcomes)
    if path.lower().endswith(".pdf"):
        content = roster_pdf(outcomes=outcomes, year=year, scope_label=scope_label, totals=totals, unit_rows=unit_rows)
    else:
        content = roster_xlsx(outcomes, year)
    with open(path, "wb") as handle:
        handle.write(content)


# --- the jobs ---------------------------------------------------------------------


def _query(job: Job):
    p = job.parameters
    return roster(job.requested_by, job.scope_unit, p["year"], result=p.get("result", ""), search=p.get("q", ""))


def _filename(job: Job, fmt: str) -> str:
    return f"review-{job.parameters['year']}-{job.scope_unit.code if job.scope_unit else 'all'}.{fmt}"


def _plan_pdf(job: Job) -> Plan:
    ids = list(_query(job).values_list("pk", flat=True))
    totals, unit_rows = roster_counts(job.requested_by, job.scope_unit, job.parameters["year"])
    context = pdf_context(
        year=job.parameters["year"], scope_label=job.parameters["scope_label"], totals=totals, unit_rows=unit_rows
    )
    chunks = [
        {"size": len(part), "ids": part, "start": 1 + n * ROWS_PER_PART} for n, part in enumerate(_part_slices(ids))
    ]
    return Plan(chunks=chunks, context=context)


def _part_name(job: Job, index: int) -> str:
    return f"jobs/parts/{job.pk}/{index}.pdf"


def _run_pdf_part(job: Job, index: int, chunk: dict) -> str:
    """Render one part and store it; a second run overwrites the same file (a killed run may have left half)."""
    data = roster_pdf_part(
        _ordered_outcomes(chunk["ids"]),
        start=chunk["start"],
        context=job.context,
        first=index == 0,
        last=index == len(job.chunks) - 1,
    )
    storage = private_storage()
    name = _part_name(job, index)
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(data))


def _finish_pdf(job: Job) -> Result:
    storage = private_storage()
    outputs = job.context.get("outputs", {})
    names = [outputs[str(index)] for index in range(len(job.chunks))]
    parts = []
    for name in names:
        with storage.open(name, "rb") as handle:
            parts.append(handle.read())
    merged = merge_parts(parts)
    for name in names:
        storage.delete(name)
    return Result(filename=_filename(job, "pdf"), file=io.BytesIO(merged))


def _plan_xlsx(job: Job) -> Plan:
    return Plan(chunks=[], context={"rows": _query(job).count()})


def _finish_xlsx(job: Job) -> Result:
    data = roster_xlsx(_query(job).iterator(chunk_size=2000), job.parameters["year"])
    return Result(filename=_filename(job, "xlsx"), file=io.BytesIO(data))


def _back(job: Job) -> str:
    return reverse("learning:review_roster") + f"?year={job.parameters['year']}"


ROSTER_PDF = JobKind(
    name=PDF_KIND,
    label=gettext_lazy("执法证年审名册（PDF）"),
    unit_label=gettext_lazy("人"),
    download_label=gettext_lazy("下载名册（PDF）"),
    plan=_plan_pdf,
    run_chunk=_run_pdf_part,
    finish=_finish_pdf,
    back_url=_back,
)
ROSTER_XLSX = JobKind(
    name=XLSX_KIND,
    label=gettext_lazy("执法证年审名册（Excel）"),
    unit_label=gettext_lazy("人"),
    download_label=gettext_lazy("下载名册（Excel）"),
    plan=_plan_xlsx,
    run_chunk=lambda job, index, chunk: None,
    finish=_finish_xlsx,
    back_url=_back,
)


def start_roster_export(*, viewer: User, unit: OrgUnit | None, params: dict, fmt: str) -> Job:
    """Start building the roster file for what the viewer sees on the roster page (scope checked by ``roster``)."""
    year = params["year"]
    rows = roster(viewer, unit, year, result=params["result"], search=params["q"]).count()
    scope_label = unit.full_path if unit else _("全部管辖范围")
    parameters = {"year": year, "result": params["result"], "q": params["q"], "scope_label": scope_label}
    return start_job(
        kind=FORMATS[fmt],
        requested_by=viewer,
        parameters=parameters,
        scope_unit=unit,
        scope_label=f"{year} · {scope_label}",
        audit_action="learning.review_roster_export",
        audit_summary=_("导出 %(year)s 年执法证年审名册（%(fmt)s）：%(scope)s，%(n)s 人")
        % {"year": year, "fmt": fmt.upper(), "scope": scope_label, "n": rows},
        audit_details={
            "year": year,
            "unit": unit.code if unit else "",
            "format": fmt,
            "filters": params,
            "rows": rows,
        },
    )
