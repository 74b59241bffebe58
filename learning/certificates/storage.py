"""Private file storage for certificate PDFs, bulk ZIPs and the seal image.

The files are never under ``MEDIA_ROOT`` (which the web server publishes):
they are read back only through views that check who is asking.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.utils.functional import cached_property


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
        return ("learning.certificates.storage.PrivateStorage", (), {})


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """Callable for ``FileField(storage=...)`` so migrations reference it, not a path."""
    return _private_storage
