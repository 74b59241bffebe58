"""Hostile and oversized input is refused at the door: one check for every URL.

Before any view, form or query sees the request, ``HostileInputMiddleware``
answers 400 when

* the path or the query string holds a NUL (raw or ``%00``): PostgreSQL refuses
  NUL in text, so a search box or a list filter would otherwise answer 500;
* a JSON body is larger than ``MAX_JSON_BODY_BYTES``, nests arrays/objects deeper
  than ``MAX_JSON_DEPTH`` (``json.loads`` would raise ``RecursionError``) or holds a
  NUL (raw or ``\\u0000``);
* a form (url-encoded or multipart) has a NUL in a field name or value. File
  contents are not looked at: they are files, and each importer checks its own
  format (Django's parser already drops control characters from file names).

A client that sent or asked for JSON gets ``{"ok": false, "code": "invalid",
"error": "…"}`` like every JSON endpoint's errors; anyone else gets the site's
400 page (``BadRequest`` is turned into it by Django's ``handler400``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from core.payload import ForbiddenCharacter, HostileInput, TooLarge, check_json_bytes

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def is_json_type(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def wants_json(request) -> bool:
    """A ``fetch()`` client: it sent JSON, or asked for JSON rather than a page."""
    accept = request.headers.get("Accept", "")
    return is_json_type(request.content_type or "") or ("application/json" in accept and "text/html" not in accept)


def _check_path_and_query(request) -> None:
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path_info or "\x00" in request.path or "%00" in query or "\x00" in query:
        raise ForbiddenCharacter


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _check_json_body(request) -> None:
    if _declared_length(request) > settings.MAX_JSON_BODY_BYTES:
        raise TooLarge
    try:
        body = request.body
    except RequestDataTooBig:
        raise TooLarge from None
    check_json_bytes(body)


def _check_form(request) -> None:
    try:
        fields = request.POST
        files = request.FILES
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        raise TooLarge from None
    except MultiPartParserError:
        raise HostileInput(_("提交的表单格式无效。")) from None
    for key, values in fields.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            raise ForbiddenCharacter
    for key in files:
        if "\x00" in key:  # file names: Django's parser already drops non-printable characters
            raise ForbiddenCharacter


def check_request(request) -> None:
    """Raise ``HostileInput`` when the request must not reach a view."""
    _check_path_and_query(request)
    content_type = request.content_type or ""
    if is_json_type(content_type):
        _check_json_body(request)
    elif request.method == "POST" and content_type in FORM_TYPES:
        _check_form(request)


class HostileInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            check_request(request)
        except HostileInput as exc:
            if wants_json(request):
                return JsonResponse({"ok": False, "code": "invalid", "error": exc.message}, status=400)
            raise
        return self.get_response(request)
