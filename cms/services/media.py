"""A document, image or video that a live page uses never changes under it (DESIGN invariant 8,
"attachments included").

Wagtail edits documents and images in place: a file uploaded in the edit form replaces the old
one on disk, and every page showing it, published ones included, shows the new file at once,
unreviewed. So when an edit changes what learners see of a file (``LEARNER_VISIBLE_FIELDS``:
the file itself, its title, an image's alt text and focal point) and a live page uses it
(``cms.media_access.live_pages_using``), the edit is saved as a **new** document or image
(``save_as_replacement``):

* the original keeps its row and its file, so every live page goes on showing what was reviewed;
* the draft (latest revision) of each page that uses the original is saved again pointing at the
  new one, through Wagtail's ``EditPageAction`` as the editor (a new revision in the page's
  history); the new file reaches learners when that draft is approved and published, however it
  is published — nothing here publishes;
* pages the editor may not edit (no permission, locked, under review) keep the original and are
  named, so the trainer knows what still shows the old file;
* the original is an old version from then on, and the library says so: it moves into the collection
  “已替换的旧版本” below the one it was in (``retire``), which the library's listing leaves out unless
  that collection is chosen and the choosers always leave out (``current_versions``; the views in
  ``cms/media_admin.py``), so trainers meet one entry per title, the current one. Its row, file and
  title (which learners see) stay as they were, and the pages still using it keep working.

Deleting a document or image a live page uses is refused, naming the pages (``ensure_deletable``).
Edits that change nothing learners see (tags, collection) are made in place, as Wagtail does.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from wagtail import blocks
from wagtail.actions import EditPageAction
from wagtail.documents.models import AbstractDocument
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage
from wagtail.log_actions import log
from wagtail.models import Collection, Page
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs
from wagtail.search import index as search_index

from cms.media_access import live_pages_using, page_ids_referencing

FOCAL_POINT = ("focal_point_x", "focal_point_y", "focal_point_width", "focal_point_height")
#: Fields of a document or image that a learner sees: the file, the link text or alt text, the crop.
LEARNER_VISIBLE_FIELDS = {
    AbstractDocument: ("file", "title"),
    AbstractImage: ("file", "title", "description", *FOCAL_POINT),
}


#: The collection an original replaced by a new version moves to, below the collection it was in. A name,
#: not a translation: collections are data, and this one is found by it.
SUPERSEDED_COLLECTION_NAME = "已替换的旧版本"
#: The log entry of an original when a new version replaces it (its history says so).
SUPERSEDED_ACTION = "cms.media_superseded"


class MediaInUse(Exception):
    """A document or image that live pages use cannot be deleted; ``pages`` names them."""

    def __init__(self, message: str, pages: list[Page]):
        super().__init__(message)
        self.message = message
        self.pages = pages


@dataclass
class Replacement:
    """What ``save_as_replacement`` did: the new object, and the pages whose draft now uses it."""

    original: models.Model
    replacement: models.Model
    updated_pages: list[Page] = field(default_factory=list)
    #: pages that still use the original in their draft (the editor may not edit them), with the reason
    kept_pages: list[tuple[Page, str]] = field(default_factory=list)


def visible_changes(model: type[models.Model], changed_fields) -> list[str]:
    """Which of ``changed_fields`` (a form's ``changed_data``) change what learners see of a ``model`` object."""
    visible = next((names for base, names in LEARNER_VISIBLE_FIELDS.items() if issubclass(model, base)), ())
    return [name for name in changed_fields if name in visible]


def must_replace(original: models.Model, changed_fields) -> bool:
    """An edit to ``original`` must be saved as a new object: it changes what learners of a live page see."""
    return bool(visible_changes(type(original), changed_fields)) and live_pages_using(original).exists()


def pages_in_use_titles(pages) -> str:
    """Page titles for a message: “第一章 总则”、“第二章 …”."""
    return _("、").join(f"“{page.get_admin_display_title()}”" for page in pages)


def ensure_deletable(owner: models.Model) -> None:
    """Refuse to delete a document or image that live pages use (``MediaInUse`` names them)."""
    pages = list(live_pages_using(owner))
    if not pages:
        return
    if isinstance(owner, AbstractImage):
        message = _("图片“%(title)s”正被已发布的页面使用，不能删除：%(pages)s。请先在这些页面中换用其他图片并发布。")
    else:
        message = _("文档“%(title)s”正被已发布的页面使用，不能删除：%(pages)s。请先在这些页面中换用其他文档并发布。")
    raise MediaInUse(message % {"title": owner.title, "pages": pages_in_use_titles(pages)}, pages)


@transaction.atomic
def save_as_replacement(*, original: models.Model, edited: models.Model, user) -> Replacement:
    """Save ``edited`` (the submitted values on an unsaved copy of ``original``) as a new object; point drafts at it.

    ``edited`` is what ``form.save(commit=False)`` returns for the original; after this the
    caller saves the form's many-to-many data (tags), which then belong to the new object.
    ``original`` is the row as stored, untouched by the form.
    """
    edited.pk = None
    edited._state.adding = True
    edited.uploaded_by_user = user
    if is_superseded_collection(edited.collection):
        # An old version edited again: the new version is the current one, where current ones are.
        edited.collection = edited.collection.get_parent()
    if edited.file.name == original.file.name:
        # The same file under two objects would be deleted with either: the new one gets a copy.
        with original.file.open("rb") as source:
            edited.file.save(os.path.basename(original.file.name), source, save=False)
    edited.save()
    search_index.insert_or_update_object(edited)
    log(instance=edited, action="wagtail.create", user=user)
    retire(original, replacement=edited, user=user)
    result = Replacement(original=original, replacement=edited)
    for page, draft in _drafts_using(original):
        if not replace_references(draft, original, edited):
            continue
        try:
            with transaction.atomic():
                EditPageAction(draft, user=user).execute()
        except PermissionDenied:
            result.kept_pages.append((page, _("您无权编辑，或页面已锁定、正在审核")))
        except ValidationError:
            result.kept_pages.append((page, _("草稿内容未通过校验，请打开页面修改")))
        else:
            result.updated_pages.append(page)
    return result


def is_superseded_collection(collection: Collection) -> bool:
    return collection.name == SUPERSEDED_COLLECTION_NAME and not collection.is_root()


def superseded_collection(collection: Collection) -> Collection:
    """The collection “已替换的旧版本” below ``collection`` (made when first needed; itself if it is one)."""
    if is_superseded_collection(collection):
        return collection
    collection = Collection.objects.get(pk=collection.pk)  # its place in the tree as stored
    return collection.get_children().filter(name=SUPERSEDED_COLLECTION_NAME).first() or collection.add_child(
        name=SUPERSEDED_COLLECTION_NAME
    )


def retire(original: models.Model, *, replacement: models.Model, user) -> None:
    """Mark ``original`` as replaced by ``replacement``: it moves into “已替换的旧版本”, nothing learners see changes.

    Only the collection changes (an update of that column: the file, the title, the alt text and
    the crop stay as reviewed), so the library and the choosers offer the new version alone
    (``current_versions``) while live pages go on showing the original.
    """
    retired = superseded_collection(original.collection)
    type(original).objects.filter(pk=original.pk).update(collection=retired)
    original.collection = retired
    search_index.insert_or_update_object(original)
    log(
        instance=original,
        action=SUPERSEDED_ACTION,
        user=user,
        data={"replacement": {"id": replacement.pk, "title": replacement.title}},
    )


def current_versions(queryset: models.QuerySet) -> models.QuerySet:
    """The documents or images of ``queryset`` that no newer version replaced (none in “已替换的旧版本”).

    By collection id, the one field of theirs Wagtail's search can filter on too (the library's search).
    """
    superseded = Collection.objects.filter(name=SUPERSEDED_COLLECTION_NAME, depth__gt=1).values_list("pk", flat=True)
    return queryset.exclude(collection_id__in=list(superseded))


def _drafts_using(original: models.Model):
    """``(page, latest draft as an object)`` for every page that may use ``original``.

    The reference index knows what each page row uses (the live version of a live page);
    a draft saved since (``has_unpublished_changes``) is read from its revision.
    """
    candidates = (
        Page.objects.filter(Q(pk__in=page_ids_referencing(original)) | Q(has_unpublished_changes=True))
        .order_by("path")
        .specific()
    )
    for page in candidates:
        yield page, page.get_latest_revision_as_object()


# --- Rewriting a page's references ------------------------------------------------------------


def replace_references(page: Page, old: models.Model, new: models.Model) -> bool:
    """Point every use of ``old`` in ``page``'s fields (foreign keys, StreamFields, rich text) at ``new``.

    Changes the object in memory only; returns whether anything changed.
    """
    target = _Target(type(old), old.pk, new.pk)
    changed = False
    for model_field in page._meta.concrete_fields:
        if isinstance(model_field, StreamField):
            raw = list(getattr(page, model_field.name).raw_data)
            rewritten, hit = _rewrite_stream(model_field.stream_block, raw, target)
            if hit:
                setattr(page, model_field.name, rewritten)
        elif isinstance(model_field, RichTextField):
            html, hit = _rewrite_html(getattr(page, model_field.name) or "", target)
            if hit:
                setattr(page, model_field.name, html)
        elif model_field.many_to_one and issubclass(target.model, model_field.related_model):
            hit = getattr(page, model_field.attname) == old.pk
            if hit:
                setattr(page, model_field.attname, new.pk)
        else:
            hit = False
        changed = changed or hit
    return changed


@dataclass(frozen=True)
class _Target:
    model: type[models.Model]
    old: int
    new: int

    def matches(self, value) -> bool:
        return value is not None and str(value) == str(self.old)

    @property
    def rich_text(self) -> tuple[re.Pattern, str, str]:
        """How rich text stores a use: ``<embed embedtype="image" id=…/>``, ``<a linktype="document" id=…>``."""
        if issubclass(self.model, AbstractImage):
            return FIND_EMBED_TAG, "embedtype", "image"
        return FIND_A_TAG, "linktype", "document"


_ID_ATTR = re.compile(r'(\s)id="[^"]*"')


def _rewrite_html(html: str, target: _Target) -> tuple[str, bool]:
    pattern, kind_attr, kind = target.rich_text
    hits = []

    def rewrite(match: re.Match) -> str:
        attrs = extract_attrs(match.group(1))
        if attrs.get(kind_attr) != kind or not target.matches(attrs.get("id")):
            return match.group(0)
        hits.append(match)
        return _ID_ATTR.sub(lambda m: f'{m.group(1)}id="{target.new}"', match.group(0), count=1)

    rewritten = pattern.sub(rewrite, html)
    return rewritten, bool(hits)


def _rewrite_block(block: blocks.Block, value, target: _Target):
    """``(raw value, changed)`` for one block's raw (JSON) value."""
    if isinstance(block, blocks.ChooserBlock):
        if issubclass(target.model, block.model_class) and target.matches(value):
            return target.new, True
        return value, False
    if isinstance(block, blocks.RichTextBlock):
        return _rewrite_html(value or "", target) if value else (value, False)
    if isinstance(block, blocks.StreamBlock):
        return _rewrite_stream(block, value or [], target)
    if isinstance(block, blocks.StructBlock) and isinstance(value, dict):
        result, changed = dict(value), False
        for name, child in block.child_blocks.items():
            if name in result:
                result[name], hit = _rewrite_block(child, result[name], target)
                changed = changed or hit
        return result, changed
    if isinstance(block, blocks.ListBlock) and isinstance(value, list):
        result, changed = [], False
        for item in value:
            if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                new_value, hit = _rewrite_block(block.child_block, item["value"], target)
                result.append({**item, "value": new_value})
            else:
                new_value, hit = _rewrite_block(block.child_block, item, target)
                result.append(new_value)
            changed = changed or hit
        return result, changed
    return value, False


def _rewrite_stream(block: blocks.StreamBlock, items: list, target: _Target) -> tuple[list, bool]:
    result, changed = [], False
    for item in items:
        child = block.child_blocks.get(item.get("type"))
        if child is None:
            result.append(item)
            continue
        new_value, hit = _rewrite_block(child, item.get("value"), target)
        result.append({**item, "value": new_value})
        changed = changed or hit
    return result, changed
