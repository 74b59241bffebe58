"""Error pages people can use: Chinese (or the chosen English), the site's header, a way back.

The tests for 400 and 500 route through this module (``pytest.mark.urls``): the
project's URLs plus two views that fail on purpose, and the project's handlers.
"""

import json

import pytest
from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from accounts.views import errors
from config import urls as project_urls


def _bad_request(request):
    raise BadRequest("malformed")


def _database_down(request):
    raise DatabaseError("the database went away")


urlpatterns = [
    path("test-errors/400/", _bad_request),
    path("test-errors/500/", _database_down),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

with_failing_views = pytest.mark.urls(__name__)

HEADER = 'class="site-header"'
HOME_LINK = '<a class="btn btn-secondary" href="/">返回首页</a>'
LONE_HOME_LINK = '<a class="btn" href="/">返回首页</a>'
HR_HINT = "如果您认为应当有权限，请联系本单位的人事/合规专员。"


def in_english(msgid: str) -> str:
    """What the English catalogue says for a Chinese source string (the source itself until it is translated)."""
    with translation.override("en"):
        return translation.gettext(msgid)


def switch_to_english(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


# --- 404 -------------------------------------------------------------------------------


def test_missing_page_says_so_in_chinese_with_header_and_way_back(client_for, learner):
    client = client_for(learner)
    response = client.get("/learning/no-such-page/", HTTP_REFERER="http://testserver/learning/hours/")
    html = response.content.decode()
    assert response.status_code == 404
    assert response["Content-Language"] == "zh-hans"
    assert '<h1 id="error-title">页面不存在</h1>' in html
    assert "您要找的页面不存在，可能链接有误或内容已被移除。" in html
    assert HEADER in html and "⚖ 法治学堂" in html
    assert learner.full_name in html  # the signed-in header, with the learner's navigation
    assert '<a class="btn" href="/learning/hours/">返回上一页</a>' in html
    assert HOME_LINK in html
    assert "Not Found" not in html


def test_back_link_never_points_to_another_site(client, db):
    response = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/phish")
    html = response.content.decode()
    assert response.status_code == 404
    assert "evil.example" not in html and "返回上一页" not in html
    assert LONE_HOME_LINK in html


def test_missing_page_in_english_after_switching(client_for, learner):
    client = client_for(learner)
    switch_to_english(client)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Rule-of-Law Academy" in html
    assert in_english("页面不存在") in html
    assert in_english("您要找的页面不存在，可能链接有误或内容已被移除。") in html
    assert f'href="/">{in_english("返回首页")}</a>' in html


# --- 403 -------------------------------------------------------------------------------


def test_learner_following_an_hr_link_sees_the_chinese_403_page(client_for, learner):
    response = client_for(learner).get(reverse("learning:compliance"), HTTP_REFERER="http://testserver/learning/hours/")
    html = response.content.decode()
    assert response.status_code == 403
    assert '<h1 id="error-title">没有访问权限</h1>' in html
    assert "您的账号没有访问这个页面的权限。" in html
    assert HR_HINT in html
    assert HEADER in html and learner.full_name in html
    assert '<a class="btn" href="/learning/hours/">返回上一页</a>' in html
    assert HOME_LINK in html
    assert "Forbidden" not in html


def test_signed_out_visitor_on_an_hr_page_is_offered_the_login(client, db):
    url = reverse("learning:compliance")
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有访问权限" in html and "您还没有登录" in html
    login = reverse("account_login")
    assert f'<a class="btn" href="{login}?next=/learning/compliance/">登录</a>' in html
    assert HOME_LINK in html


def test_403_page_in_english_after_switching(client_for, learner):
    client = client_for(learner)
    switch_to_english(client)
    response = client.get(reverse("learning:compliance"))
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html and "Rule-of-Law Academy" in html
    assert in_english("没有访问权限") in html
    assert in_english(HR_HINT) in html


# --- 400 -------------------------------------------------------------------------------


@with_failing_views
def test_bad_request_page_in_chinese(client_for, learner):
    response = client_for(learner).get("/test-errors/400/", HTTP_REFERER="http://testserver/exams/")
    html = response.content.decode()
    assert response.status_code == 400
    assert '<h1 id="error-title">请求有误</h1>' in html
    assert "服务器无法处理这个请求，可能是链接不完整或提交的内容有误。" in html
    assert HEADER in html and learner.full_name in html
    assert '<a class="btn" href="/exams/">返回上一页</a>' in html
    assert HOME_LINK in html


@with_failing_views
def test_bad_request_page_in_english(client_for, learner):
    client = client_for(learner)
    switch_to_english(client)
    html = client.get("/test-errors/400/").content.decode()
    assert '<html lang="en">' in html and "Rule-of-Law Academy" in html
    assert in_english("请求有误") in html


def test_request_for_an_unknown_host_gets_the_400_page(client, db):
    response = client.get("/", HTTP_HOST="evil.example", HTTP_REFERER="http://evil.example/")
    html = response.content.decode()
    assert response.status_code == 400
    assert "请求有误" in html and HEADER in html
    assert "evil.example" not in html
    assert LONE_HOME_LINK in html


# --- 500 -------------------------------------------------------------------------------


@with_failing_views
def test_server_error_page_in_chinese_with_the_header(client_for, learner):
    client = client_for(learner)
    client.raise_request_exception = False
    response = client.get("/test-errors/500/", HTTP_REFERER="http://testserver/exams/")
    html = response.content.decode()
    assert response.status_code == 500
    assert '<h1 id="error-title">系统出错了</h1>' in html
    assert "系统处理您的请求时出错了，请稍后重试。" in html
    assert HEADER in html and "⚖ 法治学堂" in html
    assert "/static/css/site.css" in html
    assert '<a class="btn" href="/exams/">返回上一页</a>' in html
    assert HOME_LINK in html
    assert "database went away" not in html


@with_failing_views
def test_server_error_page_in_english(client_for, learner):
    client = client_for(learner)
    client.raise_request_exception = False
    switch_to_english(client)
    response = client.get("/test-errors/500/")
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="en">' in html and "Rule-of-Law Academy" in html
    assert in_english("系统出错了") in html


def test_server_error_page_needs_no_database_session_or_user(db, django_assert_num_queries):
    def unavailable():
        pytest.fail("the 500 page must not load the session or the user")

    request = RequestFactory().get("/learning/hours/")
    request.session = SimpleLazyObject(unavailable)
    request.user = SimpleLazyObject(unavailable)
    with django_assert_num_queries(0), translation.override("zh-hans"):
        response = errors.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in html and HEADER in html and LONE_HOME_LINK in html


# --- CSRF ------------------------------------------------------------------------------


@pytest.fixture
def strict_client(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    return client


def test_expired_form_says_refresh_and_retry(strict_client, learner):
    response = strict_client.post(
        "/i18n/setlang/", {"language": "en"}, HTTP_REFERER="http://testserver/learning/hours/"
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert '<h1 id="error-title">页面已过期</h1>' in html
    assert "页面已过期，请刷新后重试。" in html
    assert HEADER in html and learner.full_name in html
    assert '<a class="btn" href="/learning/hours/">返回上一页</a>' in html
    assert HOME_LINK in html
    assert "CSRF" not in html


def test_expired_form_page_in_english(strict_client):
    strict_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = strict_client.post("/i18n/setlang/", {"language": "zh-hans"})
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html and "Rule-of-Law Academy" in html
    assert in_english("页面已过期，请刷新后重试。") in html


def test_csrf_settings_and_handlers_point_at_the_error_views():
    assert settings.CSRF_FAILURE_VIEW == "accounts.views.errors.csrf_failure"
    assert (project_urls.handler400, project_urls.handler403, project_urls.handler404, project_urls.handler500) == (
        "accounts.views.errors.bad_request",
        "accounts.views.errors.permission_denied",
        "accounts.views.errors.page_not_found",
        "accounts.views.errors.server_error",
    )


# --- JSON endpoints keep answering JSON ------------------------------------------------


def test_exam_save_errors_stay_json(client_for, learner):
    answers = [{"item": 1, "seq": 1, "response": "A"}]
    response = client_for(learner).post(
        reverse("exams:save", args=[999999]), data=json.dumps({"answers": answers}), content_type="application/json"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["ok"] is False


def test_expired_token_on_the_exam_save_endpoint_answers_json(strict_client):
    response = strict_client.post(
        reverse("exams:save", args=[999999]), data=json.dumps({"answers": []}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"ok": False, "code": "csrf", "error": "页面已过期，请刷新后重试。"}


def test_expired_token_on_the_lesson_heartbeat_answers_json(strict_client):
    response = strict_client.post(reverse("learning:lesson_heartbeat"), {"lesson": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"


def test_heartbeat_of_a_signed_out_page_stays_json(client, db):
    response = client.post(reverse("learning:lesson_heartbeat"), data="{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"error": "请先登录。"}


def test_json_client_gets_a_json_404(client_for, learner):
    response = client_for(learner).get(reverse("exams:state", args=[999999]), HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_json_client_gets_a_json_403(client_for, learner):
    response = client_for(learner).get(reverse("learning:compliance"), HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json() == {"ok": False, "code": "forbidden", "error": "您的账号没有访问这个页面的权限。"}
