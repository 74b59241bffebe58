"""Spreadsheet helpers shared by every import and export (one home for each rule).

* ``read_table`` reads an uploaded .xlsx (or a CSV saved from Excel, UTF-8 or
  GBK) whose header row (in any order, with the usual alternative names, below
  a title row or two if there are some) and yields ``(row_number, {header:
  text})``; problems come back as ``ImportProblem`` values naming the row and
  column, in Chinese.
* ``neutralise`` defuses cells that a spreadsheet would run as a formula.
* ``write_workbook`` streams rows with openpyxl's write-only mode.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: How far down a title or notes above the header row may reach.
HEADER_SEARCH_ROWS = 10
_REQUIRED_MARK = re.compile(r"^[*＊]+|[*＊]+$|[（(](必填|选填|可选|必须|可空)[)）]$")


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


def header_text(value) -> str:
    """A header as we compare it: no spaces, no "*"/"（必填）" marks."""
    text = cell_text(value).replace(" ", "")
    previous = None
    while previous != text:
        previous, text = text, _REQUIRED_MARK.sub("", text)
    return text


def _sheets(fileobj) -> list[Iterator[tuple]]:
    """The sheets of the upload as row iterators (one for a CSV file)."""
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
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFailed(
            [ImportProblem(_("这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 中“另存为”.xlsx 格式后再导入。"))]
        )
    if not head.startswith(b"PK"):
        return [_csv_rows(fileobj.read())]
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed(
            [ImportProblem(_("无法读取文件：请上传 Excel（.xlsx）文件。（%(err)s）") % {"err": exc.__class__.__name__})]
        ) from exc
    return [sheet.iter_rows(values_only=True) for sheet in workbook.worksheets]


def _csv_rows(data: bytes) -> Iterator[tuple]:
    """A CSV file as Excel or WPS save it: UTF-8 (with or without BOM) or GBK, comma- or tab-separated."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed([ImportProblem(_("无法读取文件：请上传 Excel（.xlsx）或 CSV 文件。"))])
    if "\x00" in text:
        raise ImportFailed([ImportProblem(_("无法读取文件：请上传 Excel（.xlsx）或 CSV 文件。"))])
    first = text.split("\n", 1)[0]
    if "," not in first and "\t" not in first:  # not a table: some other file renamed
        raise ImportFailed([ImportProblem(_("无法读取文件：请上传 Excel（.xlsx）或 CSV 文件。"))])
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return (tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter))


def read_table(
    fileobj,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: dict[str, str] | None = None,
    refused: dict[str, str] | None = None,
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Find the header row; check the headers; return (headers not used, row iterator).

    The header row is the first row, among the first ``HEADER_SEARCH_ROWS`` of
    the first sheet that has one, holding every required header (so a title
    row above it is fine). ``aliases`` maps other names people give a column
    ("单位名称") to ours ("单位"); "*" and "（必填）" marks are ignored. A header
    in ``refused`` makes the whole file refused with its message. Raises
    ``ImportFailed`` when the file cannot be read or a required header is
    missing. Rows whose cells are all empty are skipped.
    """
    required = list(required)
    aliases = aliases or {}
    known = set(required) | set(optional)

    def canonical(value) -> str:
        text = header_text(value)
        return aliases.get(text, text)

    best = None  # (found, sheet rows, header row number, headers) of the closest match
    for rows in _sheets(fileobj):
        for number in range(1, HEADER_SEARCH_ROWS + 1):
            try:
                values = next(rows)
            except StopIteration:
                break
            headers = [canonical(v) for v in values]
            found = sum(1 for name in required if name in headers)
            if best is None or found > best[0]:
                best = (found, rows, number, headers)
            if found == len(required):
                break
        if best is not None and best[0] == len(required):
            break
    if best is None:
        raise ImportFailed([ImportProblem(_("文件是空的：第一行应为表头。"))])
    _found, rows, header_row, headers = best
    problems = []
    for name in headers:
        if name in (refused or {}):
            raise ImportFailed([ImportProblem(refused[name], row=header_row)])
    for name in required:
        if name not in headers:
            problems.append(ImportProblem(_("缺少表头“%(name)s”。") % {"name": name}, row=header_row))
    seen = set()
    for name in headers:
        if name and name in known and name in seen:
            problems.append(ImportProblem(_("表头“%(name)s”重复。") % {"name": name}, row=header_row))
        seen.add(name)
    if problems:
        raise ImportFailed(problems)
    index = {name: i for i, name in enumerate(headers) if name in known}

    def iterator():
        for number, values in enumerate(rows, start=header_row + 1):
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
