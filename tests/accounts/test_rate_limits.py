"""Sign-in limits count the real client behind our proxy, and each account on its own."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from core.clientip import client_ip
from tests.factories import UserFactory

LIMITS = {
    "login": "120/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
NGINX = "127.0.0.1"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.ACCOUNT_RATE_LIMITS = LIMITS
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.8.0.0/24"]
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    yield
    cache.clear()


def _request(remote, xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "remote, xff, count, expected",
    [
        (NGINX, "203.0.113.7", 1, "203.0.113.7"),  # nginx appended the client it saw
        (NGINX, "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # the client's own header is ignored
        ("10.8.0.3", "6.6.6.6, 203.0.113.7, 10.8.0.9", 2, "203.0.113.7"),  # two proxies of ours
        ("198.51.100.5", "203.0.113.7", 1, "198.51.100.5"),  # not our proxy: its header means nothing
        (NGINX, "203.0.113.7", 0, NGINX),  # no proxy configured
        (NGINX, "", 1, NGINX),
        (NGINX, "not-an-address", 1, NGINX),
        (NGINX, "[2001:db8::1]:5555", 1, "2001:db8::1"),
    ],
)
def test_client_address(settings, remote, xff, count, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(remote, xff)) == expected


TOO_MANY = "登录失败次数过多，请稍后重试。"


def _refused(response) -> bool:
    """allauth answers an exhausted limit with 429 (any sign-in) or the form's error (failed attempts)."""
    return response.status_code == 429 or (response.status_code == 200 and TOO_MANY in response.content.decode())


def _login(client, login, password, client_address):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=client_address,
    )


def test_one_address_guessing_is_stopped_while_everyone_else_signs_in(client, org_tree):
    people = [UserFactory(org_unit=org_tree["pref"]) for _ in range(3)]
    for i in range(30):
        assert _login(client, f"nobody{i}", "wrong", "203.0.113.66").status_code == 200
    refused = _login(client, people[0].employee_no, "pass12345", "203.0.113.66")
    assert _refused(refused)
    assert "_auth_user_id" not in client.session
    # Behind the same nginx, other officials are not affected.
    for i, person in enumerate(people):
        response = _login(client.__class__(), person.employee_no, "pass12345", f"198.51.100.{i + 10}")
        assert response.status_code == 302, person.employee_no


def test_a_spoofed_header_does_not_escape_the_limit(client, org_tree):
    for i in range(30):
        _login(client, f"nobody{i}", "wrong", f"6.6.6.{i}, 203.0.113.66")
    assert _refused(_login(client, "nobody", "wrong", "6.6.6.200, 203.0.113.66"))


def test_a_direct_peer_cannot_pose_as_many_clients(client, org_tree):
    """Someone reaching gunicorn past nginx is counted by their own address, whatever header they send."""
    for i in range(30):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{i}", "password": "wrong"},
            REMOTE_ADDR="198.51.100.99",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = client.post(
        reverse("account_login"),
        {"login": "nobody", "password": "wrong"},
        REMOTE_ADDR="198.51.100.99",
        HTTP_X_FORWARDED_FOR="203.0.113.250",
    )
    assert _refused(response)


def test_one_account_is_protected_from_many_addresses(client, org_tree):
    victim = UserFactory(org_unit=org_tree["pref"])
    for i in range(5):
        _login(client, victim.employee_no, "wrong", f"203.0.113.{i}")
    response = _login(client, victim.employee_no, "pass12345", "203.0.113.200")
    assert _refused(response)
    assert "_auth_user_id" not in client.session
    # ...while another account signs in from the same addresses.
    other = UserFactory(org_unit=org_tree["pref"])
    assert _login(client.__class__(), other.employee_no, "pass12345", "203.0.113.1").status_code == 302


def test_password_reset_is_limited_per_address_and_per_account(client, org_tree):
    UserFactory(email="reset@example.cn", org_unit=org_tree["pref"])
    statuses = [
        client.post(
            reverse("account_reset_password"),
            {"email": "reset@example.cn"},
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [302] * 5
    assert 429 in statuses[5:]


def _reset_until_refused(client, **extra):
    for _ in range(10):
        response = client.post(reverse("account_reset_password"), {"email": "reset@example.cn"}, **extra)
        if response.status_code == 429:
            return response
    raise AssertionError("the reset limit never answered 429")


def test_the_refusal_is_the_sites_own_page_in_chinese(client, org_tree):
    UserFactory(email="reset@example.cn", org_unit=org_tree["pref"])
    response = _reset_until_refused(client, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="203.0.113.9")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<title>操作过于频繁" in html and "错误代码 429" in html
    assert "法治学堂" in html  # the site's header
    assert "Too Many Requests" not in html


def test_the_refusal_is_english_after_switching(client, org_tree):
    UserFactory(email="reset@example.cn", org_unit=org_tree["pref"])
    client.cookies["django_language"] = "en"
    response = _reset_until_refused(client, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert "Too many attempts" in response.content.decode()


def test_a_json_client_is_held_to_the_same_limit(client, org_tree, mailoutbox):
    """allauth answers its AJAX callers 200 with a ``location`` even when refused; what counts is that no mail goes."""
    UserFactory(email="reset@example.cn", org_unit=org_tree["pref"])
    for _ in range(8):
        client.post(
            reverse("account_reset_password"),
            {"email": "reset@example.cn"},
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            HTTP_ACCEPT="application/json",
        )
    assert len(mailoutbox) == 5


def test_a_reset_for_an_address_without_an_account_mails_nobody(client, org_tree, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "stranger@example.org"}, REMOTE_ADDR=NGINX)
    assert response.status_code == 302  # the same answer as for a known address
    assert mailoutbox == []
    UserFactory(email="known@example.cn", org_unit=org_tree["pref"])
    client.post(reverse("account_reset_password"), {"email": "known@example.cn"}, REMOTE_ADDR=NGINX)
    assert [m.to for m in mailoutbox] == [["known@example.cn"]]
