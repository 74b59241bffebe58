"""A CMS address naming an object by an id its model cannot hold is "not found", not a server error.

Wagtail 8 routes many admin views by ``<str:pk>`` (the choosers' ``chosen/<str:pk>/``,
snippets, documents, images, our own ``law-article-chooser``) and looks the id up with
``Model.objects.get(pk=pk)``. For an integer or UUID primary key, a malformed id
(``…/chosen/x/``) fails while Django converts it for the query: the model field raises
``ValueError`` (``Field 'id' expected a number but got 'x'``) or ``ValidationError``
(``UUIDField``), and the administrator gets a 500. No such id can name a row, so the
right answer is the 404 that a well-formed id of a missing row already gets.

One middleware closes the whole class instead of forking Wagtail's views one by one.
It only turns the exception into a 404 when all of these hold, so that it cannot hide a
genuine bug (a ``ValueError`` from our own code, a form, a template, a bad query):

* the request is under the Wagtail admin (``/cms/``); nothing elsewhere is touched;
* the exception is a ``ValueError`` or ``ValidationError`` raised *by a Django model
  field* converting a value (its innermost frame is in ``django/db/models/fields/``);
* the value that field refused is, verbatim or after the admin's ``unquote``, one of
  the arguments the URL resolver captured from the path of this very request.

Anything else propagates unchanged: Django reports it and answers 500 as before.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import fields as model_fields
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.deprecation import MiddlewareMixin

log = logging.getLogger(__name__)

#: Where Django's model fields live: a conversion error raised here is a lookup value refused.
_FIELDS_DIR = Path(model_fields.__file__).resolve().parent


def _cms_root() -> str | None:
    try:
        return reverse("wagtailadmin_home")
    except NoReverseMatch:  # pragma: no cover - the CMS is always routed in this project
        return None


def _refused_value(exception: BaseException) -> tuple[bool, object]:
    """``(True, value)`` when a Django model field raised ``exception`` converting ``value``."""
    tb = exception.__traceback__
    if tb is None:
        return False, None
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    try:
        raised_in = Path(frame.f_code.co_filename).resolve()
    except OSError:  # pragma: no cover - a frame without a real file
        return False, None
    if _FIELDS_DIR not in raised_in.parents or "value" not in frame.f_locals:
        return False, None
    return True, frame.f_locals["value"]


def is_malformed_id(request, exception: BaseException) -> bool:
    """Whether ``exception`` is a model field refusing an id taken from this CMS request's path."""
    if not isinstance(exception, ValueError | ValidationError):
        return False
    root = _cms_root()
    if root is None or not request.path_info.startswith(root):
        return False
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    from_field, value = _refused_value(exception)
    if not from_field or not isinstance(value, str):
        return False
    captured = [str(arg) for arg in (*match.args, *match.kwargs.values())]
    return any(value in (arg, unquote(arg)) for arg in captured)


class MalformedIdNotFoundMiddleware(MiddlewareMixin):
    """Answers 404 for a CMS id its model cannot hold (see the module's docstring for the scope)."""

    def process_exception(self, request, exception):
        if not is_malformed_id(request, exception):
            return None
        log.info("malformed id in %s: %s", request.path_info, exception)
        raise Http404(str(exception)) from exception
