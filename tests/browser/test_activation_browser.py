"""On a phone: HR imports two officials without e-mail, prints their letters; one activates, signs in, and the code is spent."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from accounts.models import User
from tests.accounts.xlsx_files import HEADERS, staff_file

from .conftest import PHONE

pytestmark = pytest.mark.browser

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
ROWS = [
    ["喀什地区/莎车县/莎车县市场监督管理局", "W0001", "古丽米热·艾则孜", "执法人员", "科员", "", "", ""],
    ["喀什地区/莎车县/莎车县市场监督管理局", "W0002", "买买提·吐尔逊", "执法人员", "科员", "", "", ""],
]
PASSWORD = "Kashgar#2026law"


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


@pytest.mark.django_db(transaction=True)
def test_hr_prints_two_letters_and_one_official_activates_on_a_phone(
    page_at, login_as, live_server, hr_shache, org_tree, tmp_path
):
    upload = tmp_path / "staff.xlsx"
    upload.write_bytes(staff_file(ROWS, HEADERS).getvalue())

    # HR imports the two officials (no e-mail, no initial password) ...
    hr = login_as(page_at(*PHONE), hr_shache)
    hr.goto(f"{live_server.url}/staff/import/")
    hr.set_input_files("#id_file", str(upload))
    hr.get_by_role("button", name="上传并导入").click()
    result = hr.get_by_test_id("import-result")
    assert "新增：2" in result.inner_text()
    assert "仍需激活：2" in hr.get_by_test_id("import-needs-activation").inner_text()
    # ... and follows the result's link to their letters.
    hr.get_by_test_id("import-letters-link").click()
    preview = hr.get_by_test_id("letters-preview")
    assert "将为 2 人打印开通通知书" in preview.inner_text()
    assert "古丽米热·艾则孜" in preview.inner_text() and "买买提·吐尔逊" in preview.inner_text()
    assert "原有的激活码立即作废" in hr.locator("main").inner_text()
    assert _fits(hr)
    hr.get_by_label("我已知晓").check()
    with hr.expect_download() as download_info:
        hr.get_by_role("button", name="生成并下载开通通知书（PDF）").click()
    letters_pdf = tmp_path / "letters.pdf"
    download_info.value.save_as(letters_pdf)
    pages = [page.extract_text() for page in PdfReader(str(letters_pdf)).pages]
    assert len(pages) == 2
    letter = next(text for text in pages if "古丽米热·艾则孜" in text)
    assert "W0001" in letter
    code = CODE.search(letter).group(0)

    # The official opens the page on their phone, types 工号 and code, chooses a password.
    phone = page_at(*PHONE)
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_role("link", name="收到开通通知书？激活账号").click()
    assert _fits(phone)
    phone.get_by_label("工号").fill("W0001")
    phone.get_by_label("激活码").fill(code.lower().replace("-", ""))
    phone.get_by_role("button", name="下一步").click()
    assert "古丽米热·艾则孜（工号 W0001），您好" in phone.get_by_test_id("activate-greeting").inner_text()
    assert _fits(phone)
    phone.get_by_label("设置密码").fill(PASSWORD)
    phone.get_by_label("再次输入密码").fill(PASSWORD)
    phone.get_by_role("button", name="激活并登录").click()
    phone.wait_for_url(live_server.url + "/")
    assert "账号已激活" in phone.locator(".messages").inner_text()
    assert "古丽米热·艾则孜，您好" in phone.locator("h1").inner_text()
    assert User.objects.get(employee_no="W0001").check_password(PASSWORD)

    # The same letter opens nothing a second time, with the one generic message.
    again = page_at(*PHONE)
    again.goto(f"{live_server.url}/accounts/activate/")
    again.get_by_label("工号").fill("W0001")
    again.get_by_label("激活码").fill(code)
    again.get_by_role("button", name="下一步").click()
    assert "工号或激活码不正确，或激活码已失效" in again.get_by_test_id("activate-error").inner_text()
    assert again.url.endswith("/accounts/activate/")
    # The other official's letter still works for them.
    assert not User.objects.get(employee_no="W0002").has_usable_password()
