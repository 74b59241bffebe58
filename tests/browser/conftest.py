"""Playwright for Python driving Debian's Chromium (never a downloaded browser).

Fixtures: ``browser`` (session), ``page_at(width, height)`` → a new page at that
viewport, ``login_as(page, user)`` → puts a signed-in session cookie for ``user``
(created with Django's test client) into the page's context. A screenshot of
every page is saved to test-artifacts/ when a browser test fails.
"""

from pathlib import Path

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = (375, 812)
DESKTOP = (1280, 900)


@pytest.fixture(scope="session")
def browser():
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_at(browser, request):
    pages = []

    def _new(width, height=900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        pages.append(page)
        return page

    yield _new
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, page in enumerate(pages):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
        page.context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def login_as(live_server):
    from django.conf import settings
    from django.test import Client

    def _login(page, user):
        from tests.auth import sign_in

        client = sign_in(Client(), user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return _login
