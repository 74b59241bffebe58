"""The review roster as files: Excel (``accounts.xlsx.write_workbook``) and a printable Chinese PDF.

The PDF goes through the certificates' renderer (``learning.certificates.render.html_to_pdf``)
so it embeds the same TrueType font and reads nothing but that font.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.xlsx import write_workbook
from learning.certificates.render import FONT_URI, html_to_pdf
from learning.selectors.review import UnitCount, exam_label, result_label, roster_table

#: Rows per table in the roster PDF. xhtml2pdf splits one long table across pages in time that grows with the
#: square of its length (5,000 rows: minutes); tables of 150 rows keep it linear (about 10 ms a row), each
#: starting on a new page under its own header.
ROWS_PER_TABLE = 150
#: The most rows the web page renders as PDF in a request (about 15 s); larger rosters: per unit, Excel or the command.
PDF_MAX_ROWS_IN_REQUEST = 1500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster_xlsx(outcomes, year: int) -> bytes:
    headers, rows = roster_table(outcomes)
    return write_workbook(headers, rows, title=_("%(year)s年年审") % {"year": year})


def roster_pdf(*, outcomes, year: int, scope_label: str, totals: UnitCount, unit_rows: list[UnitCount]) -> bytes:
    rows = [
        {
            "number": number,
            "outcome": o,
            "holder": o.credential.holder,
            "result": result_label(o),
            "exam": exam_label(o),
            "reasons": "；".join(o.reasons),
        }
        for number, o in enumerate(outcomes, start=1)
    ]
    html = render_to_string(
        "learning/review/roster_pdf.html",
        {
            "font_uri": FONT_URI,
            "year": year,
            "scope_label": scope_label,
            "totals": totals,
            "unit_rows": [r for r in unit_rows if r.reviewed],
            "row_chunks": [rows[i : i + ROWS_PER_TABLE] for i in range(0, len(rows), ROWS_PER_TABLE)],
            "generated_at": timezone.localtime(),
        },
    )
    return html_to_pdf(html)


def write_roster(path: str, *, outcomes, year: int, scope_label: str, totals: UnitCount, unit_rows) -> None:
    """Write the roster to ``path`` as .xlsx or .pdf (by its extension)."""
    outcomes = list(outcomes)
    if path.lower().endswith(".pdf"):
        content = roster_pdf(outcomes=outcomes, year=year, scope_label=scope_label, totals=totals, unit_rows=unit_rows)
    else:
        content = roster_xlsx(outcomes, year)
    with open(path, "wb") as handle:
        handle.write(content)
