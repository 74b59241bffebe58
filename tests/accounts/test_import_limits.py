"""Hostile and oversized import files are refused at the door, in Chinese, changing nothing.

Every import (the HR staff page, a session's attendance page, the trainer's
question import in the Wagtail admin, and the ``import_staff``,
``import_attendance`` and ``import_questions`` commands, in every question
format) goes through the same checks: ``core.xlsx`` (unpacked size, each
worksheet's declared and real row count, the row cap while reading) and
``exams.formats.base.check_question_count``. A failed import's problems go
through ``core.xlsx.ProblemList``: the first ``MAX_IMPORT_PROBLEMS_LISTED``
kept and shown, the rest counted. The hostile files are built here; the sweep at
the end fails when an import page, command or question format is not covered.
"""

import functools
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from accounts.models import AuditLog, OrgUnit, User
from classroom.importers.attendance import import_attendance
from classroom.models import Attendance
from core.xlsx import ImportFailed, ImportProblem, ProblemList
from directory.importers.staff import import_staff
from exams.models import PendingQuestionImport, Question, QuestionCategory
from exams.services.question_import import FORMATS, QuestionImportFailed, import_questions
from learning.models import LedgerEntry
from tests.certificates.helpers import private_media  # noqa: F401
from tests.classroom.factories import TrainingSessionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF_HEADERS = ["单位", "工号", "姓名", "人员类别"]
ATTENDANCE_HEADERS = ["工号", "姓名", "签到时间"]
QUESTION_HEADERS = ["题型", "题干", "答案"]
UNIT = "喀什地区/莎车县/莎车县市场监督管理局"
MILLION = 1_000_000
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- hostile files -------------------------------------------------------------------


def _n(value: int) -> str:
    return f"{value:,}"


def _workbook_bytes(headers: list[str], rows=()) -> bytes:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_members(base: bytes, replace: dict[str, bytes]) -> bytes:
    """``base`` (a workbook openpyxl wrote) with some members swapped for raw XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name in set(replace) - set(source.namelist()):
            target.writestr(name, replace[name])
    return out.getvalue()


def _patch_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    return _with_members(data, {"xl/worksheets/sheet1.xml": sheet.replace(old, new, 1)})


def blank_rows_workbook(headers: list[str], blank_rows: int, *, dimension: str | None) -> bytes:
    """A header row and then ``blank_rows`` empty ``<row/>`` elements, written as XML straight into the zip.

    ``dimension`` is what the sheet declares (``None``: no ``<dimension>`` at all).
    A million blank rows compress to a few kilobytes.
    """
    header = "".join(
        f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(headers, start=1)
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">{declared}'
            f'<sheetData><row r="1">{header}</row>'
        ).encode()
        + b"<row/>" * blank_rows
        + b"</sheetData></worksheet>"
    )
    return _with_members(_workbook_bytes(headers), {"xl/worksheets/sheet1.xml": sheet})


@functools.cache
def million_blank_rows(headers: tuple[str, ...], dimension: str | None = f"A1:F{MILLION}") -> bytes:
    return blank_rows_workbook(list(headers), MILLION - 1, dimension=dimension)


@functools.cache
def zip_bomb(headers: tuple[str, ...], unpacked_mb: int = 150) -> bytes:
    """A real workbook plus a member of ``unpacked_mb`` MB of zeros (about 150 KB in the zip)."""
    buffer = io.BytesIO(_workbook_bytes(list(headers)))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(zeros)
    return buffer.getvalue()


def too_many_questions(fmt: str, count: int) -> bytes:
    if fmt == "moodle-xml":
        question = (
            '<question type="truefalse"><name><text>Q</text></name><questiontext format="html">'
            '<text>题</text></questiontext><answer fraction="100"><text>true</text></answer>'
            '<answer fraction="0"><text>false</text></answer></question>\n'
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + question * count + "</quiz>\n").encode()
    if fmt == "gift":
        return "".join(f"题目{i} {{T}}\n\n" for i in range(count)).encode()
    if fmt == "aiken":
        return ("题目\nA) 甲\nB) 乙\nANSWER: A\n\n" * count).encode()
    if fmt == "xlsx":
        return million_blank_rows(tuple(QUESTION_HEADERS))
    raise AssertionError(f"no hostile file for question format {fmt!r}: add one here")


def bad_staff_csv(rows: int) -> bytes:
    """``rows`` rows that each have exactly one problem (a 工号 with a space)."""
    return ("单位,工号,姓名,人员类别\n" + f"{UNIT},A B,王芳,执法人员\n" * rows).encode()


def _nothing_written(before: dict) -> bool:
    return _counts() == before


def _counts() -> dict:
    return {
        "users": User.objects.count(),
        "units": OrgUnit.objects.count(),
        "attendance": Attendance.objects.count(),
        "ledger": LedgerEntry.objects.count(),
        "questions": Question.objects.count(),
        "categories": QuestionCategory.objects.count(),
        "pending": PendingQuestionImport.objects.count(),
        "audit": AuditLog.objects.count(),
    }


# --- the row cap before parsing ----------------------------------------------------------


def test_the_caps_are_settings_and_the_staff_cap_takes_a_province():
    assert settings.MAX_IMPORT_ROWS_STAFF >= 60_000  # a province's list is ~52,350 rows
    assert settings.MAX_IMPORT_ROWS_ATTENDANCE >= 5_000
    assert settings.MAX_IMPORT_QUESTIONS >= 5_000
    assert settings.MAX_IMPORT_UNZIPPED_BYTES < 4 * 1024**3
    assert settings.MAX_IMPORT_PROBLEMS_LISTED == 100


def test_a_workbook_declaring_a_million_blank_rows_is_refused_before_parsing(org_tree):
    data = million_blank_rows(tuple(STAFF_HEADERS))
    assert len(data) < 64 * 1024
    before = _counts()
    with pytest.raises(ImportFailed) as info:
        import_staff(io.BytesIO(data))
    (problem,) = info.value.problems
    assert str(problem) == (
        f"文件声明了 1,000,000 行，超过上限 {_n(settings.MAX_IMPORT_ROWS_STAFF)} 行"
        "（带格式的空行也计算在内）；请删除多余的空行或拆分后分批导入。"
    )
    assert _nothing_written(before)


@pytest.mark.parametrize("dimension", [None, "A1:D2"], ids=["missing-dimension", "lying-dimension"])
def test_a_sheet_whose_dimension_is_missing_or_lies_is_stopped_at_the_cap(org_tree, dimension):
    data = million_blank_rows(tuple(STAFF_HEADERS), dimension)
    before = _counts()
    with pytest.raises(ImportFailed) as info:
        import_staff(io.BytesIO(data))
    (problem,) = info.value.problems
    cap = settings.MAX_IMPORT_ROWS_STAFF
    # The sheet may hold a title and header above the data: the reading stops on the row after that.
    assert str(problem).startswith(f"文件的行数超过上限 {_n(cap)} 行（读到第 {_n(cap + 11)} 行时停止，空行也计算在内）")
    assert _nothing_written(before)


def test_blank_rows_count_while_reading_too(org_tree, settings):
    """A sheet within the door check but over the cap once the header row is found: the reader stops."""
    settings.MAX_IMPORT_ROWS_STAFF = 20
    data = blank_rows_workbook(STAFF_HEADERS, 25, dimension=None)  # 26 rows: within 20 + a title's slack
    with pytest.raises(ImportFailed, match="文件的行数超过上限 20 行（读到第 22 行时停止"):
        import_staff(io.BytesIO(data))
    with pytest.raises(ImportFailed, match="文件中没有人员数据"):  # 20 blank rows: read to the end
        import_staff(io.BytesIO(blank_rows_workbook(STAFF_HEADERS, 20, dimension=None)))


def test_a_sheet_whose_dimension_is_too_small_is_still_read_to_the_end(org_tree):
    """The other way round: a sheet declaring A1:D1 but holding rows imports them all, not silently none."""
    rows = "".join(
        f'<row r="{i}">'
        + "".join(
            f'<c r="{get_column_letter(col)}{i}" t="inlineStr"><is><t>{text}</t></is></c>'
            for col, text in enumerate([UNIT, f"D{i}", "王芳", "执法人员"], start=1)
        )
        + "</row>"
        for i in range(2, 5)
    ).encode()
    data = _patch_sheet(
        blank_rows_workbook(STAFF_HEADERS, 0, dimension="A1:D1"), b"</sheetData>", rows + b"</sheetData>"
    )
    assert import_staff(io.BytesIO(data)).created == 3


def test_a_zip_bomb_is_refused_from_the_central_directory(org_tree):
    data = zip_bomb(tuple(STAFF_HEADERS))
    assert len(data) < 1024 * 1024
    before = _counts()
    with pytest.raises(ImportFailed) as info:
        import_staff(io.BytesIO(data))
    (problem,) = info.value.problems
    assert str(problem).startswith(
        f"文件解压后有 150.0 MB，超过上限 {_n(settings.MAX_IMPORT_UNZIPPED_BYTES // 1048576)} MB"
    )
    assert _nothing_written(before)


def test_a_flood_of_shared_strings_is_refused_before_openpyxl_loads_them(org_tree, settings):
    """Millions of tiny distinct strings fit under the unzipped cap, but openpyxl loads the table whole."""
    settings.MAX_IMPORT_ROWS_STAFF = 100
    limit = (100 + 10) * 16
    strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(limit + 1))
    table = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN_NS.encode() + b'">' + strings + b"</sst>"
    data = _with_members(_workbook_bytes(STAFF_HEADERS), {"xl/sharedStrings.xml": table})
    before = _counts()
    with pytest.raises(ImportFailed, match=f"文件中的不同文字超过 {_n(limit)} 个"):
        import_staff(io.BytesIO(data))
    assert _nothing_written(before)
    # One string fewer than the cap passes the check (the file then imports as usual).
    ok = _with_members(
        _workbook_bytes(STAFF_HEADERS),
        {"xl/sharedStrings.xml": table.replace(b"<si><t>%d</t></si>" % limit, b"")},
    )
    with pytest.raises(ImportFailed) as info:
        import_staff(io.BytesIO(ok))
    assert "不同文字" not in str(info.value)


def test_a_row_with_more_cells_than_excel_allows_is_refused(org_tree):
    cells = b'<c r="A2"><v>1</v></c>' * 16_385
    row = b"<row>" + cells + b"</row></sheetData>"
    data = _patch_sheet(blank_rows_workbook(STAFF_HEADERS, 0, dimension=None), b"</sheetData>", row)
    with pytest.raises(ImportFailed, match="第 2 行有超过 16,384 个单元格"):
        import_staff(io.BytesIO(data))


def test_a_workbook_with_a_dtd_is_refused(org_tree):
    dtd = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet'
    data = _patch_sheet(blank_rows_workbook(STAFF_HEADERS, 0, dimension=None), b"<worksheet", dtd)
    with pytest.raises(ImportFailed, match=r"无法读取文件：请上传 Excel（.xlsx）文件。（DTD）"):
        import_staff(io.BytesIO(data))


def test_a_csv_over_the_cap_is_stopped_and_a_huge_field_is_an_error_not_a_crash(org_tree, settings):
    settings.MAX_IMPORT_ROWS_STAFF = 50
    with pytest.raises(ImportFailed, match="文件的行数超过上限 50 行（读到第 52 行时停止"):
        import_staff(io.BytesIO(bad_staff_csv(1000)))
    huge = f'单位,工号,姓名,人员类别\n{UNIT},"{"x" * 200_000}",王芳,执法人员\n'.encode()
    with pytest.raises(ImportFailed, match="无法读取文件"):
        import_staff(io.BytesIO(huge))


# --- the error list is capped in one place -------------------------------------------


def test_problem_list_keeps_the_first_hundred_and_counts_the_rest():
    problems = ProblemList(ImportProblem("坏", row=n) for n in range(2, 100_002))
    assert len(problems) == 100 and problems.total == 100_000 and problems.hidden == 99_900
    assert problems[-1].row == 101
    assert problems.more == "另有 99,900 处问题未列出。"
    assert problems.lines()[-1] == "另有 99,900 处问题未列出。" and len(problems.lines()) == 101
    failed = ImportFailed([ImportProblem("坏")] * 150)
    assert failed.problems.total == 150 and len(failed.problems) == 100
    assert ImportFailed(problems).problems is problems


@pytest.mark.usefixtures("private_media")
@pytest.mark.parametrize("background", [False, True], ids=["in-the-request", "as-a-job"])
def test_a_hundred_thousand_bad_rows_render_a_small_page_naming_the_rest(
    org_tree, admin_user, client_for, settings, django_capture_on_commit_callbacks, background
):
    settings.MAX_IMPORT_ROWS_STAFF = 200_000  # let every row be checked: the list, not the cap, is under test
    settings.STAFF_IMPORT_JOB_ROWS = 1000 if background else 200_000
    data = bad_staff_csv(100_000)
    before = _counts()
    upload = SimpleUploadedFile("staff.csv", data)
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:staff_import"), {"file": upload})
    if background:  # the job page says the same as the import page would
        assert response.status_code == 302 and "/jobs/" in response.url
        response = client.get(response.url)
    else:
        assert response.status_code == 400
    assert len(response.content) < 200_000
    body = response.content.decode()
    assert "发现 100000 个问题，未导入任何数据" in body
    assert "另有 99,900 处问题未列出。" in body
    assert body.count("格式不对") == 100
    assert "第 2 行" in body and "第 101 行" in body and "第 102 行" not in body
    assert _nothing_written(before)


def test_the_command_prints_the_first_hundred_and_the_count_of_the_rest(org_tree, tmp_path, capsys, settings):
    settings.MAX_IMPORT_ROWS_STAFF = 200_000
    path = tmp_path / "staff.csv"
    path.write_bytes(bad_staff_csv(100_000))
    with pytest.raises(CommandError, match="导入失败：共 100000 个问题，未导入任何数据。"):
        call_command("import_staff", str(path))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 101 and err[-1] == "另有 99,900 处问题未列出。"


def test_question_errors_are_capped_on_the_admin_page(trainer, client_for):
    data = ("题目\nA) 甲\nB) 乙\nANSWER: Z\n\n" * 300).encode()  # 300 answers without an option
    before = _counts()
    response = client_for(trainer).post(
        reverse("exams_question_import:index"),
        {"action": "check", "format": "aiken", "category": "", "file": SimpleUploadedFile("q.txt", data)},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "发现 300 个问题，未导入任何题目" in body and "另有 200 处问题未列出。" in body
    assert _nothing_written(before)
    with pytest.raises(QuestionImportFailed) as info:
        import_questions(data=data, fmt="aiken")
    assert info.value.outcome.errors.total == 300 and len(info.value.outcome.errors) == 100


# --- every entry point: the sweep -----------------------------------------------------

#: Every import page (URL names) and command; a new one must be added to ENTRY_POINTS below.
IMPORT_PAGES = {"directory:staff_import", "classroom:session_import", "exams_question_import:index"}
IMPORT_COMMANDS = {"import_staff", "import_attendance", "import_questions"}
#: Names with "import" in them that do not take an upload: template downloads and the export.
NOT_UPLOADS = {
    "directory:staff_import_template",
    "classroom:session_import_template",
    "exams_question_import:template",
    "exams_question_import:export",
}
#: Wagtail's own redirect import (CSV/XLSX of old → new paths) reads files with tablib/openpyxl and
#: none of these checks; config/urls.py closes its routes (tested below).
NOT_OURS = {"wagtailredirects:start_import", "wagtailredirects:process_import"}


@pytest.mark.parametrize("name", sorted(NOT_OURS))
def test_wagtails_redirect_import_is_closed(admin_user, client_for, name):
    client = client_for(admin_user)
    url = reverse(name)
    assert client.get(url).status_code == 404
    upload = SimpleUploadedFile("r.csv", b"from,to\n/a,/b\n")
    assert client.post(url, {"import_file": upload, "input_format": "csv"}).status_code == 404


#: ``import_laws`` reads the law texts shipped with the code from a directory on the server (cms/laws);
#: ``import_redirects`` is the command of Wagtail's redirect import above.
NOT_UPLOAD_COMMANDS = {"import_laws", "import_redirects"}


def _url_names(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_import_page_command_and_question_format_is_swept():
    pages = {name for name in _url_names() if "import" in name} - NOT_UPLOADS - NOT_OURS
    assert pages == IMPORT_PAGES, "a new import page: add it to ENTRY_POINTS and IMPORT_PAGES"
    commands = {name for name in get_commands() if name.startswith("import")} - NOT_UPLOAD_COMMANDS
    assert commands == IMPORT_COMMANDS, "a new import command: add it to ENTRY_POINTS and IMPORT_COMMANDS"
    swept = {(kind, what) for kind, what in ENTRY_POINTS}
    for fmt in FORMATS:
        assert ("page", f"questions:{fmt}") in swept and ("command", f"questions:{fmt}") in swept, fmt


ENTRY_POINTS = [
    ("page", "staff"),
    ("command", "staff"),
    ("page", "attendance"),
    ("command", "attendance"),
    *(("page", f"questions:{fmt}") for fmt in FORMATS),
    *(("command", f"questions:{fmt}") for fmt in FORMATS),
]


def _hostile(what: str) -> tuple[bytes, str, str]:
    """(file, file name, the refusal the user must see) for one import."""
    if what == "staff":
        cap = settings.MAX_IMPORT_ROWS_STAFF
        return million_blank_rows(tuple(STAFF_HEADERS)), "staff.xlsx", f"文件声明了 1,000,000 行，超过上限 {_n(cap)} 行"
    if what == "attendance":
        cap = settings.MAX_IMPORT_ROWS_ATTENDANCE
        data = million_blank_rows(tuple(ATTENDANCE_HEADERS))
        return data, "签到.xlsx", f"文件声明了 1,000,000 行，超过上限 {_n(cap)} 行"
    fmt = what.split(":", 1)[1]
    cap = settings.MAX_IMPORT_QUESTIONS
    if fmt == "xlsx":
        return too_many_questions(fmt, 0), "q.xlsx", f"文件声明了 1,000,000 行，超过上限 {_n(cap)} 行"
    return too_many_questions(fmt, cap + 1), "q.txt", f"文件中有 {_n(cap + 1)} 道题，超过上限 {_n(cap)} 道"


@pytest.fixture
def session(org_tree):
    return TrainingSessionFactory(audience_units=[org_tree["shache"]], hours=Decimal("2"))


@pytest.mark.parametrize(("kind", "what"), ENTRY_POINTS, ids=[f"{k}-{w}" for k, w in ENTRY_POINTS])
def test_every_entry_point_refuses_an_oversized_file_and_writes_nothing(
    kind, what, org_tree, admin_user, trainer, session, client_for, tmp_path, capsys
):
    UserFactory(org_unit=org_tree["shache_dept"])
    data, name, message = _hostile(what)
    before = _counts()
    if kind == "page":
        upload = SimpleUploadedFile(name, data)
        if what == "staff":
            response = client_for(admin_user).post(reverse("directory:staff_import"), {"file": upload})
        elif what == "attendance":
            response = client_for(trainer).post(
                reverse("classroom:session_import", args=[session.pk]), {"file": upload}
            )
        else:
            response = client_for(trainer).post(
                reverse("exams_question_import:index"),
                {"action": "check", "format": what.split(":")[1], "category": "", "file": upload},
            )
        assert response.status_code == 400
        shown = response.content.decode()
    else:
        path = tmp_path / name
        path.write_bytes(data)
        if what == "staff":
            args = ["import_staff", str(path)]
        elif what == "attendance":
            args = ["import_attendance", str(session.pk), str(path)]
        else:
            args = ["import_questions", str(path), "--format", what.split(":")[1]]
        with pytest.raises(CommandError):
            call_command(*args)
        shown = capsys.readouterr().err
    assert message in shown
    assert _nothing_written(before)


def test_each_import_refuses_a_zip_bomb(org_tree, session):
    for call in (
        lambda data: import_staff(io.BytesIO(data)),
        lambda data: import_attendance(session=session, fileobj=io.BytesIO(data), by=None),
    ):
        with pytest.raises(ImportFailed, match="文件解压后有 150.0 MB"):
            call(zip_bomb(tuple(STAFF_HEADERS)))
    with pytest.raises(QuestionImportFailed) as info:
        import_questions(data=zip_bomb(tuple(QUESTION_HEADERS)), fmt="xlsx")
    assert "文件解压后有 150.0 MB" in str(info.value)
    assert not Attendance.objects.exists() and not Question.objects.exists()
