"""Government single sign-on against a real OpenID Connect provider (npm's oidc-provider, tests/accounts/oidc_provider).

The staff file stays the source of truth (a matching, active 工号 or nothing), and the one way
in holds: a privileged person gives the TOTP code unless the provider asserted its own second
factor in the ID token's ``amr`` claim.
"""

import time

import pytest
from allauth.account.authentication import get_authentication_records
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth import SESSION_KEY
from django.core import checks
from django.urls import reverse

from accounts import sso
from accounts.middleware import second_factor_used
from accounts.models import AuditLog, Role, User
from tests.conftest import enable_totp
from tests.factories import UserFactory

from .oidc_server import CALLBACK_PATH, LOGIN_PATH, free_port, start, through_provider

PRIVILEGED_PAGES = ["/cms/", "/admin/"]


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def signed_in_as(client):
    return client.session.get(SESSION_KEY)


def messages_on(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def aili(org_tree):
    """The learner whose 工号 the provider's ``sub-learner`` carries."""
    return UserFactory(employee_no="S1001", full_name="艾力·买买提", org_unit=org_tree["shache_dept"])


@pytest.fixture
def sso_trainer(org_tree):
    """A privileged person with TOTP; the provider knows them as sub-trainer-pwd / -mfa / -sms."""
    user = UserFactory(employee_no="S2001", full_name="王培训", org_unit=org_tree["pref"], roles=[Role.TRAINER])
    user.is_staff = True
    user.save()
    user.totp_secret = enable_totp(user)
    return user


def refusals(reason: str):
    return AuditLog.objects.filter(action=sso.REFUSED_ACTION, details__reason=reason)


# --- off unless configured ------------------------------------------------------------------


def test_without_configuration_there_is_no_button_and_the_routes_do_nothing(client, db, settings):
    settings.OIDC_SERVER_URL = ""
    settings.OIDC_CLIENT_ID = ""
    page = client.get(reverse("account_login")).content.decode()
    assert 'data-testid="sso-login"' not in page
    assert "统一身份认证" not in page
    assert client.post(LOGIN_PATH + "?process=login").status_code == 404
    assert client.get(LOGIN_PATH).status_code == 404
    assert client.get(CALLBACK_PATH + "?code=x&state=y").status_code == 404
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "path", ["/accounts/3rdparty/", "/accounts/3rdparty/signup/", "/accounts/3rdparty/login/error/"]
)
def test_allauths_connection_and_signup_pages_are_closed_even_when_configured(client, db, sso_settings, path):
    assert client.get(path).status_code == 404


def test_the_sign_in_page_offers_the_button_in_chinese(client, sso_settings):
    page = client.get(reverse("account_login") + "?next=/learning/").content.decode()
    assert "使用政务统一身份认证登录" in page
    assert f'action="{LOGIN_PATH}?process=login&amp;next=%2Flearning%2F"' in page
    # The activation link another feature put there stays.
    assert 'data-testid="activate-link"' in page


def test_the_button_label_and_name_come_from_the_environment(client, sso_settings):
    sso_settings.OIDC_DISPLAY_NAME = "喀什地区政务服务统一身份认证"
    page = client.get(reverse("account_login")).content.decode()
    assert "使用喀什地区政务服务统一身份认证登录" in page
    sso_settings.OIDC_LOGIN_LABEL = "扫码登录（政务通）"
    page = client.get(reverse("account_login")).content.decode()
    assert "扫码登录（政务通）" in page


def _form_action(response) -> str:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))["form-action"]


def test_only_the_sign_in_page_may_send_its_form_on_to_the_provider(client, sso_settings, aili):
    """allauth answers the button with a redirect to the provider: the sign-in page's form-action allows its origin."""
    assert _form_action(client.get(reverse("account_login"))) == f"'self' {sso_settings.OIDC_SERVER_URL}"
    assert _form_action(client.get(reverse("account_reset_password"))) == "'self'"
    sso_settings.OIDC_SERVER_URL = ""
    sso_settings.OIDC_CLIENT_ID = ""
    assert _form_action(client.get(reverse("account_login"))) == "'self'"


# --- the flow -------------------------------------------------------------------------------


def test_a_learner_with_a_matching_employee_no_signs_in(client, sso_settings, aili):
    users_before = User.objects.count()
    flow = through_provider(client, "sub-learner", next_url="/learning/")
    # allauth sent PKCE (S256) and state; the provider requires PKCE of every request.
    assert flow.authorize_params["code_challenge_method"] == "S256"
    assert flow.authorize_params["state"]
    assert sorted(flow.authorize_params["scope"].split()) == ["openid", "profile", "staff"]
    assert flow.response.status_code == 302
    assert flow.response["Location"] == "/learning/"
    assert signed_in_as(client) == str(aili.pk)
    assert client.get("/").status_code == 200
    # Nothing was created or linked: the staff file stays the source of truth.
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert not SocialToken.objects.exists()
    entry = AuditLog.objects.get(action=sso.SIGN_IN_ACTION)
    assert entry.actor == aili
    assert entry.details["employee_no"] == "S1001"
    assert entry.details["sub"] == "sub-learner"
    assert entry.details["second_factor"] == "none"
    assert "艾力·买买提" in entry.summary


def test_matching_is_by_employee_no_not_by_the_providers_subject(client, sso_settings, org_tree):
    """Two provider identities carrying the same 工号 reach the same account; the subject links nothing."""
    person = UserFactory(employee_no="S2001", full_name="王培训", org_unit=org_tree["pref"])
    through_provider(client, "sub-trainer-pwd")
    assert signed_in_as(client) == str(person.pk)
    client.logout()
    through_provider(client, "sub-trainer-sms")
    assert signed_in_as(client) == str(person.pk)
    assert not SocialAccount.objects.exists()


def test_an_unknown_employee_no_is_refused_and_nothing_is_created(client, sso_settings, aili):
    users_before = User.objects.count()
    flow = through_provider(client, "sub-stranger")
    assert flow.response.status_code == 302
    assert flow.response["Location"] == reverse("account_login")
    assert signed_in_as(client) is None
    assert User.objects.count() == users_before
    assert not User.objects.filter(employee_no="S9999").exists()
    assert not SocialAccount.objects.exists()
    page = client.get(flow.response["Location"])
    text = messages_on(page)
    assert "本系统的人员名单中没有工号为 S9999 的人员" in text
    assert "请联系本单位人事部门核对人员名单" in text
    refusal = refusals("unknown").get()
    assert refusal.details["employee_no"] == "S9999"
    assert refusal.details["sub"] == "sub-stranger"
    assert not AuditLog.objects.filter(action=sso.SIGN_IN_ACTION).exists()


def test_an_inactive_person_is_refused(client, sso_settings, org_tree):
    departed = UserFactory(employee_no="S1003", full_name="已调离人员", org_unit=org_tree["pref"], is_active=False)
    flow = through_provider(client, "sub-departed")
    assert flow.response["Location"] == reverse("account_login")
    assert signed_in_as(client) is None
    assert "工号为 S1003 的账号已停用" in messages_on(client.get(reverse("account_login")))
    assert refusals("inactive").get().details["user_id"] == departed.pk
    departed.refresh_from_db()
    assert not departed.is_active
    assert not SocialAccount.objects.exists()


def test_a_provider_that_releases_no_employee_no_is_refused(client, sso_settings, aili):
    """The 工号 is released with the ``staff`` scope; without it in OIDC_SCOPES there is none."""
    sso_settings.OIDC_SCOPES = ["openid", "profile"]
    flow = through_provider(client, "sub-learner")
    assert sorted(flow.authorize_params["scope"].split()) == ["openid", "profile"]
    assert signed_in_as(client) is None
    assert "政务统一身份认证没有提供您的工号" in messages_on(client.get(reverse("account_login")))
    assert refusals("no_employee_no").get().details["claim"] == "employee_no"


def test_the_employee_no_claim_is_configurable(client, sso_settings, org_tree):
    """Here the provider's ``email`` claim is named as the one holding the 工号."""
    sso_settings.OIDC_SCOPES = ["openid", "email"]
    sso_settings.OIDC_EMPLOYEE_NO_CLAIM = "email"
    person = UserFactory(employee_no="aili@example.cn", org_unit=org_tree["pref"])
    through_provider(client, "sub-learner")
    assert signed_in_as(client) == str(person.pk)


# --- the second factor ----------------------------------------------------------------------


def test_a_privileged_person_without_mfa_at_the_provider_gives_the_totp_code(client, sso_settings, sso_trainer):
    flow = through_provider(client, "sub-trainer-pwd", next_url="/cms/")
    assert flow.response.status_code == 302
    assert flow.response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: nothing privileged (nor anything else) is reachable before the code.
    assert signed_in_as(client) is None
    for page in PRIVILEGED_PAGES:
        response = client.get(page, follow=True)
        # The sign-in page sends the half-done sign-in back to the code.
        assert response.redirect_chain[-1][0] == reverse("mfa_authenticate"), page
        assert signed_in_as(client) is None
    assert not AuditLog.objects.filter(action=sso.SIGN_IN_ACTION).exists()
    # allauth's TOTP stage takes the code, then the person is in.
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(sso_trainer.totp_secret)})
    assert response.status_code == 302
    assert response["Location"] == "/cms/"
    assert signed_in_as(client) == str(sso_trainer.pk)
    for page in PRIVILEGED_PAGES:
        assert client.get(page).status_code == 200, page
    assert AuditLog.objects.get(action=sso.SIGN_IN_ACTION).details["second_factor"] == "totp"


def test_a_wrong_code_after_single_sign_on_lets_nobody_in(client, sso_settings, sso_trainer):
    through_provider(client, "sub-trainer-pwd")
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert client.get("/cms/").status_code == 302


def test_a_privileged_person_with_mfa_asserted_by_the_provider_is_in(client, sso_settings, sso_trainer):
    flow = through_provider(client, "sub-trainer-mfa", next_url="/cms/")
    assert flow.response.status_code == 302
    assert flow.response["Location"] == "/cms/"
    assert signed_in_as(client) == str(sso_trainer.pk)
    for page in PRIVILEGED_PAGES:
        assert client.get(page).status_code == 200, page
    request = client.get("/").wsgi_request
    records = get_authentication_records(request, sso_trainer)
    assert [r["method"] for r in records] == ["socialaccount", "socialaccount"]
    assert records[-1]["amr"] == ["mfa", "otp"]
    assert second_factor_used(request, sso_trainer)
    entry = AuditLog.objects.get(action=sso.SIGN_IN_ACTION)
    assert entry.details["second_factor"] == "provider_amr"
    assert entry.details["amr"] == ["pwd", "mfa", "otp"]


def test_which_amr_values_count_is_configurable(client, sso_settings, sso_trainer):
    """``sms`` is not a second factor by default; an administrator may accept it."""
    flow = through_provider(client, "sub-trainer-sms")
    assert flow.response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None
    client.cookies.clear()
    sso_settings.OIDC_MFA_AMR_VALUES = ["sms"]
    flow = through_provider(client, "sub-trainer-sms", next_url="/cms/")
    assert flow.response["Location"] == "/cms/"
    assert client.get("/cms/").status_code == 200


def test_a_privileged_person_without_totp_and_without_mfa_at_the_provider_must_set_it_up(
    client, sso_settings, org_tree
):
    trainer = UserFactory(employee_no="S2001", org_unit=org_tree["pref"], roles=[Role.TRAINER])
    flow = through_provider(client, "sub-trainer-pwd")
    assert signed_in_as(client) == str(trainer.pk)
    assert flow.response.status_code == 302
    for page in [*PRIVILEGED_PAGES, "/"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("mfa_activate_totp")), page


def test_a_learner_with_totp_gives_the_code_unless_the_provider_checked_a_second_factor(client, sso_settings, org_tree):
    learner = UserFactory(employee_no="S1002", org_unit=org_tree["pref"])
    enable_totp(learner)
    flow = through_provider(client, "sub-learner-otp")
    assert signed_in_as(client) == str(learner.pk)
    assert client.get("/").status_code == 200
    client.logout()
    sso_settings.OIDC_MFA_AMR_VALUES = ["hwk"]
    flow = through_provider(client, "sub-learner-otp")
    assert flow.response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None


def test_only_a_record_of_our_provider_asserting_a_second_factor_counts(rf, aili):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.session["account_authentication_methods_user"] = str(aili.pk)
    for record, counts in [
        ({"method": "socialaccount", "provider": "gov", "uid": "x"}, False),
        ({"method": "socialaccount", "provider": "other", "uid": "x", "second_factor": "provider_amr"}, False),
        ({"method": "password", "second_factor": "provider_amr"}, False),
        ({"method": "socialaccount", "provider": "gov", "uid": "x", "second_factor": "provider_amr"}, True),
        ({"method": "mfa", "type": "totp", "id": 1}, True),
    ]:
        request.session["account_authentication_methods"] = [record]
        assert second_factor_used(request, aili) is counts, record


# --- errors and other processes -------------------------------------------------------------


def test_cancelling_at_the_provider_comes_back_to_the_sign_in_page(client, sso_settings, aili):
    authorize_url = start(client)
    state = dict(p.split("=", 1) for p in authorize_url.split("?", 1)[1].split("&"))["state"]
    response = client.get(f"{CALLBACK_PATH}?error=access_denied&state={state}")
    assert response["Location"] == reverse("account_login")
    assert "您取消了政务统一身份认证登录" in messages_on(client.get(reverse("account_login")))
    assert refusals("cancelled").exists()
    assert signed_in_as(client) is None


def test_a_callback_with_a_forged_state_signs_nobody_in(client, sso_settings, aili):
    start(client)
    response = client.get(f"{CALLBACK_PATH}?code=stolen-code&state=forged")
    assert response["Location"] == reverse("account_login")
    assert "政务统一身份认证登录没有完成" in messages_on(client.get(reverse("account_login")))
    assert refusals("error").exists()
    assert signed_in_as(client) is None


def test_a_code_replayed_in_another_browser_signs_nobody_in(client, sso_settings, aili):
    """The callback belongs to the session that started the flow (allauth's ``state``)."""
    from django.test import Client

    flow = through_provider(client, "sub-learner")
    other = Client()
    response = other.get(flow.callback_url.replace("http://testserver", ""))
    assert response["Location"] == reverse("account_login")
    assert other.session.get(SESSION_KEY) is None


def test_linking_a_provider_account_to_a_signed_in_account_is_refused(client, sso_settings, aili, client_for):
    client_for(aili)
    flow = through_provider(client, "sub-learner", process="connect")
    assert flow.response["Location"] == reverse("account_login")
    assert not SocialAccount.objects.exists()
    assert refusals("process").get().details["process"] == "connect"


def test_an_unreachable_provider_is_reported_not_a_500(client, db, sso_settings):
    sso_settings.OIDC_SERVER_URL = f"http://127.0.0.1:{free_port()}"
    response = client.post(LOGIN_PATH + "?process=login")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "政务统一身份认证登录没有完成" in messages_on(client.get(reverse("account_login")))


# --- configuration --------------------------------------------------------------------------


def _errors(settings, **values):
    for key, value in values.items():
        setattr(settings, key, value)
    return {e.id for e in checks.run_checks(tags=["accounts"]) if e.id.startswith("accounts.E2")}


def test_the_configuration_check(settings):
    base = {
        "OIDC_SERVER_URL": "https://id.example.gov.cn/oidc",
        "OIDC_CLIENT_ID": "fazhi",
        "OIDC_CLIENT_SECRET": "s3cret",
        "OIDC_SCOPES": ["openid", "profile"],
        "OIDC_EMPLOYEE_NO_CLAIM": "employee_no",
        "OIDC_TOKEN_AUTH_METHOD": "client_secret_basic",
    }
    assert _errors(settings, **base) == set()
    assert _errors(settings, **{**base, "OIDC_SERVER_URL": "", "OIDC_CLIENT_ID": ""}) == set()
    assert _errors(settings, **{**base, "OIDC_CLIENT_ID": ""}) == {"accounts.E201"}
    assert _errors(settings, **{**base, "OIDC_SERVER_URL": "http://id.example.gov.cn"}) == {"accounts.E202"}
    assert _errors(settings, **{**base, "OIDC_SERVER_URL": "http://127.0.0.1:9000"}) == set()
    assert _errors(settings, **{**base, "OIDC_SCOPES": ["profile"]}) == {"accounts.E203"}
    assert _errors(settings, **{**base, "OIDC_EMPLOYEE_NO_CLAIM": ""}) == {"accounts.E204"}
    assert _errors(settings, **{**base, "OIDC_TOKEN_AUTH_METHOD": "private_key_jwt"}) == {"accounts.E205"}
    assert _errors(settings, **{**base, "OIDC_CLIENT_SECRET": ""}) == {"accounts.E206"}
