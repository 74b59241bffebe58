"""Smoke test of the production stack through nginx (deploy/stack.sh test).

Each demo role signs in the one way in (allauth, password then TOTP), opens its main
pages under the Content-Security-Policy; HR exports the compliance workbook, has the
Celery worker issue last year's certificates for 莎车县 and downloads the ZIP and a PDF
(the PDF through nginx's X-Accel-Redirect location); the learner starts the annual exam
and saves an answer. Static files must come from nginx, never from gunicorn.

Only HTTPS to ``FAZHI_STACK_URL`` (and the stack's gunicorn access log in
``FAZHI_STACK_LOGS``); no database access. Skipped unless the stack is named.
"""

from __future__ import annotations

import io
import re
import ssl
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

STACK_URL = settings.STACK_URL
STACK_LOGS = settings.STACK_LOGS

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(not STACK_URL, reason="needs the production stack: run deploy/stack.sh test (FAZHI_STACK_URL)"),
]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Fazhi@2026demo"
HASHED_STATIC_CACHE = "public, max-age=31536000, immutable"
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push([e.effectiveDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber].join(" | "));
});
"""


def _fetch(path: str, method: str = "GET"):
    """One request to the stack, ignoring the throw-away certificate; (status, headers, body)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(STACK_URL + path, method=method)
    try:
        with urllib.request.urlopen(request, context=context, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def totp_code(employee_no: str) -> str:
    """The demo account's current code; waits out the last seconds of a period so it is not stale on arrival."""
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from demo.people import DEMO_TOTP_SECRETS

    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.2)
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRETS[employee_no], int(time.time()) // period))


@pytest.fixture(scope="module")
def browser():
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=ARGS, headless=True)
        yield browser
        browser.close()


class Visitor:
    """A browser context on the stack that collects CSP violations and failed page loads."""

    def __init__(self, browser):
        self.context = browser.new_context(
            ignore_https_errors=True, accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        self.context.add_init_script(COLLECT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.problems.append(f"{self.page.url}: {message.text}")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")

    def settle(self):
        self.page.wait_for_load_state("networkidle")
        for violation in self.page.evaluate("() => window.__cspViolations || []"):
            self.problems.append(f"{self.page.url}: {violation}")
        return self.page

    def visit(self, path: str, heading: str | None = None):
        response = self.page.goto(STACK_URL + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        page = self.settle()
        if heading is not None:
            assert heading in page.locator("h1").first.inner_text(), path
        return page

    def sign_in(self, employee_no: str, *, totp: bool = True):
        page = self.page
        page.goto(STACK_URL + "/accounts/login/")
        page.get_by_label("工号或邮箱").fill(employee_no)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        if totp:
            page.wait_for_url("**/accounts/2fa/authenticate/**")
            self.settle()
            page.locator("input[name=code]").fill(totp_code(employee_no))
            page.locator("form button[type=submit]").first.click()
        page.wait_for_url(STACK_URL + "/")
        assert "您好" in self.settle().locator("h1").first.inner_text()
        return page

    def assert_clean(self):
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def visitor(browser, request):
    visitors = []

    def _new():
        visitors.append(Visitor(browser))
        return visitors[-1]

    yield _new
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, v in enumerate(visitors):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            v.page.screenshot(path=str(ARTIFACTS / f"deploy-{request.node.name}-{i}.png"), full_page=True)
        v.context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- nginx itself --------------------------------------------------------------------


def test_static_files_come_from_nginx_with_long_cache_headers():
    status, _, body = _fetch("/accounts/login/")
    assert status == 200
    assets = sorted(set(re.findall(r'"(/static/[^"]+)"', body.decode())))
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        status, headers, content = _fetch(asset)
        assert status == 200 and content, asset
        # nginx's header, not WhiteNoise's ("max-age=315360000, public, immutable"), and none of
        # the headers Django's middleware adds to everything it answers.
        assert headers["Cache-Control"] == HASHED_STATIC_CACHE, asset
        assert headers["Server"] == "nginx"
        assert "Cross-Origin-Opener-Policy" not in headers and "X-Request-ID" not in headers
    if STACK_LOGS:
        requests_seen_by_gunicorn = (Path(STACK_LOGS) / "gunicorn-access.log").read_text()
        assert "/accounts/login/" in requests_seen_by_gunicorn
        assert "/static/" not in requests_seen_by_gunicorn


def test_private_files_and_uploaded_files_are_not_published():
    assert _fetch("/_private/certificates/")[0] == 404
    # Nothing under MEDIA_ROOT is published: nginx's location is internal, /media/ asks Django.
    assert _fetch("/_media/original_images/xzcf-cover.png")[0] == 404
    assert _fetch("/media/original_images/xzcf-cover.png")[0] == 403
    assert _fetch("/media/documents/anything.pdf")[0] == 403


def test_pages_come_from_django_over_tls_with_its_security_headers():
    status, headers, _ = _fetch("/accounts/login/")
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "script-src 'self' 'nonce-" in headers["Content-Security-Policy"]
    assert headers["Server"] == "nginx"  # gunicorn's own Server header is not passed on


# --- lesson attachments: only to the signed-in audience, the bytes from nginx ---------------


def test_lesson_attachments_go_to_the_learner_through_nginx_and_to_no_visitor(visitor):
    """seed_demo gives 《行政处罚法》精讲 a cover and its first lesson a PDF with a Chinese file name."""
    v = visitor()
    v.sign_in("demo_learner", totp=False)
    page = v.visit("/courses/xzcf-jingjiang/", "《行政处罚法》精讲")
    cover = page.locator(".course-head-cover img").get_attribute("src")
    assert cover.startswith("/media/images/")
    page.locator(".lesson-list a").first.click()
    v.settle()
    handout = page.locator(".lesson-document a").first.get_attribute("href")
    assert handout.startswith("/documents/")

    for path, content_type, magic in ((handout, "application/pdf", b"%PDF"), (cover, "image/png", b"\x89PNG")):
        response = v.context.request.get(STACK_URL + path)
        assert response.status == 200, path
        headers, body = response.headers, response.body()
        assert body.startswith(magic) and int(headers["content-length"]) == len(body)
        assert headers["content-type"] == content_type
        # Set only by nginx's internal location: the view checked, nginx sent the file.
        assert headers["cache-control"] == "private, max-age=3600"
        assert "x-accel-redirect" not in headers and headers["server"] == "nginx"
        # Byte ranges (video seeking) come from nginx too.
        ranged = v.context.request.get(STACK_URL + path, headers={"Range": "bytes=0-3"})
        assert ranged.status == 206 and ranged.body() == magic

        status, _, anonymous_body = _fetch(path)
        assert status == 403 and magic not in anonymous_body[:16], path
    if STACK_LOGS:
        seen_by_gunicorn = (Path(STACK_LOGS) / "gunicorn-access.log").read_text()
        assert "/documents/" in seen_by_gunicorn and "/media/images/" in seen_by_gunicorn
    v.assert_clean()


# --- each role through the one way in ------------------------------------------------


def test_learner_signs_in_opens_pages_and_saves_an_exam_answer(visitor):
    v = visitor()
    v.sign_in("demo_learner", totp=False)
    v.visit("/learning/hours/", "我的学时")
    v.visit("/certificates/", "我的证书")
    page = v.visit("/exams/", "我的考试")
    page.get_by_role("link", name=re.compile("法律知识考试")).first.click()
    v.settle()
    page.get_by_test_id("start-exam").click()
    page.wait_for_selector("[data-exam-paper]")
    choice = page.locator("[data-exam-paper] input[type=radio], [data-exam-paper] input[type=checkbox]").first
    question = choice.get_attribute("name")
    with page.expect_response(lambda r: r.url.endswith("/save/") and r.request.method == "POST") as saved:
        choice.check()
    assert saved.value.status == 200, saved.value.text()
    page.locator(f"#{question} [data-save-state]").filter(has_text="已保存").wait_for()
    v.settle()
    v.assert_clean()


@pytest.mark.parametrize(
    ("employee_no", "pages"),
    [
        ("demo_trainer", [("/exams/stats/", "成绩统计")]),
        ("demo_reviewer", [("/exams/", "我的考试")]),
    ],
)
def test_trainer_and_reviewer_sign_in_with_totp_and_open_the_cms(visitor, employee_no, pages):
    v = visitor()
    v.sign_in(employee_no)
    for path, heading in pages:
        v.visit(path, heading)
    page = v.visit("/cms/")
    assert page.title().startswith("控制面板")
    v.assert_clean()


def test_admin_signs_in_with_totp_and_opens_the_admin_and_the_roster(visitor):
    v = visitor()
    v.sign_in("demo_admin")
    v.visit("/staff/", "人员名册")
    page = v.visit("/admin/")
    assert page.locator("#site-name").inner_text() == "法治学堂 · 系统管理"
    v.assert_clean()


def test_hr_exports_compliance_and_downloads_certificates_through_nginx(visitor):
    from openpyxl import load_workbook

    v = visitor()
    page = v.sign_in("demo_hr")
    v.visit("/staff/", "人员名册")
    page = v.visit("/learning/compliance/", "学时达标情况")
    assert page.evaluate("() => !!Chart.getChart('chart-units') && !!Chart.getChart('chart-histogram')")

    with page.expect_download() as download:
        page.get_by_test_id("export-link").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) > 2 and any("莎车县" in str(cell) for row in rows for cell in row if cell)

    # Last year is closed: the Celery worker issues 莎车县's certificates and zips them.
    page = v.visit("/certificates/bulk/")
    year = str(time.localtime().tm_year - 1)
    page.locator("#id_year").select_option(year)
    scope_root = page.locator("#id_unit option").first  # units in path order: 莎车县 before its departments
    assert scope_root.inner_text().endswith("莎车县")
    page.locator("#id_unit").select_option(scope_root.get_attribute("value"))
    page.get_by_role("button", name="开始颁发").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/"))
    # The progress page polls and reloads itself once the job is done; navigating here as well
    # would race that reload.
    link = page.get_by_test_id("job-download")
    link.wait_for(state="visible", timeout=90_000)
    with page.expect_download() as download:
        link.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        assert names and all(archive.read(name).startswith(b"%PDF") for name in names)

    # HR's own certificate (王芳 met last year's requirement): the view checks and nginx sends the file.
    page = v.visit("/certificates/", "我的证书")
    href = page.get_by_role("link", name="下载 PDF").first.get_attribute("href")
    response = v.context.request.get(STACK_URL + href)
    assert response.status == 200
    headers = response.headers
    assert "x-accel-redirect" not in headers
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["cache-control"] == "private, no-store"  # set only by nginx's internal location
    body = response.body()
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    assert int(headers["content-length"]) == len(body)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").first.click()
    assert Path(download.value.path()).read_bytes() == body
    v.assert_clean()
