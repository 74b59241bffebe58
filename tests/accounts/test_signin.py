import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from tests.auth import sign_in
from tests.conftest import enable_totp
from tests.factories import UserFactory


@pytest.mark.parametrize("login", ["E-LOGIN", "someone@example.cn"])
def test_sign_in_by_employee_number_or_email(client, org_tree, login):
    UserFactory(employee_no="E-LOGIN", email="someone@example.cn", org_unit=org_tree["pref"])
    response = client.post(reverse("account_login"), {"login": login, "password": "pass12345"})
    assert response.status_code == 302
    assert client.get("/").context["user"].employee_no == "E-LOGIN"


def test_wrong_password_is_refused(client, learner):
    response = client.post(reverse("account_login"), {"login": learner.employee_no, "password": "wrong"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_nobody_can_sign_up(client, db):
    from accounts.models import User

    assert "注册关闭" in client.get(reverse("account_signup")).content.decode()
    client.post(
        reverse("account_signup"), {"username": "x1", "password1": "Very$ecret123", "password2": "Very$ecret123"}
    )
    assert not User.objects.filter(employee_no="x1").exists()


def test_password_reset_sends_mail(client, org_tree):
    UserFactory(employee_no="E-MAIL", email="reset@example.cn", org_unit=org_tree["pref"])
    client.post(reverse("account_reset_password"), {"email": "reset@example.cn"})
    assert len(mail.outbox) == 1 and "reset@example.cn" in mail.outbox[0].to


@pytest.mark.parametrize("role", [Role.HR, Role.TRAINER, Role.REVIEWER, Role.ADMIN])
def test_privileged_role_without_mfa_is_sent_to_set_it_up(client, org_tree, role):
    user = UserFactory(org_unit=org_tree["pref"], roles=[role], is_staff=True)
    client.force_login(user)
    for path in ["/", reverse("directory:staff_list"), "/cms/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("mfa_activate_totp")), path
    enable_totp(user)
    # Having TOTP is not enough: this session has not used it yet.
    assert client.get("/")["Location"].startswith(reverse("mfa_reauthenticate"))


def test_learner_needs_no_mfa(client, learner):
    client.force_login(learner)
    assert client.get("/").status_code == 200


def test_mfa_login_asks_for_code(client, hr_shache):
    response = client.post(reverse("account_login"), {"login": hr_shache.employee_no, "password": "pass12345"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")


def test_navigation_shows_each_role_its_tools(client, learner, hr_shache):
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert reverse("directory:staff_list") not in html
    sign_in(client, hr_shache)
    html = client.get("/").content.decode()
    assert reverse("directory:staff_list") in html


def test_chinese_is_shown_even_to_an_english_browser(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_english_is_available_from_the_switcher(client, learner):
    client.force_login(learner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "My class hours" in html and "我的学时" not in html
