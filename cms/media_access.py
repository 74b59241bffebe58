"""Who may receive an uploaded file: the one rule behind ``/media/…`` and ``/documents/…``.

Documents (PDFs, handouts, uploaded videos), images and their renditions are attachments of
pages, so they follow the pages:

* a **learner** receives a file only when signed in and allowed to open a *live* page whose
  *live* content uses it — each page type's own rule, as one queryset
  (``pages_open_to``: the audience rule of ``cms.selectors.courses`` for courses and lessons;
  a page type served to everyone, like the home page, to every signed-in person). What the
  live content uses is Wagtail's reference index (``ReferenceIndex``), which records the
  page row, i.e. the published version: a file only in a draft is not the learners';
* a **CMS user** (``wagtailadmin.access_admin``: trainers, reviewers, administrators, whose
  sessions carry their second factor) receives any document, image or rendition: they edit
  drafts, preview them and review them;
* everything else under ``MEDIA_ROOT`` is refused; Wagtail's user avatars go to CMS users only.

A page type with a ``serve`` of its own but no ``pages_open_to`` shares its files with CMS
users only (``tests/cms/test_media_access.py`` holds every page type to one of the two).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex, get_page_models

CMS_PERMISSION = "wagtailadmin.access_admin"
#: Wagtail's upload folders (``upload_to``), most requested first.
RENDITIONS, ORIGINAL_IMAGES, DOCUMENTS, AVATARS = "images/", "original_images/", "documents/", "avatar_images/"


@dataclass(frozen=True)
class MediaFile:
    """A stored file and the document or image it belongs to (``None``: no learner may receive it)."""

    name: str
    owner: Model | None
    content_type: str
    #: the Content-Disposition header (documents: Wagtail's; images: shown inline)
    disposition: str = "inline"


def find_media_file(name: str) -> MediaFile | None:
    """The document, image or rendition stored under ``name`` (relative to ``MEDIA_ROOT``), or ``None``."""
    document_model, image_model = get_document_model(), get_image_model()
    rendition_model = image_model.get_rendition_model()
    lookups = [
        ("rendition", lambda: rendition_model.objects.select_related("image").filter(file=name).first()),
        ("image", lambda: image_model.objects.filter(file=name).first()),
        ("document", lambda: document_model.objects.filter(file=name).first()),
    ]
    # Wagtail's own folders first: a lesson page asks for renditions, a download for a document.
    preferred = {RENDITIONS: "rendition", ORIGINAL_IMAGES: "image", DOCUMENTS: "document"}
    first = next((kind for prefix, kind in preferred.items() if name.startswith(prefix)), None)
    lookups.sort(key=lambda item: item[0] != first)
    for kind, lookup in lookups:
        found = lookup()
        if found is None:
            continue
        if kind == "document":
            return MediaFile(name, found, found.content_type, found.content_disposition)
        owner = found.image if kind == "rendition" else found
        return MediaFile(name, owner, _guess_type(name))
    if name.startswith(AVATARS) and _is_avatar(name):
        return MediaFile(name, None, _guess_type(name))
    return None


def _guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _is_avatar(name: str) -> bool:
    from wagtail.users.models import UserProfile

    return UserProfile.objects.filter(avatar=name).exists()


def is_cms_user(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(CMS_PERMISSION)


def may_receive(user, media: MediaFile) -> bool:
    """Whether ``user`` may receive the file: a learner through a live page they may open, or a CMS user."""
    if not user.is_authenticated:
        return False
    if media.owner is not None and open_pages_using(user, media.owner).exists():
        return True
    return is_cms_user(user)


def may_receive_object(user, owner: Model) -> bool:
    """``may_receive`` for a document or image already in hand (Wagtail's document view)."""
    return may_receive(user, MediaFile(name="", owner=owner, content_type=""))


# --- Which pages use a file ------------------------------------------------------------------


def page_ids_referencing(owner: Model) -> list[int]:
    """Pages whose stored row (the live version of a live page) uses ``owner``, from Wagtail's reference index."""
    page_type = ContentType.objects.get_for_model(Page)
    ids = (
        ReferenceIndex.get_references_to(owner).filter(base_content_type=page_type).values_list("object_id", flat=True)
    )
    return sorted({int(pk) for pk in ids})


def live_pages_using(owner: Model) -> QuerySet[Page]:
    """Live pages whose live content uses the document or image ``owner`` (two queries)."""
    return Page.objects.live().filter(pk__in=page_ids_referencing(owner)).order_by("path")


def open_pages_using(user, owner: Model) -> QuerySet[Page]:
    """Live pages using ``owner`` that ``user`` may open (each page type's own rule)."""
    return live_pages_using(owner).filter(reduce(or_, (Q(pk__in=ids) for ids in _open_page_ids(user))))


def _open_page_ids(user):
    """One subquery per page type: the pages of that type ``user`` may open."""
    yield Page.objects.none().values("pk")
    for model in page_models():
        rule = getattr(model, "pages_open_to", None)
        if rule is not None:
            yield rule(user).values("pk")
        elif serves_everyone(model):
            yield model.objects.live().values("pk")


def page_models() -> list[type[Page]]:
    return [model for model in get_page_models() if model is not Page]


def serves_everyone(model: type[Page]) -> bool:
    """A page type that keeps Wagtail's own ``serve``: every visitor may open its live pages."""
    return model.serve is Page.serve
