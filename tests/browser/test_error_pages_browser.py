"""The 404 and 403 pages on a phone and a desktop: the heading, the way back, nothing wider than the screen."""

import pytest

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])


def assert_fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@SIZES
def test_missing_page_shows_the_heading_and_the_way_back(live_server, page_at, login_as, learner, size):
    page = login_as(page_at(*size), learner)
    came_from = live_server.url + "/learning/hours/"
    response = page.goto(live_server.url + "/learning/no-such-page/", referer=came_from)
    assert response.status == 404
    assert page.locator(".site-header .brand").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "页面不存在"
    assert page.get_by_text("您要找的页面不存在，可能链接有误或内容已被移除。").is_visible()
    home = page.get_by_role("link", name="返回首页")
    assert home.is_visible() and home.get_attribute("href") == "/"
    assert_fits(page, size[0])
    page.get_by_role("link", name="返回上一页").click()
    page.wait_for_url(came_from)


@SIZES
def test_learner_on_an_hr_page_sees_the_403_page(live_server, page_at, login_as, learner, size):
    page = login_as(page_at(*size), learner)
    came_from = live_server.url + "/learning/hours/"
    response = page.goto(live_server.url + "/learning/compliance/", referer=came_from)
    assert response.status == 403
    assert page.locator(".site-header .brand").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "没有访问权限"
    assert page.get_by_text("如果您认为应当有权限，请联系本单位的人事/合规专员。").is_visible()
    assert page.get_by_role("link", name="返回首页").is_visible()
    assert_fits(page, size[0])
    page.get_by_role("link", name="返回上一页").click()
    page.wait_for_url(came_from)
