import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditLog, Credential, OrgUnit, StaffCategory, User
from core.xlsx import ImportFailed
from directory.importers.staff import import_staff
from tests.factories import UserFactory

from .xlsx_files import HEADERS, good_rows, staff_file


def test_valid_file_creates_people_with_their_units(org_tree):
    result = import_staff(staff_file(good_rows(3)))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    person = User.objects.get(employee_no="S00001")
    assert person.full_name == "王芳"
    assert person.org_unit == org_tree["shache_dept"]
    assert person.staff_category == StaffCategory.ENFORCEMENT
    assert person.credential_no == "653100000001"
    assert not person.has_usable_password()


def test_second_import_of_same_file_changes_nothing(org_tree):
    import_staff(staff_file(good_rows(5)))
    before = list(User.objects.order_by("pk").values())
    result = import_staff(staff_file(good_rows(5)))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert list(User.objects.order_by("pk").values()) == before


def test_reimport_updates_by_employee_number(org_tree):
    import_staff(staff_file(good_rows(2)))
    rows = good_rows(2)
    rows[1][4] = "科长"
    rows[1][0] = "喀什地区/疏附县/疏附县市场监督管理局"
    result = import_staff(staff_file(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    person = User.objects.get(employee_no="S00002")
    assert person.position == "科长"
    assert person.org_unit == org_tree["shufu_dept"]
    assert User.objects.filter(employee_no__startswith="S").count() == 2


def test_one_bad_row_imports_nothing_and_names_row_and_column(org_tree):
    rows = good_rows(4)
    rows[2][0] = "喀什地区/莎车县/莎车县市场监管局"  # typo in the unit
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows))
    assert User.objects.filter(employee_no__startswith="S").count() == 0
    messages = [str(p) for p in exc.value.problems]
    assert len(messages) == 1
    assert "第 4 行" in messages[0] and "「单位」" in messages[0] and "不存在" in messages[0]
    assert OrgUnit.objects.filter(name="莎车县市场监管局").count() == 0


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (1, "", "工号不能为空"),
        (2, "", "姓名不能为空"),
        (3, "临时工", "人员类别“临时工”无效"),
        (6, "12345", "手机号“12345”格式不对"),
        (7, "not-an-email", "邮箱“not-an-email”格式不对"),
        (5, "65-31 x", "执法证号"),
    ],
)
def test_each_invalid_cell_is_reported(org_tree, column, value, expected):
    rows = good_rows(2)
    rows[1][column] = value
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows))
    text = "\n".join(str(p) for p in exc.value.problems)
    assert "第 3 行" in text and f"「{HEADERS[column]}」" in text and expected in text
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_duplicates_within_file_are_reported(org_tree):
    rows = good_rows(3)
    rows[2][1] = rows[0][1]
    rows[1][5] = rows[0][5]
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows))
    text = "\n".join(str(p) for p in exc.value.problems)
    assert "工号“S00001”与第 2 行重复" in text
    assert "执法证号“653100000001”与第 2 行重复" in text


def test_credential_of_another_person_in_database_is_refused(org_tree, learner):
    learner.credential_no = "653100000002"
    learner.save()
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(good_rows(2)))
    assert f"已属于工号 {learner.employee_no}" in str(exc.value)


def test_missing_header_and_id_number_column_are_refused(org_tree):
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file([["x", "1"]], headers=["单位", "工号"]))
    assert "缺少表头“姓名”" in str(exc.value)
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(good_rows(1), headers=[*HEADERS[:4], "身份证号"]))
    assert "不保存身份证号" in str(exc.value)


def test_not_an_excel_file_gets_a_message(db):
    import io

    fake = io.BytesIO(b"this is not a workbook")
    with pytest.raises(ImportFailed) as exc:
        import_staff(fake)
    assert "无法读取文件" in str(exc.value)


def test_headers_in_any_order_and_optional_columns_absent(org_tree):
    headers = ["姓名", "人员类别", "工号", "单位"]
    result = import_staff(staff_file([["王芳", "领导干部", "X1", "喀什地区/莎车县"]], headers=headers))
    assert result.created == 1
    assert User.objects.get(employee_no="X1").staff_category == StaffCategory.LEADER


def test_create_units_builds_missing_path(org_tree):
    rows = good_rows(1, unit="喀什地区/莎车县/莎车镇/莎车镇司法所")
    result = import_staff(staff_file(rows), create_units=True)
    assert result.units_created == ["喀什地区/莎车县/莎车镇/莎车镇司法所"]
    unit = OrgUnit.objects.get(full_path="喀什地区/莎车县/莎车镇/莎车镇司法所")
    assert unit.kind == OrgUnit.Kind.STATION
    assert unit.get_parent().kind == OrgUnit.Kind.TOWNSHIP
    assert User.objects.get(employee_no="S00001").org_unit == unit


def test_dry_run_changes_nothing(org_tree):
    result = import_staff(staff_file(good_rows(3)), dry_run=True)
    assert result.created == 3
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_full_prefecture_file_imports(org_tree):
    rows = [
        ["喀什地区/莎车县/莎车县市场监督管理局", f"B{i:05d}", "艾力·买买提", "执法人员", "", "", "", ""]
        for i in range(5235)
    ]
    result = import_staff(staff_file(rows))
    assert result.created == 5235
    rows[4000][3] = "无"
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows))
    assert "第 4002 行" in str(exc.value)
    assert User.objects.filter(employee_no__startswith="B").count() == 5235
    assert import_staff(staff_file([r[:3] + ["执法人员", *r[4:]] for r in rows])).unchanged == 5235


def test_command_reports_errors_on_stderr_and_fails(org_tree, tmp_path, capsys):
    path = tmp_path / "staff.xlsx"
    rows = good_rows(2)
    rows[0][3] = "坏"
    path.write_bytes(staff_file(rows).getvalue())
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_staff", str(path))
    assert "第 2 行" in capsys.readouterr().err
    assert not User.objects.filter(employee_no__startswith="S").exists()
    rows[0][3] = "执法人员"
    path.write_bytes(staff_file(rows).getvalue())
    call_command("import_staff", str(path))
    assert User.objects.filter(employee_no__startswith="S").count() == 2


def test_command_create_units_flag(org_tree, tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(staff_file(good_rows(1, unit="喀什地区/新县")).getvalue())
    with pytest.raises(CommandError):
        call_command("import_staff", str(path))
    call_command("import_staff", str(path), "--create-units")
    assert OrgUnit.objects.filter(full_path="喀什地区/新县").exists()


def test_import_page_lists_problems_and_template_downloads(org_tree, hr_shache, client_for):
    client = client_for(hr_shache)
    response = client.get(reverse("directory:staff_import_template"))
    workbook = load_workbook(__import__("io").BytesIO(response.content))
    assert [c.value for c in workbook.active[1]] == HEADERS
    rows = good_rows(2)
    rows[1][2] = ""
    response = client.post(reverse("directory:staff_import"), {"file": staff_file(rows)})
    assert response.status_code == 400
    assert "第 3 行" in response.content.decode() and "姓名不能为空" in response.content.decode()
    response = client.post(reverse("directory:staff_import"), {"file": staff_file(good_rows(2))})
    assert response.status_code == 200
    assert User.objects.filter(employee_no__startswith="S").count() == 2
    assert AuditLog.objects.filter(action="staff_import", actor=hr_shache).count() == 1


def test_hr_cannot_create_units_from_page(org_tree, hr_shache, client_for):
    client = client_for(hr_shache)
    response = client.post(
        reverse("directory:staff_import"),
        {"file": staff_file(good_rows(1, unit="喀什地区/新县")), "create_units": "on"},
    )
    assert response.status_code == 400
    assert "只有系统管理员" in response.content.decode()
    assert not OrgUnit.objects.filter(name="新县").exists()


def test_learner_cannot_open_import_page(learner, client_for):
    assert client_for(learner).get(reverse("directory:staff_import")).status_code == 403


# --- Org scope: an HR officer imports only into, and only changes people of, their own subtree.


def test_hr_cannot_import_a_row_into_a_unit_outside_scope(org_tree, hr_shache):
    rows = good_rows(3)
    rows[1][0] = "喀什地区/疏附县/疏附县市场监督管理局"
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows), actor=hr_shache)
    messages = [str(p) for p in exc.value.problems]
    assert messages == ["第 3 行 「单位」列：单位“喀什地区/疏附县/疏附县市场监督管理局”不在您的管辖范围内。"]
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_hr_cannot_change_a_person_outside_scope_matched_by_employee_no(org_tree, hr_shache):
    outsider = UserFactory(employee_no="K000123", full_name="李建华", org_unit=org_tree["shufu_dept"])
    before = list(User.objects.order_by("pk").values())
    rows = good_rows(3)
    rows[2][1] = "K000123"  # same 工号, unit in 莎车县: would rename and move the outsider
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows), actor=hr_shache)
    messages = [str(p) for p in exc.value.problems]
    assert messages == ["第 4 行 「工号」列：工号 K000123 的人员不在您的管辖范围内，不能修改。"]
    assert list(User.objects.order_by("pk").values()) == before
    outsider.refresh_from_db()
    assert (outsider.full_name, outsider.org_unit) == ("李建华", org_tree["shufu_dept"])


def test_hr_cannot_move_a_person_of_their_scope_to_a_unit_outside_it(org_tree, hr_shache):
    import_staff(staff_file(good_rows(2)), actor=hr_shache)
    rows = good_rows(2)
    rows[0][0] = "喀什地区/疏附县/疏附县市场监督管理局"
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows), actor=hr_shache)
    assert "第 2 行" in str(exc.value) and "不在您的管辖范围内" in str(exc.value)
    assert User.objects.get(employee_no="S00001").org_unit == org_tree["shache_dept"]


def test_hr_imports_and_updates_people_of_their_scope(org_tree, hr_shache):
    assert import_staff(staff_file(good_rows(2)), actor=hr_shache).created == 2
    rows = good_rows(2)
    rows[1][0] = "喀什地区/莎车县"
    result = import_staff(staff_file(rows), actor=hr_shache)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert User.objects.get(employee_no="S00002").org_unit == org_tree["shache"]


def test_admin_actor_imports_into_any_unit(org_tree, admin_user):
    rows = good_rows(2)
    rows[1][0] = "喀什地区/疏附县/疏附县市场监督管理局"
    assert import_staff(staff_file(rows), actor=admin_user).created == 2


def test_actor_without_a_scope_can_import_nobody(org_tree, learner):
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(good_rows(1)), actor=learner)
    assert "不在您的管辖范围内" in str(exc.value)
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_hr_creates_units_only_inside_scope(org_tree, hr_shache):
    inside = "喀什地区/莎车县/莎车镇/莎车镇司法所"
    result = import_staff(staff_file(good_rows(1, unit=inside)), actor=hr_shache, create_units=True)
    assert result.units_created == [inside]
    for outside in ("喀什地区/疏附县/疏附镇", "喀什地区/新县", "和田地区/和田县"):
        with pytest.raises(ImportFailed) as exc:
            import_staff(staff_file(good_rows(1, unit=outside)), actor=hr_shache, create_units=True)
        assert f"单位“{outside}”不在您的管辖范围内" in str(exc.value)
        assert not OrgUnit.objects.filter(full_path=outside).exists()
    assert not OrgUnit.objects.filter(name__in=["疏附镇", "新县", "和田地区", "和田县"]).exists()


def test_import_page_refuses_rows_outside_the_officers_scope(org_tree, hr_shache, client_for):
    client = client_for(hr_shache)
    outsider = UserFactory(employee_no="K000123", full_name="李建华", org_unit=org_tree["shufu_dept"])
    rows = good_rows(3)
    rows[0][0] = "喀什地区/疏附县/疏附县市场监督管理局"
    response = client.post(reverse("directory:staff_import"), {"file": staff_file(rows)})
    assert response.status_code == 400
    assert "单位“喀什地区/疏附县/疏附县市场监督管理局”不在您的管辖范围内" in response.content.decode()
    rows = good_rows(3)
    rows[2][1] = outsider.employee_no
    response = client.post(reverse("directory:staff_import"), {"file": staff_file(rows)})
    assert response.status_code == 400
    assert "工号 K000123 的人员不在您的管辖范围内，不能修改" in response.content.decode()
    assert not User.objects.filter(employee_no__startswith="S").exists()
    outsider.refresh_from_db()
    assert (outsider.full_name, outsider.org_unit) == ("李建华", org_tree["shufu_dept"])
    assert not AuditLog.objects.filter(action="staff_import").exists()


# --- E-mail uniqueness is case-insensitive in the database, so the check must be too.


def test_email_differing_only_in_case_from_another_person_is_a_row_error(org_tree, learner):
    learner.email = "P2@Example.cn"
    learner.save()
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(good_rows(2)))
    messages = [str(p) for p in exc.value.problems]
    assert messages == [f"第 3 行 「邮箱」列：邮箱“p2@example.cn”已属于工号 {learner.employee_no} 的人员。"]
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_email_case_clash_on_import_page_is_a_row_error_not_a_crash(org_tree, admin_user, client_for):
    UserFactory(employee_no="K000124", org_unit=org_tree["shache_dept"], email="P1@example.CN")
    response = client_for(admin_user).post(reverse("directory:staff_import"), {"file": staff_file(good_rows(2))})
    assert response.status_code == 400
    assert "邮箱“p1@example.cn”已属于工号 K000124 的人员" in response.content.decode()
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_email_differing_only_in_case_between_rows_is_reported(org_tree):
    rows = good_rows(3)
    rows[2][7] = "P1@EXAMPLE.CN"
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(rows))
    assert "第 4 行" in str(exc.value) and "邮箱“p1@example.cn”与第 2 行重复" in str(exc.value)


def test_owner_of_an_email_is_matched_whatever_its_case(org_tree):
    UserFactory(employee_no="S00001", org_unit=org_tree["shache_dept"], email="P1@Example.cn")
    result = import_staff(staff_file(good_rows(1)))
    assert result.updated == 1
    assert User.objects.get(employee_no="S00001").email == "p1@example.cn"


def test_hr_is_not_told_the_employee_no_of_an_email_owner_outside_scope(org_tree, hr_shache):
    UserFactory(employee_no="K000125", org_unit=org_tree["shufu_dept"], email="p1@example.cn")
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file(good_rows(1)), actor=hr_shache)
    assert "邮箱“p1@example.cn”已被管辖范围外的人员使用" in str(exc.value)
    assert "K000125" not in str(exc.value)


def test_email_and_credential_handed_over_to_a_new_person_in_the_same_file(org_tree):
    import_staff(staff_file(good_rows(1)))
    rows = good_rows(2)
    rows[1][5], rows[1][7] = rows[0][5], rows[0][7]  # the newcomer takes over S00001's 证号 and 邮箱
    rows[0][5], rows[0][7] = "", ""
    result = import_staff(staff_file(rows))
    assert (result.created, result.updated) == (1, 1)
    newcomer = User.objects.get(employee_no="S00002")
    assert (newcomer.credential_no, newcomer.email) == ("653100000001", "p1@example.cn")
    assert User.objects.get(employee_no="S00001").email is None
    credential = Credential.objects.get(number="653100000001")  # the register follows the correction
    assert credential.holder == newcomer
    assert "执法证号登记人更正" in credential.events.last().reason and credential.events.count() == 2


def test_two_people_swap_emails_in_one_file(org_tree):
    import_staff(staff_file(good_rows(2)))
    rows = good_rows(2)
    rows[0][7], rows[1][7] = rows[1][7], rows[0][7]
    assert import_staff(staff_file(rows)).updated == 2
    assert User.objects.get(employee_no="S00001").email == "p2@example.cn"
    assert User.objects.get(employee_no="S00002").email == "p1@example.cn"


# --- The command's --initial-password follows the same password rules as the page.


@pytest.mark.parametrize(
    ("password", "reason"),
    [("Fz-2024", "密码太短，至少需要 8 个字符"), ("12345678", "密码只包含数字"), ("password", "这个密码太常见了")],
)
def test_command_refuses_a_weak_initial_password(org_tree, tmp_path, password, reason):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(staff_file(good_rows(2)).getvalue())
    with pytest.raises(CommandError, match=f"^初始密码不符合要求：.*{reason}"):
        call_command("import_staff", str(path), "--initial-password", password)
    assert not User.objects.filter(employee_no__startswith="S").exists()


def test_command_sets_a_valid_initial_password_on_new_accounts(org_tree, tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(staff_file(good_rows(1)).getvalue())
    call_command("import_staff", str(path), "--initial-password", "Fazhi-2024-xue")
    assert User.objects.get(employee_no="S00001").check_password("Fazhi-2024-xue")


def test_import_page_refuses_a_weak_initial_password(org_tree, admin_user, client_for):
    response = client_for(admin_user).post(
        reverse("directory:staff_import"), {"file": staff_file(good_rows(1)), "initial_password": "12345678"}
    )
    assert response.status_code == 400
    assert "初始密码不符合要求" in response.content.decode()
    assert not User.objects.filter(employee_no__startswith="S").exists()


# --- Staff lists as people really keep them: a title row, other column names, CSV, old .xls.


def _workbook(*rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_title_row_other_column_names_and_required_marks_are_understood(org_tree):
    headers = [
        "序号",
        "单位名称",
        "*人员编号",
        "姓名（必填）",
        "人员类型",
        "职务职级",
        "执法证编号",
        "手机号码",
        "电子邮箱",
    ]
    rows = [[i, *row] for i, row in enumerate(good_rows(2), start=1)]
    result = import_staff(_workbook(["2026年度喀什地区行政执法人员名单"], [], headers, *rows))
    assert result.created == 2 and result.ignored_columns == ["序号"]
    person = User.objects.get(employee_no="S00001")
    assert (person.credential_no, person.phone, person.email) == ("653100000001", "13899990001", "p1@example.cn")


def test_row_numbers_follow_the_sheet_below_a_title_row(org_tree):
    rows = good_rows(2)
    rows[1][3] = "临时工"
    with pytest.raises(ImportFailed) as caught:
        import_staff(_workbook(["名单"], HEADERS, *rows))
    assert [str(p) for p in caught.value.problems][0].startswith("第 4 行 「人员类别」列")


def test_an_id_number_column_is_refused_wherever_the_header_row_is(org_tree):
    with pytest.raises(ImportFailed, match="第 2 行：文件含有“身份证号码”列"):
        import_staff(_workbook(["名单"], [*HEADERS, "身份证号码"], *good_rows(1)))
    assert not User.objects.filter(employee_no="S00001").exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_saved_from_excel_or_wps_imports_like_the_workbook(org_tree, encoding):
    text = io.StringIO()
    csv.writer(text).writerows([HEADERS, *good_rows(3)])
    result = import_staff(io.BytesIO(text.getvalue().encode(encoding)))
    assert result.created == 3
    assert User.objects.get(employee_no="S00002").full_name == good_rows(3)[1][2]


def test_an_old_xls_or_a_renamed_file_gets_a_clear_message(org_tree):
    with pytest.raises(ImportFailed, match="旧版 Excel（.xls）文件"):
        import_staff(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    with pytest.raises(ImportFailed, match="请上传 Excel（.xlsx）或 CSV 文件"):
        import_staff(io.BytesIO("这不是表格".encode()))
    assert not User.objects.filter(employee_no__startswith="S0").exists()
