"""QR check-in as an official does it: scan on a phone, sign in, checked in."""

import pytest

from classroom import checkin_codes
from classroom.models import Attendance
from tests.classroom.factories import TrainingSessionFactory
from tests.factories import UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def test_official_scans_on_a_phone_signs_in_and_is_checked_in(live_server, page_at, org_tree):
    official = UserFactory(employee_no="B2001", full_name="阿依古丽", org_unit=org_tree["shache_dept"])
    session = TrainingSessionFactory(title="行政许可法专题培训", audience_units=[org_tree["shache"]])
    page = page_at(*PHONE)
    page.goto(live_server.url + checkin_codes.checkin_path(session.pk, checkin_codes.window_at()))
    page.get_by_label("工号或邮箱").fill("B2001")
    page.get_by_label("密码").fill("pass12345")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/learning/sessions/checkin/resume/")
    assert "签到成功" in page.locator("h1").inner_text()
    assert "行政许可法专题培训" in page.locator("[data-testid=checkin-ok]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    assert Attendance.objects.filter(session=session, user=official).exists()


def test_expired_code_on_a_phone_shows_the_refusal(live_server, page_at, login_as, org_tree):
    official = UserFactory(org_unit=org_tree["shache_dept"])
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]])
    page = login_as(page_at(*PHONE), official)
    page.goto(live_server.url + checkin_codes.checkin_path(session.pk, checkin_codes.window_at() - 5))
    assert "二维码已过期，请重新扫描现场二维码" in page.locator("[data-testid=checkin-refused]").inner_text()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_organiser_qr_screen_shows_a_code_and_counts_down(live_server, page_at, login_as, trainer, org_tree, size):
    session = TrainingSessionFactory(organiser=trainer, audience_units=[org_tree["shache"]])
    page = login_as(page_at(*size), trainer)
    page.goto(live_server.url + f"/learning/sessions/manage/{session.pk}/qr/")
    code = page.locator("[data-qr-image] svg")
    assert code.is_visible()
    box = code.bounding_box()
    assert box["width"] >= min(size[0] * 0.7, 300) and box["x"] >= 0 and box["x"] + box["width"] <= size[0]
    first = int(page.locator("[data-qr-countdown]").inner_text())
    page.wait_for_timeout(2200)
    later = int(page.locator("[data-qr-countdown]").inner_text())
    assert later != first
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
