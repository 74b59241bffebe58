"""Error pages (400, 403, 404, 500, failed CSRF check) in the user's language.

Django's own handlers would render 400/403/404 once the templates exist; these add
what they lack: a "返回上一页" link built from a same-site Referer (the pages carry no
script, so no ``history.back()``), a CSRF page with the site's header (Django renders
``403_csrf.html`` without the request, so without the signed-in user's navigation),
and a JSON answer for a client that sent or asked for JSON, so the ``fetch()`` calls
of the exam and lesson pages keep reading ``{"ok": false, "error": ...}``.

The 500 page is rendered without the request: no context processor, session, user
or database query gets a second chance to fail.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost
from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return request.content_type == "application/json" or ("application/json" in accept and "text/html" not in accept)


def _json(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "error": message}, status=status)


def back_url(request) -> str | None:
    """The Referer as a local path when it is this site's, else None (never another site's URL)."""
    referer = request.headers.get("Referer", "")
    if not referer:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return None
    parts = urlsplit(referer)
    local = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if request.method == "GET" and local == request.get_full_path():
        return None
    return local


@requires_csrf_token
def bad_request(request, exception):
    if _wants_json(request):
        return _json("invalid", _("服务器无法处理这个请求，可能是链接不完整或提交的内容有误。"), 400)
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render({"back_url": back_url(request)}, request))


@requires_csrf_token
def permission_denied(request, exception):
    if _wants_json(request):
        return _json("forbidden", _("您的账号没有访问这个页面的权限。"), 403)
    template = loader.get_template("403.html")
    return HttpResponseForbidden(template.render({"back_url": back_url(request)}, request))


@requires_csrf_token
def page_not_found(request, exception):
    if _wants_json(request):
        return _json("not_found", _("您要找的页面不存在，可能链接有误或内容已被移除。"), 404)
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render({"back_url": back_url(request)}, request))


def server_error(request):
    if _wants_json(request):
        return _json("error", _("系统处理您的请求时出错了，请稍后重试。"), 500)
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"back_url": back_url(request)}))


@requires_csrf_token
def csrf_failure(request, reason=""):
    if _wants_json(request):
        return _json("csrf", _("页面已过期，请刷新后重试。"), 403)
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({"back_url": back_url(request)}, request))
