"""Documents, videos and images attached to lessons, for the tests of who receives them and how they change."""

from __future__ import annotations

import io
import itertools

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.rich_text import RichText

from cms.models import LessonPage
from tests.cms import course_factories as cf

_seq = itertools.count(1)
RENDITION_SPEC = "max-1200x1200"


def pdf_bytes(marker: str) -> bytes:
    """A small PDF-looking file whose bytes carry ``marker`` (the tests look for it in answers)."""
    return f"%PDF-1.4\n% {marker}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".encode()


def png_bytes(color=(200, 30, 30), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def document(title: str = "听证程序讲义", *, data: bytes | None = None, filename: str | None = None):
    n = next(_seq)
    data = data if data is not None else pdf_bytes(f"document-{n}")
    return _saved(get_document_model()(title=title, file=ContentFile(data, name=filename or f"handout-{n}.pdf")))


def video(title: str = "听证程序示范"):
    n = next(_seq)
    data = b"\x00\x00\x00\x18ftypmp42" + f"video-{n}".encode() * 20
    return _saved(get_document_model()(title=title, file=ContentFile(data, name=f"hearing-{n}.mp4")))


def _saved(document):
    document._set_document_file_metadata()  # as Wagtail's upload form does
    document.save()
    return document


def image(title: str = "听证现场", *, color=None):
    """An image with pixels of its own (Wagtail caches renditions by the file's hash)."""
    n = next(_seq)
    color = color or (n * 37 % 256, n * 91 % 256, n * 53 % 256)
    picture = get_image_model()(title=title, file=ImageFile(io.BytesIO(png_bytes(color)), name=f"hearing-{n}.png"))
    picture._set_image_file_metadata()  # as Wagtail's upload form does: size and hash (renditions are cached by it)
    picture.save()
    return picture


def lesson_with_files(course_page, *, document=None, video=None, image=None, live: bool = True, text: str = ""):
    """A lesson whose body shows the given document, video and image (published unless ``live=False``)."""
    body = [("heading", "附件")]
    if text:
        body.append(("paragraph", RichText(text)))
    if document is not None:
        body.append(("document", {"document": document, "title": ""}))
    if video is not None:
        body.append(("video", {"file": video, "embed": None, "caption": ""}))
    if image is not None:
        body.append(("image", {"image": image, "caption": ""}))
    n = next(_seq)
    page = LessonPage(title=f"附件课时{n}", slug=f"files-{n}", min_study_seconds=60, body=body, live=live)
    course_page.add_child(instance=page)
    if live:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def lesson_files(org_tree, **lesson_kwargs):
    """A 莎车县 course with one published lesson showing a PDF, a video and an image; their objects by name."""
    course_page = cf.course(title="听证程序", units=[org_tree["shache"]])
    files = {"document": document(), "video": video(), "image": image()}
    lesson = lesson_with_files(course_page, **files, **lesson_kwargs)
    rendition = files["image"].get_rendition(RENDITION_SPEC)
    return {"course": course_page, "lesson": lesson, "rendition": rendition, **files}


def read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
