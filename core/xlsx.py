"""Spreadsheet helpers shared by every import and export (one home for each rule).

* ``read_table`` reads an uploaded .xlsx (or a CSV saved from Excel, UTF-8 or
  GBK) whose header row (in any order, with the usual alternative names, below
  a title row or two if there are some) and yields ``(row_number, {header:
  text})``; problems come back as ``ImportProblem`` values naming the row and
  column, in Chinese.
* Hostile and oversized files are refused at the door, before openpyxl parses
  anything: the upload's size, the unpacked size of the .xlsx's members (a zip
  bomb), each worksheet's declared ``<dimension>`` and its real row count
  (blank rows count) against the import's row cap (``_check_workbook``); rows
  are counted again as they are read, so a CSV or a lying sheet stops at the
  cap too.
* ``ProblemList`` is where every import's problems go: it keeps the first
  ``MAX_IMPORT_PROBLEMS_LISTED`` and counts the rest, so 100,000 bad rows cost
  100 problems of memory and a page of 100 lines plus "另有 … 处问题未列出".
* ``neutralise`` defuses cells that a spreadsheet would run as a formula.
* ``write_workbook`` streams rows with openpyxl's write-only mode.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: How far down a title or notes above the header row may reach.
HEADER_SEARCH_ROWS = 10
#: Columns read from each row (Excel 2003's width); cells further right are ignored.
MAX_COLUMNS = 256
#: Excel's own width: a row with more cells than this was not written by a spreadsheet.
EXCEL_MAX_COLUMNS = 16384
#: How much of a zip member is read at a time while checking it.
_CHUNK_BYTES = 64 * 1024
_REQUIRED_MARK = re.compile(r"^[*＊]+|[*＊]+$|[（(](必填|选填|可选|必须|可空)[)）]$")


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import. ``row`` is the spreadsheet row number.

    Records that are not rows name themselves with ``entry`` instead: the
    directory sync's LDAP entries by their DN, and ``column`` is then the
    entry's attribute.
    """

    message: str
    row: int | None = None
    column: str | None = None
    entry: str | None = None

    def __str__(self) -> str:
        where = []
        if self.entry is not None:
            where.append(_("条目“%(dn)s”") % {"dn": self.entry})
        if self.row is not None:
            where.append(_("第 %(row)s 行") % {"row": self.row})
        if self.column and self.entry is not None:
            where.append(_("属性「%(attr)s」") % {"attr": self.column})
        elif self.column:
            where.append(_("「%(col)s」列") % {"col": self.column})
        return f"{' '.join(where)}：{self.message}" if where else self.message


class ProblemList(list):
    """An import's problems: the first ``MAX_IMPORT_PROBLEMS_LISTED`` kept, all of them counted.

    Every import collects into one (``ImportFailed`` wraps a plain list in
    one), so memory and the error page stay small however bad the file is;
    pages and commands show ``more`` ("另有 N 处问题未列出。") after the list.
    """

    def __init__(self, problems: Iterable = (), *, limit: int | None = None):
        super().__init__()
        self.limit = settings.MAX_IMPORT_PROBLEMS_LISTED if limit is None else limit
        self.total = 0
        self.extend(problems)

    def append(self, problem) -> None:
        self.total += 1
        if len(self) < self.limit:
            super().append(problem)

    def extend(self, problems: Iterable) -> None:
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems: Iterable):
        self.extend(problems)
        return self

    @property
    def hidden(self) -> int:
        return self.total - len(self)

    @property
    def more(self) -> str:
        if not self.hidden:
            return ""
        return _("另有 %(n)s 处问题未列出。") % {"n": f"{self.hidden:,}"}

    def lines(self) -> list[str]:
        """What a command prints: one line per problem kept, then how many were left out."""
        return [str(p) for p in self] + ([self.more] if self.hidden else [])


class ImportFailed(Exception):
    """Raised with the problems found; an import that raises changed nothing.

    ``problems`` is a ``ProblemList``: at most ``MAX_IMPORT_PROBLEMS_LISTED``
    of them, ``problems.total`` counts them all.
    """

    def __init__(self, problems: Iterable[ImportProblem]):
        self.problems = problems if isinstance(problems, ProblemList) else ProblemList(problems)
        super().__init__("\n".join(self.problems.lines()))


def _refused(message: str) -> ImportFailed:
    return ImportFailed([ImportProblem(message)])


def _unreadable(exc: BaseException | str) -> ImportFailed:
    name = exc if isinstance(exc, str) else exc.__class__.__name__
    return _refused(_("无法读取文件：请上传 Excel（.xlsx）文件。（%(err)s）") % {"err": name})


def _too_many_rows(found: int, max_rows: int) -> ImportFailed:
    return _refused(
        _("文件的行数超过上限 %(max)s 行（读到第 %(n)s 行时停止，空行也计算在内）；请删除多余的空行或拆分后分批导入。")
        % {"max": f"{max_rows:,}", "n": f"{found:,}"}
    )


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


def _sheets(fileobj, *, max_rows: int) -> list[Iterator[tuple]]:
    """The sheets of the upload as row iterators (one for a CSV file), once it passed the door checks."""
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
    _check_workbook(fileobj, max_rows=max_rows)
    fileobj.seek(0)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, zlib.error) as exc:
        raise _unreadable(exc) from exc
    sheets = []
    for sheet in workbook.worksheets:
        # Read to the end of what is there, whatever <dimension> says (a sheet that
        # declares A1:H10 but holds 500 rows must not be cut short); the row caps bound it.
        sheet.reset_dimensions()
        sheets.append(_guarded(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)))
    return sheets


_READ_ERRORS = (
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    SyntaxError,
    OSError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    NotImplementedError,
    RuntimeError,
)


def _guarded(rows: Iterator[tuple]) -> Iterator[tuple]:
    """Rows as openpyxl reads them; a file that breaks part-way is an import problem, not a crash."""
    try:
        yield from rows
    except _READ_ERRORS as exc:
        raise _unreadable(exc) from exc


class _NotASheet(Exception):
    """The zip member is not a worksheet (or not XML at all): nothing to count."""


#: Distinct strings a workbook may hold per allowed row (the staff file has 8 columns).
SHARED_STRINGS_PER_ROW = 16


class _SheetCheck:
    """One streaming pass of expat over a zip member, keeping no tree.

    Refuses a worksheet whose ``<dimension>`` declares more rows than the cap,
    or which holds more (the highest row number and the number of ``<row>``
    elements both count: openpyxl yields a blank row for every number skipped),
    or a row with more cells than Excel allows; stops at the first row past
    the cap. A title and the header row may sit above the data, so the sheet may
    have ``HEADER_SEARCH_ROWS`` more rows than the import's cap on data rows.
    """

    def __init__(self, *, max_rows: int):
        self.max_rows = max_rows
        self.limit = max_rows + HEADER_SEARCH_ROWS
        self.started = False
        self.rows = 0
        self.last_row = 0
        self.cells = 0
        self.shared_strings = False
        self.strings = 0

    def run(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.doctype
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(_CHUNK_BYTES):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _NotASheet:
            return
        except expat.ExpatError as exc:
            if not self.started:
                return  # not XML (an image, a printer setting): not ours to judge
            raise _unreadable(exc) from exc
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise _unreadable(exc) from exc

    def doctype(self, *args) -> None:
        # No spreadsheet has a DTD; one is there to declare entities (billion laughs, XXE).
        raise _unreadable("DTD")

    def start(self, name: str, attrs: dict) -> None:
        tag = name.rpartition(" ")[2]
        if not self.started:
            self.started = True
            if tag == "sst":
                self.shared_strings = True
            elif tag != "worksheet":
                raise _NotASheet
        elif self.shared_strings:
            # The shared-string table is loaded whole by openpyxl before any row:
            # millions of tiny distinct strings fit under the unzipped cap yet
            # cost minutes and gigabytes. A real table has at most one per cell.
            if tag == "si":
                self.strings += 1
                if self.strings > self.limit * SHARED_STRINGS_PER_ROW:
                    raise _refused(
                        _(
                            "文件中的不同文字超过 %(max)s 个，远多于 %(rows)s 行数据所需；请只保留要导入的数据，或拆分后分批导入。"
                        )
                        % {"max": f"{self.limit * SHARED_STRINGS_PER_ROW:,}", "rows": f"{self.max_rows:,}"}
                    )
        elif tag == "c":
            self.cells += 1
            if self.cells > EXCEL_MAX_COLUMNS:
                raise _refused(
                    _("第 %(row)s 行有超过 %(max)s 个单元格，这不是 Excel 或 WPS 保存的正常文件。")
                    % {"row": f"{self.last_row:,}", "max": f"{EXCEL_MAX_COLUMNS:,}"}
                )
        elif tag == "row":
            self.rows += 1
            self.cells = 0
            number = attrs.get("r")
            if number is None:
                self.last_row += 1
            elif number.isascii() and number.isdigit():
                self.last_row = max(self.last_row, int(number.lstrip("0")[:10] or "0"))
            found = max(self.rows, self.last_row)
            if found > self.limit:
                raise _too_many_rows(found, self.max_rows)
        elif tag == "dimension":
            match = re.search(r"(\d{1,10})\s*$", attrs.get("ref", "").rpartition(":")[2])
            declared = int(match.group(1)) if match else 0
            if declared > self.limit:
                raise _refused(
                    _(
                        "文件声明了 %(n)s 行，超过上限 %(max)s 行（带格式的空行也计算在内）；请删除多余的空行或拆分后分批导入。"
                    )
                    % {"n": f"{declared:,}", "max": f"{self.max_rows:,}"}
                )


def _check_workbook(fileobj, *, max_rows: int) -> None:
    """Refuse a zip bomb or an over-long sheet before openpyxl reads anything.

    The unpacked sizes come from the zip's central directory: ``zipfile``
    never inflates a member past its declared size (and fails its CRC check
    if the data is longer), so their sum bounds what parsing can read. Then
    every worksheet is streamed once (``_SheetCheck``), the rows counted.
    """
    try:
        archive = zipfile.ZipFile(fileobj)  # does not close ``fileobj``: openpyxl reads it next
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable(exc) from exc
    with archive:
        unzipped = sum(info.file_size for info in members)
        max_unzipped = settings.MAX_IMPORT_UNZIPPED_BYTES
        if unzipped > max_unzipped:
            raise _refused(
                _(
                    "文件解压后有 %(size)s MB，超过上限 %(max)s MB（可能是恶意构造的压缩文件）；请只保留要导入的数据，或拆分后分批导入。"
                )
                % {"size": f"{unzipped / 1048576:,.1f}", "max": f"{max_unzipped // 1048576:,}"}
            )
        for info in members:
            _SheetCheck(max_rows=max_rows).run(archive, info)


def count_rows(fileobj, *, max_rows: int) -> int:
    """How many rows the upload holds, cheaply (its longest sheet, blank rows counted), to choose how to import it.

    Streams the sheets as the door check does, without openpyxl; a file that
    cannot be read or is over a cap counts 0, so the import itself says why.
    """
    try:
        head = fileobj.read(2)
        fileobj.seek(0)
        if head != b"PK":
            return fileobj.read(settings.MAX_IMPORT_FILE_BYTES + 1).count(b"\n")
        longest = 0
        with zipfile.ZipFile(fileobj) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                check = _SheetCheck(max_rows=max_rows)
                check.run(archive, info)
                longest = max(longest, check.rows, check.last_row)
        return longest
    except (ImportFailed, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0
    finally:
        fileobj.seek(0)


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
    return _csv_records(csv.reader(io.StringIO(text), delimiter=delimiter))


def _csv_records(reader) -> Iterator[tuple]:
    try:
        for row in reader:
            yield tuple(row[:MAX_COLUMNS])
    except csv.Error as exc:  # a field longer than csv's limit, a stray quote at the end
        raise ImportFailed(
            [ImportProblem(_("无法读取文件：请上传 Excel（.xlsx）或 CSV 文件。"), row=reader.line_num)]
        ) from exc


def read_table(
    fileobj,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: dict[str, str] | None = None,
    refused: dict[str, str] | None = None,
    max_rows: int,
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Find the header row; check the headers; return (headers not used, row iterator).

    ``max_rows`` is the import's cap on rows below the header, blank ones
    included (each import has its setting, e.g. ``MAX_IMPORT_ROWS_STAFF``): a
    workbook declaring or holding more is refused before parsing, and the
    iterator raises ``ImportFailed`` at the first row past it (a CSV, a sheet
    whose dimension lies).

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
    for rows in _sheets(fileobj, max_rows=max_rows):
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
        last = header_row + max_rows
        for number, values in enumerate(rows, start=header_row + 1):
            if number > last:
                raise _too_many_rows(number, max_rows)
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
