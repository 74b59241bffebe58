import pytest

from tests.factories import UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_learner_signs_in_through_the_form(live_server, page_at, org_tree, size):
    UserFactory(employee_no="B1001", full_name="艾力·买买提", org_unit=org_tree["shache_dept"])
    page = page_at(*size)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("工号或邮箱").fill("B1001")
    page.get_by_label("密码").fill("pass12345")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    assert "艾力·买买提，您好" in page.locator("h1").inner_text()
    # On a phone the navigation folds behind the menu button; on a desktop it is visible.
    nav = page.locator("#site-nav")
    if size == PHONE:
        assert not nav.is_visible()
        page.locator("[data-nav-toggle]").click()
    assert nav.is_visible()
    assert page.get_by_role("button", name="退出").is_visible()
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
