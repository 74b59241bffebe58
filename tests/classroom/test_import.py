"""Excel attendance import (web page and ``manage.py import_attendance``): all or nothing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from classroom.importers.attendance import import_attendance
from classroom.models import Attendance
from core.xlsx import ImportFailed
from learning.models import LedgerEntry
from tests.factories import UserFactory

from .factories import TrainingSessionFactory, xlsx_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(org_tree):
    return TrainingSessionFactory(audience_units=[org_tree["shache"]], hours=Decimal("2.5"))


@pytest.fixture
def staff(org_tree):
    return [UserFactory(org_unit=org_tree["shache_dept"], full_name=f"学员{i}") for i in range(3)]


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(session, staff):
    rows = [
        [staff[0].employee_no, staff[0].full_name, "09:05"],
        ["NOPE404", "无名氏", ""],
        [staff[2].employee_no, "", ""],
    ]
    with pytest.raises(ImportFailed) as info:
        import_attendance(session=session, fileobj=xlsx_file(rows), by=None)
    (problem,) = info.value.problems
    assert problem.row == 3 and problem.column == "工号"
    assert "第 3 行" in str(problem) and "NOPE404" in str(problem)
    assert not Attendance.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_good_file_marks_everyone_and_credits_each_once(session, staff):
    rows = [[u.employee_no, u.full_name, ""] for u in staff]
    result = import_attendance(session=session, fileobj=xlsx_file(rows), by=None)
    assert result.created == 3
    again = import_attendance(session=session, fileobj=xlsx_file(rows), by=None)
    assert (again.created, again.already) == (0, 3)
    assert Attendance.objects.filter(session=session, method=Attendance.Method.IMPORT).count() == 3
    assert LedgerEntry.objects.filter(source_key__startswith=f"session:{session.pk}:").count() == 3
    assert {e.hours for e in LedgerEntry.objects.all()} == {Decimal("2.50")}


def test_a_name_that_does_not_match_the_number_is_an_error_in_the_name_column(session, staff):
    with pytest.raises(ImportFailed) as info:
        import_attendance(session=session, fileobj=xlsx_file([[staff[0].employee_no, "张冠李戴", ""]]), by=None)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (2, "姓名")
    assert "张冠李戴" in problem.message


def test_people_outside_the_audience_duplicates_and_bad_times_are_reported_together(session, staff, org_tree):
    outsider = UserFactory(org_unit=org_tree["shufu_dept"])
    rows = [
        [outsider.employee_no, "", ""],
        [staff[0].employee_no, "", "下午"],
        [staff[1].employee_no, "", ""],
        [staff[1].employee_no, "", ""],
    ]
    with pytest.raises(ImportFailed) as info:
        import_attendance(session=session, fileobj=xlsx_file(rows), by=None)
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {(2, "工号"), (3, "签到时间"), (5, "工号")}
    assert "参训范围" in str(info.value)
    assert not Attendance.objects.exists()


def test_missing_number_header_is_reported(session):
    with pytest.raises(ImportFailed, match="缺少表头“工号”"):
        import_attendance(session=session, fileobj=xlsx_file([["x"]], headers=["姓名"]), by=None)


def test_command_exits_non_zero_with_row_errors_and_imports_nothing(session, staff, tmp_path, capsys):
    path = tmp_path / "att.xlsx"
    path.write_bytes(xlsx_file([[staff[0].employee_no, "", ""], ["", "某人", ""]]).getvalue())
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_attendance", str(session.pk), str(path))
    assert "第 3 行" in capsys.readouterr().err
    assert not Attendance.objects.exists()


def test_command_imports_a_good_file(session, staff, tmp_path, capsys):
    path = tmp_path / "att.xlsx"
    path.write_bytes(xlsx_file([[u.employee_no, u.full_name, "09:00"] for u in staff]).getvalue())
    call_command("import_attendance", str(session.pk), str(path))
    assert "新登记 3 人" in capsys.readouterr().out
    assert Attendance.objects.filter(session=session).count() == 3


def test_command_refuses_an_unknown_session(tmp_path):
    with pytest.raises(CommandError, match="找不到编号为 999999 的培训"):
        call_command("import_attendance", "999999", str(tmp_path / "x.xlsx"))


def test_import_page_shows_the_row_problems(session, staff, trainer, client_for):
    data = xlsx_file([[staff[0].employee_no, "", ""], ["E-GHOST", "", ""]]).getvalue()
    upload = SimpleUploadedFile("签到.xlsx", data)
    response = client_for(trainer).post(reverse("classroom:session_import", args=[session.pk]), {"file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "未导入任何数据" in body and "第 3 行" in body and "E-GHOST" in body
    assert not Attendance.objects.exists()


def test_import_page_imports_and_template_downloads(session, staff, trainer, client_for):
    client = client_for(trainer)
    upload = SimpleUploadedFile("签到.xlsx", xlsx_file([[staff[0].employee_no, "", ""]]).getvalue())
    response = client.post(reverse("classroom:session_import", args=[session.pk]), {"file": upload})
    assert response.status_code == 200 and "导入成功" in response.content.decode()
    assert Attendance.objects.get().marked_by == trainer
    template = client.get(reverse("classroom:session_import_template"))
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == ["工号", "姓名", "签到时间"]


def test_a_learner_cannot_import(session, learner, client_for):
    upload = SimpleUploadedFile("签到.xlsx", xlsx_file([[learner.employee_no, "", ""]]).getvalue())
    response = client_for(learner).post(reverse("classroom:session_import", args=[session.pk]), {"file": upload})
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_a_sign_in_sheet_saved_as_csv_with_other_column_names_imports(session, staff):
    import io

    lines = ["人员编号,人员姓名,签到时刻"] + [f"{u.employee_no},{u.full_name},09:0{i}" for i, u in enumerate(staff)]
    result = import_attendance(session=session, fileobj=io.BytesIO("\n".join(lines).encode("gb18030")), by=None)
    assert result.created == 3
    assert Attendance.objects.filter(session=session, method=Attendance.Method.IMPORT).count() == 3
