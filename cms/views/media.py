"""Uploaded files (documents, videos, images and their renditions) go only to the people allowed to see them.

Two doors, one rule (``cms.media_access``):

* ``/documents/<id>/<name>`` is Wagtail's document view; ``before_serve_document`` (registered
  in ``cms/wagtail_hooks.py``) asks the rule first;
* ``/media/<path>`` (image originals and renditions, and any other file under ``MEDIA_ROOT``)
  is ``serve_media``. Nothing under ``MEDIA_ROOT`` is published by the web server any more.

A visitor who is not signed in is sent to the sign-in page when the browser is opening the file
as a page, and gets a 403 for a file a page embeds (an image, a video); a signed-in person the
rule does not admit gets a 404, whether or not the file exists.

Behind nginx (``MEDIA_ACCEL_REDIRECT`` set, e.g. ``/_media/``) an admitted request is answered
with ``X-Accel-Redirect`` and nginx sends the bytes from its ``internal`` location over
``MEDIA_ROOT`` (``deploy/nginx.conf``), with ranges for video seeking; otherwise (``make run``)
Django sends them itself.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse

from cms.media_access import MediaFile, find_media_file, may_receive, may_receive_object

#: What a file answer says besides its bytes (nginx's internal location adds the same).
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Cache-Control": "private, max-age=3600",
}
NAVIGATION_DESTINATIONS = {"document", "frame", "iframe"}


def _opens_as_page(request) -> bool:
    """Whether the browser opens the file as a page (a link), rather than embedding it (img, video)."""
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination:
        return destination in NAVIGATION_DESTINATIONS
    return "text/html" in request.headers.get("Accept", "")


def refuse(request):
    """Sign-in for a visitor opening the file as a page, 403 for an embedded file; 404 for the signed-in."""
    if request.user.is_authenticated:
        raise Http404
    if _opens_as_page(request):
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def file_response(media: MediaFile) -> HttpResponse:
    """The file's bytes: handed to nginx with ``X-Accel-Redirect`` when configured, else streamed by Django."""
    prefix = settings.MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=media.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(media.name)
    else:
        try:
            handle = default_storage.open(media.name, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=media.content_type)
        for header, value in FILE_HEADERS.items():
            response[header] = value
    response["Content-Disposition"] = media.disposition
    return response


def serve_media(request, path: str):
    """``/media/<path>``: a file under ``MEDIA_ROOT``, if the rule admits the person asking."""
    if not request.user.is_authenticated:
        return refuse(request)
    name = posixpath.normpath(path)
    if name.startswith(("/", "..")) or name != path:
        raise Http404
    media = find_media_file(name)
    if media is None or not may_receive(request.user, media):
        raise Http404
    return file_response(media)


def before_serve_document(document, request):
    """Wagtail's ``before_serve_document`` hook: the rule for ``/documents/…`` (documents and uploaded videos).

    Returns a response to answer with instead of Wagtail's (a refusal, or nginx's hand-over),
    or ``None`` to let Wagtail stream the file (development).
    """
    if not may_receive_object(request.user, document):
        return refuse(request)
    if settings.MEDIA_ACCEL_REDIRECT:
        return file_response(
            MediaFile(document.file.name, document, document.content_type, document.content_disposition)
        )
    return None
