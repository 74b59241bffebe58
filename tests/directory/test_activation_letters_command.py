"""``manage.py activation_letters``: the same letters from the server, with clear refusals."""

import io
import re
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from pypdf import PdfReader

from accounts.models import ActivationCode, AuditLog
from accounts.services.activation import check_code
from tests.factories import UserFactory

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def pending(**kwargs):
    person = UserFactory(**kwargs)
    person.set_unusable_password()
    person.save()
    return person


@pytest.fixture
def staff(org_tree):
    return [
        pending(full_name="阿依古丽·吐尔逊", employee_no="C001", org_unit=org_tree["shache_dept"]),
        pending(full_name="李建华", employee_no="C002", org_unit=org_tree["shache"]),
        pending(full_name="热合曼·库尔班", employee_no="C003", org_unit=org_tree["shufu_dept"]),
        UserFactory(full_name="王建国", employee_no="C004", org_unit=org_tree["shache_dept"]),
    ]


def _run(*args):
    out = io.StringIO()
    call_command("activation_letters", *args, stdout=out)
    return out.getvalue()


def _numbers_and_codes(path: Path) -> dict[str, str]:
    """``{工号: code}`` of one-letter-per-page letters, read by poppler's ``pdftotext`` as laid out."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True).stdout.decode()
    found = {}
    for page in filter(str.strip, text.split("\f")):
        found[re.search(r"工号\s*([A-Z0-9]+)", page).group(1)] = CODE.search(page).group(0)
    return found


def test_a_units_letters_are_written_with_working_codes_and_audited_as_the_system(staff, tmp_path):
    target = tmp_path / "shache.pdf"
    output = _run("--unit", "KS-SC", "--output", str(target))
    assert "已为 2 人生成开通通知书" in output and "原有的激活码已作废" in output
    assert "另有 1 人已能登录" in output
    codes = _numbers_and_codes(target)
    assert set(codes) == {"C001", "C002"}
    for number, code in codes.items():
        check_code(employee_no=number, code=code)
    entry = AuditLog.objects.get(action="activation.issue")
    assert entry.actor is None and "服务器命令" in entry.summary
    assert entry.details["via"] == "command"


def test_named_people_within_a_unit(staff, tmp_path):
    target = tmp_path / "two.pdf"
    _run("--unit", "KS-SC", "--employee-no", "C001", "C004", "--output", str(target), "--layout", "slips")
    reader = PdfReader(str(target))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "阿依古丽·吐尔逊" in text and "王建国" in text and len(CODE.findall(text)) == 2


def test_all_includes_people_who_can_sign_in(staff, tmp_path):
    target = tmp_path / "all.pdf"
    _run("--unit", "KS-SC", "--all", "--output", str(target))
    assert set(_numbers_and_codes(target)) == {"C001", "C002", "C004"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "NOPE"], "单位代码“NOPE”不存在。"),
        (["--employee-no", "C001", "X999", "Y888"], "工号不存在：X999、Y888。"),
        (["--unit", "KS-SC", "--employee-no", "C003"], "以下工号不在单位“喀什地区/莎车县”及其下级单位中：C003。"),
        ([], "请用 --unit 指定单位代码，或用 --employee-no 指定工号。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(staff, tmp_path, args, message):
    target = tmp_path / "letters.pdf"
    with pytest.raises(CommandError) as caught:
        _run(*args, "--output", str(target))
    assert str(caught.value) == message
    assert not target.exists()
    assert not ActivationCode.objects.exists()
    assert not AuditLog.objects.filter(action="activation.issue").exists()


def test_a_unit_with_nobody_to_activate_says_so(staff, tmp_path):
    staff[2].set_password("Kashgar#2026law")
    staff[2].save()
    with pytest.raises(CommandError) as caught:
        _run("--unit", "KS-SF", "--output", str(tmp_path / "x.pdf"))
    assert str(caught.value) == (
        "单位“喀什地区/疏附县”及其下级单位中没有需要激活的人员（已激活 1 人，停用 0 人）；要为已激活的人员打印，请加 --all。"
    )
    assert not (tmp_path / "x.pdf").exists()


def test_a_failure_leaves_no_file_and_every_old_code_working(staff, tmp_path, settings):
    _run("--unit", "KS-SC", "--output", str(tmp_path / "first.pdf"))
    old = _numbers_and_codes(tmp_path / "first.pdf")
    settings.CERTIFICATE_FONT_PATH = "/nonexistent/font.ttc"
    target = tmp_path / "second.pdf"
    with pytest.raises(CommandError) as caught:
        _run("--unit", "KS-SC", "--output", str(target))
    assert "激活码未改变" in str(caught.value) and "证书字体文件不存在" in str(caught.value)
    assert not target.exists() and list(tmp_path.iterdir()) == [tmp_path / "first.pdf"]
    for number, code in old.items():
        check_code(employee_no=number, code=code)


def test_the_output_must_be_a_pdf_in_an_existing_folder(staff, tmp_path):
    with pytest.raises(CommandError, match="输出文件须以 .pdf 结尾"):
        _run("--unit", "KS-SC", "--output", str(tmp_path / "letters.txt"))
    with pytest.raises(CommandError, match="输出目录不存在"):
        _run("--unit", "KS-SC", "--output", str(tmp_path / "missing" / "letters.pdf"))


def test_manage_py_exits_non_zero_with_the_message_on_stderr(staff, tmp_path, capsys):
    """What ``manage.py`` does with the refusal: the message on stderr and exit status 1."""
    command = load_command_class("directory", "activation_letters")
    argv = ["manage.py", "activation_letters", "--unit", "NO-SUCH-UNIT", "--output", str(tmp_path / "x.pdf")]
    # run_from_argv closes the connections when it ends; the test's transaction must survive it.
    with mock.patch("django.db.connections.close_all"), pytest.raises(SystemExit) as exited:
        command.run_from_argv(argv)
    assert exited.value.code == 1
    assert "单位代码“NO-SUCH-UNIT”不存在。" in capsys.readouterr().err


def test_the_import_command_says_how_many_still_need_activation(org_tree, tmp_path):
    from tests.accounts.xlsx_files import HEADERS, staff_file

    upload = tmp_path / "staff.xlsx"
    rows = [
        ["喀什地区/莎车县/莎车县市场监督管理局", f"M{i:04d}", "张伟", "执法人员", "科员", "", "", ""] for i in range(3)
    ]
    upload.write_bytes(staff_file(rows, HEADERS).getvalue())
    out = io.StringIO()
    call_command("import_staff", str(upload), stdout=out)
    assert "仍需激活：3 人" in out.getvalue()
