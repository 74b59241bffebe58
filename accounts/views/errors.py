"""Error pages (400, 403, 404, 429, 500, failed CSRF check) in the user's language.

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
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from core.middleware import wants_json


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


def _page(request, *, status: int, template: str, code: str, message: str, with_request: bool = True):
    """JSON for a JSON caller, else the page; ``with_request=False`` renders without context processors."""
    if wants_json(request):
        return _json(code, message, status)
    context = {"back_url": back_url(request)}
    html = loader.get_template(template).render(context, request if with_request else None)
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request, exception):
    message = _("服务器无法处理这个请求，可能是链接不完整或提交的内容有误。")
    return _page(request, status=400, template="400.html", code="invalid", message=message)


@requires_csrf_token
def permission_denied(request, exception):
    message = _("您的账号没有访问这个页面的权限。")
    return _page(request, status=403, template="403.html", code="forbidden", message=message)


def too_many_requests(request, exception=None):
    """What allauth's rate limits answer (it calls ``handler429`` of the root URLconf)."""
    message = _("操作过于频繁，请稍等几分钟再试。")
    return _page(request, status=429, template="429.html", code="rate_limited", message=message)


@requires_csrf_token
def page_not_found(request, exception):
    message = _("您要找的页面不存在，可能链接有误或内容已被移除。")
    return _page(request, status=404, template="404.html", code="not_found", message=message)


def server_error(request):
    message = _("系统处理您的请求时出错了，请稍后重试。")
    return _page(request, status=500, template="500.html", code="error", message=message, with_request=False)


@requires_csrf_token
def csrf_failure(request, reason=""):
    message = _("页面已过期，请刷新后重试。")
    return _page(request, status=403, template="403_csrf.html", code="csrf", message=message)
