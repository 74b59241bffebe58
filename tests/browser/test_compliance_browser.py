"""What an HR officer sees on the compliance pages: figures, charts, drill-down, Excel export."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from core import timeutil
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory
from tests.learning.factories import credit

pytestmark = pytest.mark.browser
YEAR = timeutil.current_year() - 1


@pytest.fixture
def staff(org_tree):
    day = dt.date(YEAR, 5, 1)
    people = {
        "ok": UserFactory(full_name="热合曼·达标", employee_no="SC100", org_unit=org_tree["shache_dept"]),
        "low": UserFactory(full_name="阿依古丽·未达标", employee_no="SC101", org_unit=org_tree["shache_dept"]),
        "out": UserFactory(full_name="疏附·范围外", employee_no="SF100", org_unit=org_tree["shufu_dept"]),
    }
    credit(people["ok"], hours="62", earned_on=day, ref="《行政处罚法》精讲")
    credit(people["low"], hours="12.5", earned_on=day, ref="法治讲堂·逢九必讲")
    credit(people["out"], hours="70", earned_on=day)
    return people


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_hr_drills_down_to_a_person_and_downloads_the_excel(
    page_at, login_as, live_server, hr_shache, staff, viewport, tmp_path
):
    page = login_as(page_at(*viewport), hr_shache)
    page.goto(f"{live_server.url}/learning/compliance/?year={YEAR}")
    assert "莎车县" in page.locator("h1").inner_text()
    stats = page.get_by_test_id("compliance-stats").inner_text()
    assert "3" in stats  # two officials and the officer herself
    # Both charts were drawn by Chart.js (a drawn canvas has a chart instance attached).
    assert page.evaluate("() => !!Chart.getChart('chart-units') && !!Chart.getChart('chart-histogram')")
    assert page.evaluate("() => document.getElementById('chart-units').getBoundingClientRect().width") <= viewport[0]
    assert "疏附·范围外" not in page.content()

    page.get_by_test_id("unit-table").get_by_role("link", name="莎车县市场监督管理局").click()
    page.wait_for_url("**unit=KS-SC-SJ**")
    page.get_by_test_id("people-table").get_by_role("link", name="阿依古丽·未达标").click()
    page.wait_for_url("**/compliance/person/**")
    assert page.get_by_test_id("hours-total").inner_text() == "12.5"
    assert "法治讲堂·逢九必讲" in page.get_by_test_id("ledger-table").inner_text()
    page.locator(".breadcrumbs").get_by_role("link", name="莎车县", exact=True).click()
    page.wait_for_url("**unit=KS-SC**")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-link").click()
    target = tmp_path / "compliance.xlsx"
    download_info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工号", "姓名", "单位路径")
    by_no = {r[0]: r for r in rows[1:]}
    assert set(by_no) == {"SC100", "SC101", hr_shache.employee_no}
    assert by_no["SC100"][4] == 62 and by_no["SC100"][6] == "是"
    assert by_no["SC101"][4] == 12.5 and by_no["SC101"][6] == "否"
