"""Hostile and oversized input is refused at the door: a 400 with a clear message, never a 500.

The sweep walks every URL pattern the resolver knows (ours, Wagtail's /cms/, the
Django admin, allauth; ``tests.urlsweep``), so a route added later is covered
without anyone remembering to add it here. The same sweep GETs every route as an
administrator, the Django admin's per-object pages with real rows: ordinary input
never meets a 500 either.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.urls import resolve

from core.payload import has_nul, json_depth_exceeds, loads
from tests.auth import sign_in
from tests.factories import UserFactory
from tests.urlsweep import all_paths

pytestmark = pytest.mark.django_db

NUL = "请求中含有不允许的字符。"
DEEP = "提交的数据嵌套过深。"
LARGE = "提交的数据过大。"
BRACKETS = "[" * 100_000


def test_the_sweep_reaches_every_kind_of_route():
    paths = [path for path, _name in all_paths()]
    assert len(paths) > 300
    for prefix in ("/admin/", "/cms/pages/1/edit/", "/accounts/login/", "/exams/attempts/1/save/", "/laws/x/"):
        assert any(path.startswith(prefix) for path in paths), prefix


# --- the sweep ------------------------------------------------------------------------------


def _hostile_requests(client: Client, url: str):
    """The three hostile requests, asking for JSON so that each answer also says *why*.

    The middleware decides before URL resolution, so how an HTML client's 400 page
    looks does not depend on the route; ``test_html_clients_get_the_400_page`` checks it.
    """
    json_please = {"HTTP_ACCEPT": "application/json"}
    yield "GET ?q=%00", client.get(url + "?q=%00", **json_please), NUL
    yield "POST 100,000 [", client.post(url, data=BRACKETS, content_type="application/json"), DEEP
    yield "POST form NUL", client.post(url, {"q": "a\x00b", "title": "x"}, **json_please), NUL


def _sweep(client: Client) -> tuple[list[str], int]:
    failures, count = [], 0
    for url, route in all_paths():
        for what, response, message in _hostile_requests(client, url):
            count += 1
            if response.status_code != 400:
                failures.append(f"{what} {url} ({route}): {response.status_code}")
            elif response.json() != {"ok": False, "code": "invalid", "error": message}:
                failures.append(f"{what} {url} ({route}): {response.content[:200]!r}")
    return failures, count


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "learner"])
def test_every_url_refuses_nul_and_deep_json_with_400(signed_in, org_tree):
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(UserFactory(org_unit=org_tree["shache_dept"]))
    started = time.monotonic()
    failures, count = _sweep(client)
    assert not failures, "\n".join(failures)
    assert count > 900
    assert time.monotonic() - started < 30  # a few ms a request: nothing behind the door ran


#: Routes that raise on purpose: Wagtail's page for trying out the error reporting.
RAISES_ON_PURPOSE = {"wagtailadmin_error_test"}


def test_every_url_answers_an_administrator_without_a_server_error(admin_user, org_tree, settings):
    """A plain GET by the person who may open everything: each page is drawn (or refused), none fails."""
    client = sign_in(Client(raise_request_exception=False), admin_user)
    paths = all_paths(admin_objects=True)
    failures, signed_out, drawn = [], [], 0
    for url, route in paths:
        if route in RAISES_ON_PURPOSE:
            continue
        status = client.get(url).status_code
        drawn += status == 200
        if status >= 500:
            failures.append(f"GET {url} ({route}): {status}")
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is None or not cookie.value:
            signed_out.append(route)
            sign_in(client, admin_user)  # the rest of the sweep is still the administrator's
    assert not failures, "\n".join(failures)
    assert drawn > 100  # the pages themselves are drawn, not only redirects and refusals
    # Wagtail's logout drops the session cookie even when it refuses a GET (405); no other GET signs out.
    assert signed_out == ["wagtailadmin_logout"]


def test_the_administrators_sweep_opens_the_admins_pages_of_real_rows(org_tree):
    unit = org_tree["pref"]
    paths = {path for path, _name in all_paths(admin_objects=True)}
    assert {
        "/admin/accounts/orgunit/",
        "/admin/accounts/orgunit/jsi18n/",
        f"/admin/accounts/orgunit/{unit.pk}/change/",
        f"/admin/accounts/orgunit/{unit.pk}/history/",
    } <= paths
    assert not any("/admin/accounts/orgunit/1" in path for path in all_paths())  # without the option: samples only


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/search/?q=%00", None),
        ("get", "/exams/?q=%00", None),
        ("post", "/learning/progress/check/", {"lesson": "1", "choice": "a\x00"}),
        ("post", "/accounts/login/", {"login": "E000001\x00", "password": "x"}),
    ],
)
def test_html_clients_get_the_400_page(learner_client, method, url, data):
    response = getattr(learner_client, method)(url, data)
    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]
    assert b"<html" in response.content.lower()


# --- what each check answers ---------------------------------------------------------------


@pytest.fixture
def learner_client(org_tree):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(org_unit=org_tree["shache_dept"]))
    return client


def _json_error(response) -> str:
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["ok"] is False and body["code"] == "invalid"
    return body["error"]


@pytest.mark.parametrize(
    "url",
    ["/search/?q=%00", "/search/?q=a%00b", "/search/?%00=1", "/laws/?q=%00", "/learning/messages/?page=1%00"],
)
def test_percent_encoded_nul_in_a_query_is_a_400_page(learner_client, url):
    response = learner_client.get(url)
    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]


@pytest.mark.parametrize("url", ["/search/%00/", "/courses/x%00/", "/laws/%00", "/x%00y/"])
def test_nul_in_the_path_is_a_400(learner_client, url):
    assert learner_client.get(url).status_code == 400


def test_json_client_gets_the_reason_as_json(learner_client):
    response = learner_client.get("/search/?q=%00", HTTP_ACCEPT="application/json")
    assert _json_error(response) == NUL


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (BRACKETS, DEEP),
        ("{" * 100_000, DEEP),
        ('{"a":' * 33 + "1" + "}" * 33, DEEP),
        ('{"lesson": "a\\u0000b"}', NUL),
        ('{"lesson": "a\x00b"}', NUL),
        ('{"lesson": 1, "pad": "' + "x" * (256 * 1024) + '"}', LARGE),
    ],
    ids=["brackets", "braces", "depth-33", "nul-escape", "raw-nul", "oversized"],
)
@pytest.mark.parametrize("endpoint", ["/learning/progress/heartbeat/", "/exams/attempts/1/save/"])
def test_json_endpoints_refuse_hostile_bodies_with_their_error_shape(learner_client, endpoint, body, message):
    resolve(endpoint)
    response = learner_client.post(endpoint, data=body, content_type="application/json")
    assert _json_error(response) == message


def test_nesting_up_to_the_limit_and_brackets_inside_strings_pass(learner_client):
    nested = '{"lesson": 0, "x": ' + "[" * 31 + "]" * 31 + ', "text": "' + "[" * 1000 + '"}'
    response = learner_client.post("/learning/progress/heartbeat/", data=nested, content_type="application/json")
    assert response.status_code == 404  # reached the view: no such lesson
    assert "error" in response.json()


def test_escaped_backslash_before_u0000_is_text_not_nul():
    assert not has_nul(b'{"a": "\\\\u0000"}')
    assert has_nul(b'{"a": "\\\\\\u0000"}')


def test_unterminated_string_stops_the_depth_scan_without_recursing():
    assert not json_depth_exceeds(b'["' + b"[" * 100_000, 32)
    assert json_depth_exceeds(b"[" * 33, 32)
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)


def test_loads_never_raises_recursion_error():
    from core.payload import TooDeep

    with pytest.raises(TooDeep):
        loads(BRACKETS)
    assert loads('{"a": [1, {"b": "[[["}]}') == {"a": [1, {"b": "[[["}]}


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded"])
def test_form_fields_with_nul_are_refused(learner_client, content_type):
    url = "/learning/progress/check/"
    resolve(url)
    if content_type == "multipart":
        response = learner_client.post(url, {"lesson": "1", "choice": "a\x00"})
    else:
        response = learner_client.post(
            url, data="lesson=1&choice=a%00", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400


def test_uploaded_file_contents_are_not_checked(learner_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with_nul_inside = SimpleUploadedFile("bank.xml", b"<a>\x00</a>", content_type="text/xml")
    response = learner_client.post("/learning/progress/check/", {"lesson": "1", "file": with_nul_inside})
    assert response.status_code == 302  # the view answered (no such lesson: back with a message)


def test_beacon_save_with_deep_json_in_the_payload_field_is_a_json_400(learner_client):
    """The middleware sees the form field as a string; the view's own parser refuses the depth."""
    response = learner_client.post("/exams/attempts/1/save/", {"payload": BRACKETS})
    assert _json_error(response) == DEEP


def test_declared_length_over_the_limit_is_refused_before_reading(learner_client, settings):
    settings.MAX_JSON_BODY_BYTES = 10
    response = learner_client.post(
        "/learning/progress/heartbeat/", data=json.dumps({"lesson": 12345}), content_type="application/json"
    )
    assert _json_error(response) == LARGE
