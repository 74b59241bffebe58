"""Single sign-on in Chromium: the button on the sign-in page, the provider's page, and back signed in (or refused)."""

import pytest

from accounts.models import AuditLog
from tests.accounts.test_sso import totp_code
from tests.factories import UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def sign_in_at_provider(page, account: str) -> None:
    page.wait_for_selector("text=测试身份认证平台")
    page.select_option("select[name=login]", account)
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_learner_signs_in_with_the_government_identity_provider(live_server, page_at, sso_settings, org_tree, size):
    UserFactory(employee_no="S1001", full_name="艾力·买买提", org_unit=org_tree["shache_dept"])
    page = page_at(*size)
    page.goto(live_server.url + "/accounts/login/")
    button = page.get_by_role("button", name="使用政务统一身份认证登录")
    assert button.is_visible()
    # The password form comes first, the single sign-on below it; nothing is wider than the screen.
    assert page.get_by_label("工号或邮箱").bounding_box()["y"] < button.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    button.click()
    sign_in_at_provider(page, "sub-learner")
    page.wait_for_url(live_server.url + "/")
    assert "艾力·买买提，您好" in page.locator("h1").inner_text()
    assert AuditLog.objects.filter(action="sso_sign_in").count() == 1


def test_an_unknown_employee_no_is_told_why_on_the_sign_in_page(live_server, page_at, sso_settings, db):
    page = page_at(*PHONE)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="使用政务统一身份认证登录").click()
    sign_in_at_provider(page, "sub-stranger")
    page.wait_for_url(live_server.url + "/accounts/login/")
    message = page.locator(".messages").inner_text()
    assert "本系统的人员名单中没有工号为 S9999 的人员" in message
    assert page.get_by_role("button", name="使用政务统一身份认证登录").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


def test_a_privileged_person_is_asked_for_the_code_after_the_provider(live_server, page_at, sso_settings, org_tree):
    from accounts.models import Role
    from tests.conftest import enable_totp

    trainer = UserFactory(employee_no="S2001", full_name="王培训", org_unit=org_tree["pref"], roles=[Role.TRAINER])
    secret = enable_totp(trainer)
    page = page_at(*DESKTOP)
    page.goto(live_server.url + "/accounts/login/?next=/cms/")
    page.get_by_role("button", name="使用政务统一身份认证登录").click()
    sign_in_at_provider(page, "sub-trainer-pwd")
    page.wait_for_url(live_server.url + "/accounts/2fa/authenticate/")
    # The CMS is out of reach until the code is given: it leads back to the code page.
    page.goto(live_server.url + "/cms/")
    assert page.url == live_server.url + "/accounts/2fa/authenticate/"
    page.get_by_label("代码").fill(totp_code(secret))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/cms/")
    assert page.locator("body").inner_text().count("王培训") >= 1
