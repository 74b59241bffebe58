"""One way in: no route yields a privileged session without the second factor.

The sweep POSTs an administrator's correct password to every routed URL (ours,
Wagtail's, the Django admin's, allauth's) and proves that whatever session
comes out reaches no privileged page until TOTP was used in that session.
"""

import time
from urllib.parse import unquote

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.test import Client
from django.urls import path, reverse

from accounts.models import Role
from tests.auth import sign_in
from tests.conftest import enable_totp
from tests.factories import UserFactory
from tests.urlsweep import all_paths

PASSWORD = "pass12345"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def privileged_pages() -> list[str]:
    return ["/cms/", "/admin/", reverse("directory:staff_list"), reverse("mfa_index")]


def credentials_for(user) -> dict:
    """Every field name a sign-in form of Django, Wagtail or allauth asks for."""
    return {
        "login": user.employee_no,
        "username": user.employee_no,
        "employee_no": user.employee_no,
        "email": user.email,
        "password": PASSWORD,
        "remember": "on",
    }


def sweep(user) -> tuple[list[str], list[str]]:
    """POST ``user``'s password to every route; return (routes that signed in, routes that reached a privileged page)."""
    signed_in, holes = [], []
    for url, name in all_paths():
        client = Client(raise_request_exception=False)
        client.post(url, credentials_for(user))
        if client.session.get(SESSION_KEY) != str(user.pk):
            continue
        signed_in.append(url)
        reached = [page for page in privileged_pages() if client.get(page).status_code == 200]
        if reached:
            holes.append(f"{url} ({name}) -> {reached}")
        cache.clear()
    return signed_in, holes


@pytest.fixture
def administrator(org_tree):
    user = UserFactory(
        email="admin@example.cn", org_unit=org_tree["pref"], roles=[Role.ADMIN], is_staff=True, is_superuser=True
    )
    user.totp_secret = enable_totp(user)
    user.recovery_codes = RecoveryCodes.activate(user).get_unused_codes()
    return user


def test_no_route_yields_a_privileged_session_from_a_password(administrator):
    signed_in, holes = sweep(administrator)
    assert holes == []
    # allauth's own sign-in is among the routes swept, and it asks for the code first.
    assert reverse("account_login") not in signed_in
    assert len(all_paths()) > 300


urlpatterns_with_a_new_login = [path("canary-login/", LoginView.as_view(template_name="account/login.html"))]


def _urlconf_with_canary():
    import sys
    import types

    from config import urls

    module = types.ModuleType("tests_canary_urls")
    module.urlpatterns = urlpatterns_with_a_new_login + list(urls.urlpatterns)
    sys.modules["tests_canary_urls"] = module
    return "tests_canary_urls"


def test_a_login_route_added_later_still_cannot_skip_the_second_factor(administrator, settings):
    settings.ROOT_URLCONF = _urlconf_with_canary()
    signed_in, holes = sweep(administrator)
    assert "/canary-login/" in signed_in  # Django's LoginView happily signs the password in...
    assert holes == []  # ...but the session reaches nothing privileged.


def test_the_sweep_fails_when_the_second_factor_check_is_missing(administrator, settings):
    """The sweep can fail: without the middleware the new route is reported as a hole."""
    settings.ROOT_URLCONF = _urlconf_with_canary()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "accounts.middleware.RequireSecondFactorMiddleware"]
    _, holes = sweep(administrator)
    assert any(hole.startswith("/canary-login/") for hole in holes)


@pytest.mark.parametrize(
    "url, target",
    [
        ("/cms/login/?next=/cms/", "/accounts/login/?next=/cms/"),
        ("/_util/login/?next=/courses/", "/accounts/login/?next=/courses/"),
        ("/admin/login/?next=/admin/", "/accounts/login/?next=/admin/"),
        ("/cms/password_reset/", "/accounts/password/reset/"),
        ("/cms/password_reset/confirm/abc/def/", "/accounts/password/reset/"),
        ("/admin/password_change/", "/accounts/password/change/"),
    ],
)
def test_other_sign_in_and_password_pages_lead_to_allauth(client, db, url, target):
    response = client.get(url)
    assert response.status_code in (301, 302)
    assert response["Location"] == target


@pytest.mark.parametrize("area", ["/cms/", "/admin/"])
def test_wagtail_and_admin_send_anonymous_people_to_allauth(client, db, area):
    response = client.get(area, follow=True)
    assert unquote(response.redirect_chain[-1][0]) == f"/accounts/login/?next={area}"
    assert response.status_code == 200


@pytest.mark.parametrize("area", ["/cms/", "/admin/"])
def test_a_signed_in_learner_gets_the_403_page_not_a_redirect_loop(client_for, learner, area):
    response = client_for(learner).get(area, follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1
    assert "没有访问权限" in response.content.decode()


def test_password_then_code_signs_in_through_allauth(client, administrator):
    response = client.post(reverse("account_login"), {"login": administrator.employee_no, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/cms/").status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(administrator.totp_secret)})
    assert response.status_code == 302
    for page in privileged_pages():
        assert client.get(page).status_code == 200, page


def test_a_recovery_code_is_a_second_factor_too(client, administrator):
    code = administrator.recovery_codes[0]
    client.post(reverse("account_login"), {"login": administrator.employee_no, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get("/cms/").status_code == 200


def test_password_only_session_is_asked_for_the_code_even_on_account_pages(client, administrator):
    sign_in(client, administrator, second_factor=False)
    for page in [*privileged_pages(), reverse("account_email"), reverse("mfa_deactivate_totp"), "/"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("mfa_reauthenticate")), page
    # Proving the code there lets the person in.
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(administrator.totp_secret)})
    assert client.get("/cms/").status_code == 200


def test_proof_of_one_account_does_not_carry_over_to_another(client, administrator, org_tree):
    other = UserFactory(org_unit=org_tree["pref"], roles=[Role.HR])
    enable_totp(other)
    sign_in(client, administrator)
    client.force_login(other)  # a second sign-in in the same browser, by a route without the code
    assert client.get(reverse("directory:staff_list"))["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_learner_with_totp_who_skipped_it_owes_the_code(org_tree, settings):
    settings.ROOT_URLCONF = _urlconf_with_canary()
    learner = UserFactory(org_unit=org_tree["pref"])
    secret = enable_totp(learner)
    client = Client()
    client.post("/canary-login/", {"username": learner.employee_no, "password": PASSWORD})
    assert client.session.get(SESSION_KEY) == str(learner.pk)
    assert client.get("/")["Location"].startswith(reverse("mfa_reauthenticate"))
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert client.get("/").status_code == 200


def test_learner_without_totp_is_not_asked(client, learner):
    client.post(reverse("account_login"), {"login": learner.employee_no, "password": PASSWORD})
    assert client.get("/").status_code == 200


SENSITIVE = [
    ("mfa_view_recovery_codes", None),
    ("mfa_deactivate_totp", None),
    ("mfa_generate_recovery_codes", None),
]


@pytest.mark.parametrize("page, data", SENSITIVE)
def test_sensitive_account_pages_reauthenticate_with_the_code_never_the_password(client, administrator, page, data):
    def attempt():
        url = reverse(page)
        return client.post(url, data) if data else client.get(url)

    sign_in(client, administrator)
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 3600  # signed in an hour ago: the change wants a fresh confirmation
    session.save()
    response = attempt()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate")), response["Location"]
    # The password form is not offered to an account with TOTP, and its POST proves nothing.
    assert client.get(reverse("account_reauthenticate"))["Location"].startswith(reverse("mfa_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert attempt()["Location"].startswith(reverse("mfa_reauthenticate"))
    # The code does.
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(administrator.totp_secret)})
    response = attempt()
    assert response.status_code == (302 if data else 200)
    assert not response.get("Location", "").startswith(reverse("mfa_reauthenticate"))


def test_recovery_codes_are_not_shown_after_a_password_only_reauthentication(client, administrator):
    codes = administrator.recovery_codes
    sign_in(client, administrator, second_factor=False)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    html = client.get(reverse("mfa_view_recovery_codes"), follow=True).content.decode()
    assert not any(code in html for code in codes)
    assert Authenticator.objects.filter(user=administrator).count() == 2


def test_an_account_with_totp_cannot_switch_its_login_email_on_the_account_pages(client, administrator):
    sign_in(client, administrator)
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(administrator.totp_secret)})
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new-address@example.cn"})
    assert "您不能在开启了两步验证的账户中添加电子邮件地址" in response.content.decode()
    administrator.refresh_from_db()
    assert administrator.email == "admin@example.cn"


def test_a_learner_confirms_an_email_change_with_the_password(client, learner):
    sign_in(client, learner)
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 3600
    session.save()
    response = client.post(reverse("account_email"), {"action_add": "", "email": "mine@example.cn"})
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_only_allauth_sends_a_password_reset_link(administrator, mailoutbox):
    """Password reset is allauth's alone (rate-limited): POSTing an address to every route mails it once."""
    senders = []
    for url, name in all_paths():
        before = len(mailoutbox)
        Client(raise_request_exception=False).post(url, {"email": administrator.email})
        if len(mailoutbox) > before:
            senders.append(name)
    assert senders == ["account_reset_password"]
