"""The review roster as files: Excel (``core.xlsx.write_workbook``) and a printable Chinese PDF, built as jobs.

The PDF is laid out with reportlab's platypus directly (xhtml2pdf stays for the
certificates): a table whose heading row repeats on every page, in the
certificates' TrueType font (``core.fonts``). Cells are plain
strings broken into lines here (``_lines``) and each row's height is computed
here, so the table never measures a Paragraph: about 0.3 ms of CPU a row, linear
in the rows, with no render-time or document-size limit (xhtml2pdf took 6–10 ms a
row and refused prefecture-sized rosters).

It is rendered in parts of ``ROWS_PER_PART`` rows, one job chunk each (the first
part carries the title and the summary, the last the signature lines), and the
parts are merged with pypdf, which also writes the page numbers ("第 i 页 / 共 n
页"): chunks may run at once on several workers, so no part knows on which page
it starts. Parts keep each task short, show progress, and let a resumed job redo
only the parts a killed worker had not finished. The Excel file is one task
(``write_workbook`` is write-only and streams: 52,000 rows in about 20 s). The
command ``annual_review --output`` uses the same functions in-process, reading the
rows through a cursor and keeping the parts in temporary files until the merge.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, LongTable, PageTemplate, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from accounts.models import CredentialStatus, OrgUnit, User
from core.fonts import font_path, font_problem
from core.xlsx import write_workbook
from jobs.models import Job
from jobs.registry import JobKind, Plan, Result
from jobs.services import start_job
from jobs.storage import private_storage
from learning.templatetags.hours import format_hours
from review.models import AnnualReviewOutcome
from review.selectors.review import UnitCount, exam_label, result_label, roster, roster_counts, roster_table

#: Rows per part (one task) of the roster PDF: about 0.6 s of rendering; each part starts on a new page.
ROWS_PER_PART = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_KIND = "review.roster_pdf"
XLSX_KIND = "review.roster_xlsx"
FORMATS = {"pdf": PDF_KIND, "xlsx": XLSX_KIND}


class RosterPdfError(Exception):
    """The roster PDF cannot be made (no usable font, or a row that cannot be laid out); the message says why."""


def roster_xlsx(outcomes, year: int) -> bytes:
    headers, rows = roster_table(outcomes)
    return write_workbook(headers, rows, title=_("%(year)s年年审") % {"year": year})


# --- the PDF: one part -----------------------------------------------------------


COUNTS = ("reviewed", "passed", "failed", "cleared")
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN_X = 10 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 14 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FONT = "roster-cjk"
FONT_SIZE = 8.5
LEADING = 10.5
PADDING = 2.5
#: A cell longer than this is cut (with "…"), so that no row can be taller than a page (which platypus refuses).
#: Real cells stay far below it: a 500-character correction note is about 27 lines.
MAX_CELL_LINES = 36
RED = colors.HexColor("#a8231f")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#888888")
HEAD_FILL = colors.HexColor("#eeeeee")
#: The roster's columns: heading, share of the width (%), centred.
COLUMNS = (
    (gettext_lazy("序号"), 5, True),
    (gettext_lazy("执法证号"), 11, False),
    (gettext_lazy("姓名"), 9, False),
    (gettext_lazy("单位"), 22, False),
    (gettext_lazy("学时/应修"), 8, True),
    (gettext_lazy("年度考法"), 7, True),
    (gettext_lazy("年审结果"), 8, True),
    (gettext_lazy("未通过原因 / 补正说明"), 22, False),
    (gettext_lazy("证件状态"), 8, True),
)
COLUMN_WIDTHS = [FRAME_WIDTH * share / 100 for _heading, share, _centred in COLUMNS]
EXAM_COLUMN, RESULT_COLUMN = 5, 6
#: The per-unit summary on the first page: 60 % of the width, the unit's name in 52 % of that.
SUMMARY_WIDTHS = [FRAME_WIDTH * 0.6 * share for share in (0.52, 0.12, 0.12, 0.12, 0.12)]
#: Runs kept on one line where they fit (numbers, Latin words); any other character may end a line.
TOKENS = re.compile(r"[0-9A-Za-z.\-_]+|\s+|.")
#: Characters that never begin a line: they take the character before them along.
NO_LINE_START = frozenset("，。、；：？！）》」』】”’,.;:?!)%")


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


@lru_cache(maxsize=1)
def _registered_font(path: str) -> str:
    pdfmetrics.registerFont(TTFont(FONT, path))
    return FONT


def roster_font() -> str:
    """The certificates' font, registered with reportlab once per process; a clear error when it is unusable."""
    problem = font_problem()
    if problem:
        raise RosterPdfError(problem)
    return _registered_font(str(font_path()))


def _width(text: str, size: float = FONT_SIZE) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def _lines(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """``text`` broken into lines no wider than ``width``: between any two Chinese characters, not inside a number."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        if _width(paragraph, size) <= width:
            lines.append(paragraph)
            continue
        line, used = "", 0.0
        for token in TOKENS.findall(paragraph):
            token_width = _width(token, size)
            if used + token_width <= width or not line:
                if token_width > width:  # a run wider than the cell: break it anywhere
                    for char in token:
                        char_width = _width(char, size)
                        if line and used + char_width > width:
                            lines.append(line)
                            line, used = "", 0.0
                        line += char
                        used += char_width
                else:
                    line += token
                    used += token_width
            elif token.isspace():
                lines.append(line)
                line, used = "", 0.0
            elif token in NO_LINE_START and len(line) > 1:
                lines.append(line[:-1])
                line = line[-1] + token
                used = _width(line, size)
            else:
                lines.append(line)
                line, used = token, token_width
        lines.append(line)
    if len(lines) > MAX_CELL_LINES:
        lines = [*lines[: MAX_CELL_LINES - 1], lines[MAX_CELL_LINES - 1][:-1] + "…"]
    return lines


def _cell(text: str, width: float) -> tuple[str, int]:
    """A table cell as one string with line breaks, and its number of lines."""
    lines = _lines(text, width - 2 * PADDING)
    return "\n".join(lines), len(lines)


def _table_style(*extra) -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, FONT_SIZE, LEADING),
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("TOPPADDING", (0, 0), (-1, -1), PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING),
            ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
            *extra,
        ]
    )


def _row_height(lines: int) -> float:
    # Table draws a cell's lines LEADING apart and its first baseline FONT_SIZE below the top padding.
    return lines * LEADING + 2 * PADDING


def _header_row(headings, widths) -> tuple[list[str], float]:
    cells = [_cell(str(heading), width) for heading, width in zip(headings, widths, strict=True)]
    return [text for text, _n in cells], _row_height(max(n for _text, n in cells))


def _roster_table(outcomes: list[AnnualReviewOutcome], start: int) -> Table:
    """The rows numbered from ``start`` under the column headings (repeated at the top of every page)."""
    header, header_height = _header_row([heading for heading, _share, _centred in COLUMNS], COLUMN_WIDTHS)
    data, heights = [header], [header_height]
    commands = [("ALIGN", (c, 1), (c, -1), "CENTER") for c, (_h, _s, centred) in enumerate(COLUMNS) if centred]
    # Labels by their inputs: the same handful of words for every row, asked of gettext once each.
    statuses = {value: str(label) for value, label in CredentialStatus.choices}
    results: dict[tuple, str] = {}
    exams: dict[tuple, str] = {}
    units: dict[str, tuple[str, int]] = {}  # a few hundred units for thousands of rows
    w_name, w_unit, w_note = COLUMN_WIDTHS[2], COLUMN_WIDTHS[3], COLUMN_WIDTHS[7]
    for row, (number, o) in enumerate(enumerate(outcomes, start=start), start=1):
        credential = o.credential
        holder = credential.holder
        result_key = (o.passed, o.cleared_at is not None)
        if result_key not in results:
            results[result_key] = result_label(o)
        exam_key = (o.exam_required, o.exam_passed)
        if exam_key not in exams:
            exams[exam_key] = exam_label(o)
        name, name_lines = _cell(holder.full_name, w_name)
        path = holder.org_unit.full_path if holder.org_unit is not None else ""
        if path not in units:
            units[path] = _cell(path, w_unit)
        unit, unit_lines = units[path]
        note, note_lines = _cell(o.clear_reason if o.passed else "；".join(o.reasons), w_note)
        data.append(
            [
                str(number),
                credential.number,
                name,
                unit,
                f"{format_hours(o.hours)}/{format_hours(o.required_hours)}",
                exams[exam_key],
                results[result_key],
                note,
                statuses.get(credential.status, credential.status),
            ]
        )
        heights.append(_row_height(max(name_lines, unit_lines, note_lines)))
        if o.exam_required and not o.exam_passed:
            commands.append(("TEXTCOLOR", (EXAM_COLUMN, row), (EXAM_COLUMN, row), RED))
        if not o.passed:
            commands.append(("TEXTCOLOR", (RESULT_COLUMN, row), (RESULT_COLUMN, row), RED))
    if not outcomes:
        data.append([_("没有年审记录。"), *[""] * (len(COLUMNS) - 1)])
        heights.append(_row_height(1))
        commands += [("SPAN", (0, 1), (-1, 1)), ("ALIGN", (0, 1), (-1, 1), "CENTER")]
    return LongTable(
        data, colWidths=COLUMN_WIDTHS, rowHeights=heights, repeatRows=1, style=_table_style(*commands), hAlign="LEFT"
    )


def _summary_table(unit_rows: list[dict]) -> Table:
    headings = [_("单位"), _("已审核"), _("通过"), _("未通过"), _("补正后通过")]
    header, header_height = _header_row(headings, SUMMARY_WIDTHS)
    data, heights = [header], [header_height]
    commands = [("ALIGN", (1, 1), (-1, -1), "CENTER")]
    for row, unit in enumerate(unit_rows, start=1):
        label, lines = _cell(unit["label"], SUMMARY_WIDTHS[0])
        data.append([label, *(str(unit[name]) for name in COUNTS)])
        heights.append(_row_height(lines))
        if unit["failed"]:
            commands.append(("TEXTCOLOR", (3, row), (3, row), RED))
    return LongTable(
        data, colWidths=SUMMARY_WIDTHS, rowHeights=heights, repeatRows=1, style=_table_style(*commands), hAlign="LEFT"
    )


def _title(context: dict) -> str:
    return _("%(year)s 年度行政执法证年审名册") % {"year": context["year"]}


def _heading(context: dict) -> list:
    """The first page's title, the totals in a sentence and the count per unit."""
    totals = context["totals"]
    generated = timezone.localtime(parse_datetime(context["generated_at"]))
    title = ParagraphStyle("roster-title", fontName=FONT, fontSize=17, leading=22, alignment=TA_CENTER)
    sub = ParagraphStyle(
        "roster-sub",
        fontName=FONT,
        fontSize=9.5,
        leading=13,
        alignment=TA_CENTER,
        textColor=GREY,
        wordWrap="CJK",
        spaceBefore=2,
        spaceAfter=3 * mm,
    )
    summary = _(
        "范围：%(scope)s · 已审核 %(reviewed)s 人，通过 %(passed)s 人（其中补正后通过 %(cleared)s 人），"
        "未通过 %(failed)s 人 · 生成时间 %(time)s"
    ) % {
        "scope": context["scope_label"],
        "time": dateformat.format(generated, "Y年n月j日 H:i"),
        **{name: totals[name] for name in COUNTS},
    }
    flowables = [Paragraph(escape(_title(context)), title), Paragraph(escape(summary), sub)]
    if context["unit_rows"]:
        flowables += [_summary_table(context["unit_rows"]), Spacer(1, 4 * mm)]
    return flowables


def _signatures() -> Table:
    text = [_("审核人：________________"), _("审核单位（盖章）：________________　　日期：______年____月____日")]
    return Table(
        [text],
        colWidths=[FRAME_WIDTH * 0.4, FRAME_WIDTH * 0.6],
        style=[("FONT", (0, 0), (-1, -1), FONT, 9.5, 12), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
        hAlign="LEFT",
    )


def _page_heading(context: dict, first: bool):
    """Draws the running heading (title left, scope right) on every page but the title page."""
    left = _title(context)
    right = _("范围：%(scope)s") % {"scope": context["scope_label"]}

    def draw(canvas, doc) -> None:
        if first and doc.page == 1:
            return
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        y = PAGE_HEIGHT - MARGIN_TOP + 4 * mm
        canvas.drawString(MARGIN_X, y, left)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, y, right)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y - 1.5 * mm, PAGE_WIDTH - MARGIN_X, y - 1.5 * mm)
        canvas.restoreState()

    return draw


def roster_pdf_part(outcomes, *, start: int, context: dict, first: bool, last: bool) -> bytes:
    """One part of the roster: rows numbered from ``start``, the heading on the first part, signatures on the last."""
    roster_font()
    outcomes = list(outcomes)
    story = _heading(context) if first else []
    story.append(_roster_table(outcomes, start))
    if last:
        story += [Spacer(1, 6 * mm), _signatures()]
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        title=_title(context),
        creator="fazhi",
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        FRAME_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="roster", frames=[frame], onPage=_page_heading(context, first))])
    try:
        doc.build(story)
    except LayoutError as exc:
        raise RosterPdfError(
            _("名册第 %(first)s–%(last)s 行无法排版：%(error)s")
            % {"first": start, "last": start + max(len(outcomes) - 1, 0), "error": str(exc)[:200]}
        ) from exc
    return out.getvalue()


# --- the PDF: merging the parts ------------------------------------------------------


def _page_numbers(sizes: list[tuple[float, float]]) -> bytes:
    """One page per page of the roster, each with only its number at the foot."""
    out = io.BytesIO()
    sheet = Canvas(out)
    for number, (width, height) in enumerate(sizes, start=1):
        sheet.setPageSize((width, height))
        sheet.setFont(FONT, 8)
        sheet.setFillColor(GREY)
        sheet.drawCentredString(
            width / 2, 16, _("第 %(page)s 页 / 共 %(pages)s 页") % {"page": number, "pages": len(sizes)}
        )
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def merge_parts(parts: Iterable[bytes | BinaryIO], dest: BinaryIO, *, title: str = "") -> int:
    """Write the parts in order to ``dest`` as one PDF with "第 i 页 / 共 n 页" at the foot of each page.

    Returns the number of pages. Stamping a page decompresses its content, so it
    is compressed again (without that the file grows sevenfold).
    """
    roster_font()
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part) if isinstance(part, bytes) else part))
    pages = writer.pages
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for page in pages]
    stamps = PdfReader(io.BytesIO(_page_numbers(sizes))).pages
    for page, stamp in zip(pages, stamps, strict=True):
        page.merge_page(stamp)
        page.compress_content_streams()
    if title:
        writer.add_metadata({"/Title": title})
    writer.write(dest)
    return len(sizes)


# --- the PDF in this process (the command) ----------------------------------------------


def _batches(outcomes: Iterable, size: int) -> Iterator[list]:
    batch = []
    for outcome in outcomes:
        batch.append(outcome)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_roster_pdf(
    dest: BinaryIO, *, outcomes: Iterable, year: int, scope_label: str, totals: UnitCount, unit_rows
) -> int:
    """The whole roster into ``dest``: the same parts and merge as the job; returns the number of pages.

    ``outcomes`` is read once, part by part (pass an ``iterator()``), and each part
    waits in a temporary file, so memory holds one part's rows and the merged file.
    """
    context = pdf_context(year=year, scope_label=scope_label, totals=totals, unit_rows=unit_rows)
    with tempfile.TemporaryDirectory(prefix="roster-pdf-") as folder, contextlib.ExitStack() as files:
        paths = []
        batches = _batches(outcomes, ROWS_PER_PART)
        batch = next(batches, [])
        while batch is not None:
            following = next(batches, None)
            index = len(paths)
            data = roster_pdf_part(
                batch, start=1 + index * ROWS_PER_PART, context=context, first=index == 0, last=following is None
            )
            path = Path(folder) / f"{index}.pdf"
            path.write_bytes(data)
            paths.append(path)
            batch = following
        handles = [files.enter_context(path.open("rb")) for path in paths]
        return merge_parts(handles, dest, title=_title(context))


def roster_pdf(*, outcomes, year: int, scope_label: str, totals: UnitCount, unit_rows) -> bytes:
    """The whole roster as bytes (tests and the benchmark)."""
    out = io.BytesIO()
    write_roster_pdf(out, outcomes=outcomes, year=year, scope_label=scope_label, totals=totals, unit_rows=unit_rows)
    return out.getvalue()


def write_roster(path: str, *, outcomes, year: int, scope_label: str, totals: UnitCount, unit_rows) -> None:
    """Write the roster to ``path`` as .xlsx or .pdf (by its extension); nothing is left there when it fails."""
    with open(path, "wb") as handle:
        try:
            if path.lower().endswith(".pdf"):
                write_roster_pdf(
                    handle, outcomes=outcomes, year=year, scope_label=scope_label, totals=totals, unit_rows=unit_rows
                )
            else:
                handle.write(roster_xlsx(outcomes, year))
        except BaseException:
            handle.close()
            Path(path).unlink(missing_ok=True)
            raise


# --- the jobs ---------------------------------------------------------------------


def _query(job: Job):
    p = job.parameters
    return roster(job.requested_by, job.scope_unit, p["year"], result=p.get("result", ""), search=p.get("q", ""))


def _filename(job: Job, fmt: str) -> str:
    return f"review-{job.parameters['year']}-{job.scope_unit.code if job.scope_unit else 'all'}.{fmt}"


def _part_slices(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + ROWS_PER_PART] for i in range(0, len(ids), ROWS_PER_PART)] or [[]]


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
    """Merge the stored parts (read from their files one by one) into a temporary file; then delete them.

    A part that is not there (a finish killed after deleting the parts, before the
    result was attached) is rendered again, so a second finish still succeeds.
    """
    storage = private_storage()
    outputs = job.context.get("outputs", {})
    names = []
    for index, chunk in enumerate(job.chunks):
        name = outputs.get(str(index))
        if not name or not storage.exists(name):
            name = _run_pdf_part(job, index, chunk)
        names.append(name)
    merged = tempfile.TemporaryFile()
    try:
        with contextlib.ExitStack() as files:
            handles = [files.enter_context(storage.open(name, "rb")) for name in names]
            merge_parts(handles, merged, title=_title(job.context))
    except BaseException:
        merged.close()
        raise
    for name in names:
        storage.delete(name)
    merged.seek(0)
    return Result(filename=_filename(job, "pdf"), file=merged)


def _plan_xlsx(job: Job) -> Plan:
    return Plan(chunks=[], context={"rows": _query(job).count()})


def _finish_xlsx(job: Job) -> Result:
    data = roster_xlsx(_query(job).iterator(chunk_size=2000), job.parameters["year"])
    return Result(filename=_filename(job, "xlsx"), file=io.BytesIO(data))


def _back(job: Job) -> str:
    return reverse("review:review_roster") + f"?year={job.parameters['year']}"


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
