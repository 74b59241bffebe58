"""Spreadsheet helpers shared by every import and export (one home for each rule).

* ``read_table`` reads an uploaded .xlsx whose first row holds headers (in any
  order) and yields ``(row_number, {header: text})``; problems come back as
  ``ImportProblem`` values naming the row and column, in Chinese.
* ``neutralise`` defuses cells that a spreadsheet would run as a formula.
* ``write_workbook`` streams rows with openpyxl's write-only mode.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file. ``row`` is the spreadsheet row number."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("第 %(row)s 行") % {"row": self.row})
        if self.column:
            where.append(_("「%(col)s」列") % {"col": self.column})
        return f"{' '.join(where)}：{self.message}" if where else self.message


class ImportFailed(Exception):
    """Raised with every problem found; an import that raises changed nothing."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def cell_text(value) -> str:
    """Text of a cell as a person typed it (Excel stores 10023 as 10023.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def _open(fileobj):
    max_bytes = settings.MAX_IMPORT_FILE_BYTES
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
    if size > max_bytes:
        raise ImportFailed(
            [
                ImportProblem(
                    _("文件过大（%(size)s MB），上限为 %(max)s MB。")
                    % {"size": round(size / 1048576, 1), "max": max_bytes // 1048576}
                )
            ]
        )
    try:
        return load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed(
            [ImportProblem(_("无法读取文件：请上传 Excel（.xlsx）文件。（%(err)s）") % {"err": exc.__class__.__name__})]
        ) from exc


def read_table(
    fileobj,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Open the first sheet; check headers; return (headers found, row iterator).

    Raises ``ImportFailed`` when the file cannot be read or a required header is
    missing. Rows whose cells are all empty are skipped.
    """
    workbook = _open(fileobj)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header_row = next(rows)
    except StopIteration:
        raise ImportFailed([ImportProblem(_("文件是空的：第一行应为表头。"))]) from None
    headers = [cell_text(h).replace(" ", "") for h in header_row]
    required = list(required)
    known = set(required) | set(optional)
    problems = []
    for name in required:
        if name not in headers:
            problems.append(ImportProblem(_("缺少表头“%(name)s”。") % {"name": name}, row=1))
    seen = set()
    for name in headers:
        if name and name in known and name in seen:
            problems.append(ImportProblem(_("表头“%(name)s”重复。") % {"name": name}, row=1))
        seen.add(name)
    if problems:
        raise ImportFailed(problems)
    index = {name: i for i, name in enumerate(headers) if name in known}

    def iterator():
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or cell_text(v) == "" for v in values):
                continue
            yield number, {name: cell_text(values[i]) if i < len(values) else "" for name, i in index.items()}

    ignored = [h for h in headers if h and h not in known]
    return ignored, iterator()


def neutralise(value):
    """Make a value safe to put in a cell: text that starts like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_workbook(headers: list[str], rows: Iterable[Iterable], *, title: str = "Sheet1") -> bytes:
    """Write a single-sheet workbook in write-only mode and return its bytes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(h) for h in headers])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
