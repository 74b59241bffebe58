"""Private file storage: certificate PDFs, job results and the seal image.

The files are never under ``MEDIA_ROOT`` (which the web server publishes):
they are read back only through views that check who is asking. It lives in
the jobs app, at the bottom of the app graph, so both the jobs and the
certificates can use it without depending on each other.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.http import FileResponse, HttpResponse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header


class PrivateStorage(FileSystemStorage):
    """A file system storage rooted at ``settings.PRIVATE_MEDIA_ROOT`` that has no URL."""

    def __init__(self) -> None:
        super().__init__(location=None, base_url=None)
        setting_changed.connect(self._clear_private_root)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_private_root(self, *, setting, **kwargs) -> None:
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("私有文件没有公开地址，请通过下载视图读取。")

    def deconstruct(self):
        return ("jobs.storage.PrivateStorage", (), {})


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """Callable for ``FileField(storage=...)`` so migrations reference it, not a path."""
    return _private_storage


def private_download(field_file, *, filename: str, content_type: str | None = None):
    """A private file as a download, after the view has checked who is asking.

    Behind nginx (``PRIVATE_MEDIA_ACCEL_REDIRECT`` set, e.g. ``/_private/``) the answer is
    empty and nginx sends the file from its ``internal`` location (deploy/nginx.conf), so a
    large ZIP does not hold a gunicorn worker; otherwise Python streams it.
    """
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if not prefix:
        return FileResponse(field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
    return response
