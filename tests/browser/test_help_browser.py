"""A trainer reads the illustrated guides in a real browser: every screenshot loads, on a desktop and a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

WAIT_FOR_IMAGE = """(img) => img.complete ? true : new Promise((done) => {
  img.addEventListener("load", () => done(true));
  img.addEventListener("error", () => done(false));
})"""
LOADED_IMAGES = """() => [...document.querySelectorAll("[data-testid=help-body] img")].map(
  (img) => [img.getAttribute("src"), img.complete && img.naturalWidth > 0, img.getBoundingClientRect().width]
)"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("slug", ["courses", "classroom"])
def test_a_trainer_reads_a_guide_with_all_its_pictures(live_server, page_at, login_as, trainer, size, slug):
    page = login_as(page_at(*size), trainer)
    page.goto(live_server.url + reverse("help:page", args=[slug]))
    page.wait_for_load_state("networkidle")
    for img in page.locator("[data-testid=help-body] img").all():
        img.scroll_into_view_if_needed()  # the pictures load lazily: wait for each to arrive or fail
        img.evaluate(WAIT_FOR_IMAGE)
    images = page.evaluate(LOADED_IMAGES)
    assert len(images) >= 6
    assert [src for src, loaded, _width in images if not loaded] == []
    assert all(width <= size[0] for _src, _loaded, width in images)
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]


def test_the_cms_dashboard_leads_to_the_course_guide(live_server, page_at, login_as, trainer):
    page = login_as(page_at(*DESKTOP), trainer)
    page.goto(live_server.url + reverse("wagtailadmin_home"))
    page.get_by_role("link", name="使用说明：建设课程与课时").click()
    page.wait_for_url(live_server.url + reverse("help:page", args=["courses"]))
    assert page.locator("h1").first.inner_text() == "建设课程与课时（培训管理员使用说明）"
