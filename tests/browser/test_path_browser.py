"""“我的达标路径” on a phone, and the review roster download for HR."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from core import timeutil
from review.services.review import run_annual_review
from tests.cms import course_factories as cf
from tests.factories import UserFactory
from tests.learning import factories_review as fr
from tests.learning.factories import credit

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser
LAST_YEAR = timeutil.current_year() - 1


@pytest.mark.django_db(transaction=True)
def test_official_behind_pace_follows_a_suggestion_to_a_course_on_a_phone(live_server, page_at, login_as, org_tree):
    official = UserFactory(full_name="买买提·落后", org_unit=org_tree["shache_dept"])
    credit(official, hours="5", earned_on=timeutil.today())
    course, _lessons = cf.course_with_lessons(1, title="《行政处罚法》听证程序精讲", hours="4")
    cf.course(title="疏附县专属课程", units=[org_tree["shufu"]])

    page = login_as(page_at(*PHONE), official)
    page.goto(f"{live_server.url}/learning/path/")
    assert "我的达标路径" in page.locator("h1").inner_text()
    assert page.get_by_test_id("path-hours").inner_text() == "5"
    assert "全年学时还差 55 学时" in page.get_by_test_id("path-missing").inner_text()
    assert "仍差 51 学时" in page.get_by_test_id("path-summary").inner_text()
    assert "疏附县专属课程" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    suggestion = page.get_by_test_id("path-item").filter(has_text="听证程序精讲")
    assert "+4" in suggestion.inner_text()
    suggestion.get_by_role("link", name="《行政处罚法》听证程序精讲").click()
    page.wait_for_url(f"**{course.url}")
    assert "听证程序精讲" in page.locator("h1").inner_text()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_hr_downloads_the_review_roster(live_server, page_at, login_as, hr_shache, org_tree, viewport, tmp_path):
    short = fr.officer(org_tree["shache_dept"], full_name="阿依古丽·差学时", employee_no="SC201")
    fine = fr.officer(org_tree["shache_dept"], full_name="热合曼·达标", employee_no="SC202")
    outside = fr.officer(org_tree["shufu_dept"], full_name="疏附·范围外", employee_no="SF201")
    credit(short, hours="52.5", earned_on=dt.date(LAST_YEAR, 5, 1))
    credit(fine, hours="60", earned_on=dt.date(LAST_YEAR, 5, 1))
    assert outside
    run_annual_review(year=LAST_YEAR)

    page = login_as(page_at(*viewport), hr_shache)
    page.goto(f"{live_server.url}/learning/review/roster/?year={LAST_YEAR}")
    assert "年度执法证年审名册" in page.locator("h1").inner_text()
    assert "差 7.5 学时" in page.get_by_test_id("roster-table").inner_text()
    assert "疏附·范围外" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]

    # The export runs as a background job (eagerly here): its page offers the file when done.
    page.get_by_test_id("roster-xlsx").click()
    page.wait_for_url("**/jobs/*/")
    assert page.get_by_test_id("job-status").inner_text() == "已完成"
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    target = tmp_path / "roster.xlsx"
    download_info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("执法证号", "姓名", "工号")
    by_no = {r[2]: r for r in rows[1:]}
    assert set(by_no) == {"SC201", "SC202"}
    assert by_no["SC201"][8] == "未通过" and by_no["SC201"][9] == "差 7.5 学时" and by_no["SC201"][11] == "待审核"
    assert by_no["SC202"][8] == "通过" and by_no["SC202"][5] == 60
