"""With the Content-Security-Policy enforced, each role's main pages load without a single violation.

A violation is caught twice: by a ``securitypolicyviolation`` listener installed before any
page script runs (it also sees blocked inline styles and handlers that never reach the
console), and by Chromium's console message, which survives navigations.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cms.setup import ensure_workflow_and_permissions
from core import timeutil
from exams.models import QuestionType
from tests.browser.conftest import DESKTOP, PHONE
from tests.cms import course_factories as cf
from tests.exams import factories_exams as f
from tests.learning.factories import credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    [e.effectiveDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample].join(" | ")
  );
});
"""


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


class Watched:
    """A page whose CSP violations are collected on every page it visits."""

    def __init__(self, page, base_url):
        self.page, self.base_url, self.seen = page, base_url, []
        page.context.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.seen.append(f"{self.page.url}: {message.text}")

    def visit(self, path: str):
        self.page.goto(self.base_url + path)
        return self.settle()

    def settle(self):
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(300)  # let deferred scripts and late styles run
        for violation in self.page.evaluate("() => window.__cspViolations || []"):
            self.seen.append(f"{self.page.url}: {violation}")
        return self.page

    def assert_clean(self):
        assert self.seen == [], "Content-Security-Policy violations:\n" + "\n".join(self.seen)


@pytest.fixture
def watched(page_at, login_as, live_server):
    def _open(user, viewport=DESKTOP):
        return Watched(login_as(page_at(*viewport), user), live_server.url)

    return _open


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_learner_pages_run_under_the_policy(watched, learner, viewport):
    course_page = cf.course(title="《行政处罚法》精讲", hours="2")
    lesson = cf.lesson(course_page, title="第一章 总则")
    f.exam([f.question(QuestionType.SINGLE, correct=("B",), stem="<p>行政处罚的设定权属于？</p>")], title="随堂测验")
    w = watched(learner, viewport)

    assert "法治学堂" in w.visit("/").title()
    w.visit(course_page.url)
    page = w.visit(lesson.url)
    page.locator("[data-study-status]").get_by_text("计时中").wait_for()
    w.visit("/exams/")
    page.get_by_role("link", name="随堂测验").click()
    page.get_by_test_id("start-exam").click()
    page.wait_for_selector("[data-exam-paper]")
    page.locator("[data-countdown]").filter(has_text=":").wait_for()
    w.settle()
    w.assert_clean()


def test_hr_compliance_page_draws_its_charts_under_the_policy(watched, hr_shache, org_tree):
    year = timeutil.current_year() - 1
    credit(hr_shache, hours="12.5", earned_on=dt.date(year, 5, 1))
    w = watched(hr_shache)

    page = w.visit(f"/learning/compliance/?year={year}")
    assert page.evaluate("() => !!Chart.getChart('chart-units') && !!Chart.getChart('chart-histogram')")
    w.assert_clean()


@pytest.mark.parametrize("role", ["trainer", "reviewer"])
def test_wagtail_admin_runs_under_the_policy(watched, request, role):
    lesson = cf.lesson(cf.course(title="《行政许可法》导读"), title="第二章 许可的设定")
    ensure_workflow_and_permissions()  # the trainer and reviewer groups' page permissions
    w = watched(request.getfixturevalue(role))

    page = w.visit("/cms/")
    assert page.title().startswith("控制面板")
    page = w.visit(f"/cms/pages/{lesson.pk}/edit/")
    # The StreamField editor is drawn by Wagtail's scripts, so the block appears only if they ran.
    page.get_by_text("随堂检测题").first.wait_for()
    # The live preview is an iframe of a page under /cms/ (framed by the editor itself).
    page.get_by_role("button", name="预览").first.click()
    page.frame_locator("iframe[src*='/edit/preview/']").last.get_by_role("heading", name="第二章 许可的设定").wait_for()
    w.settle()
    w.assert_clean()


def test_django_admin_runs_under_the_policy(watched, admin_user, learner):
    w = watched(admin_user)

    page = w.visit("/admin/")
    assert page.locator("#site-name").inner_text() == "法治学堂 · 系统管理"
    w.visit(f"/admin/accounts/user/{learner.pk}/change/")
    w.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_hr_signs_in_with_password_and_code_under_the_policy(page_at, live_server, org_tree, viewport):
    """The one way in, as a person walks it: Wagtail's sign-in leads to allauth's, which asks for the code."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from accounts.models import Role
    from tests.conftest import enable_totp
    from tests.factories import UserFactory

    hr = UserFactory(employee_no="HR-B1", full_name="王芳", org_unit=org_tree["shache"], roles=[Role.HR])
    hr.scope_units.add(org_tree["shache"])
    secret = enable_totp(hr)
    w = Watched(page_at(*viewport), live_server.url)

    page = w.visit("/cms/login/?next=/staff/")
    assert page.url.startswith(live_server.url + "/accounts/login/")
    page.get_by_label("工号或邮箱").fill("HR-B1")
    page.get_by_label("密码").fill("pass12345")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    w.settle()
    # Without the code nothing privileged opens.
    page = w.visit("/staff/")
    assert page.locator("h1").inner_text() == "没有访问权限"
    page.go_back()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + "/staff/")
    w.settle()
    assert page.locator("h1").inner_text() == "人员名册"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
    w.assert_clean()
