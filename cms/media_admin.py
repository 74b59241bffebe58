"""Wagtail admin glue for documents and images (registered from ``cms/wagtail_hooks.py``): a file that a
live page uses does not change or disappear under it.

Wagtail's own edit and delete views for documents and images (single, multiple-upload and bulk)
are replaced at their own addresses by the subclasses below (``admin_urls``, registered ahead of
Wagtail's); the rules are ``cms.services.media``'s:

* the edit page saves an edit that changes what learners see as a new document or image and
  points the drafts of the pages using it at the new one, then tells the trainer which pages
  now wait for review;
* the delete pages (and the bulk delete) refuse, naming the live pages;
* the multiple-upload screen, meant for new uploads, refuses to change a file in use;
* the library's listings (``DocumentIndexView``, ``ImageIndexView``) and the choosers
  (``current_versions_only``, a ``construct_*_chooser_queryset`` hook) offer current versions only:
  an original replaced by a new version waits in its collection “已替换的旧版本”, listed when
  that collection is chosen.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.documents.models import AbstractDocument
from wagtail.documents.views import documents as document_views
from wagtail.documents.views import multiple as document_multiple
from wagtail.images.models import AbstractImage
from wagtail.images.views import images as image_views
from wagtail.images.views import multiple as image_multiple
from wagtail.log_actions import LogFormatter

from cms.services.media import (
    SUPERSEDED_ACTION,
    SUPERSEDED_COLLECTION_NAME,
    MediaInUse,
    Replacement,
    current_versions,
    ensure_deletable,
    must_replace,
    pages_in_use_titles,
    save_as_replacement,
)


def replacement_messages(replacement: Replacement) -> tuple[str, str | None]:
    """What the trainer is told after an edit was saved as a new object: (success, warning or None)."""
    is_image = isinstance(replacement.original, AbstractImage)
    values = {"title": replacement.original.title, "pages": pages_in_use_titles(replacement.updated_pages)}
    if is_image:
        success = _("图片“%(title)s”正被已发布的页面使用，不能直接修改：您的修改已另存为新图片，原图片保持不变。")
    else:
        success = _("文档“%(title)s”正被已发布的页面使用，不能直接修改：您的修改已另存为新文档，原文档保持不变。")
    success %= values
    if replacement.updated_pages:
        if is_image:
            updated = _("以下页面的草稿已改用新图片，待审核通过并发布后学员才会看到：%(pages)s。")
        else:
            updated = _("以下页面的草稿已改用新文档，待审核通过并发布后学员才会看到：%(pages)s。")
        success = f"{success}{updated % values}"
    if not replacement.kept_pages:
        return success, None
    by_reason = defaultdict(list)
    for page, reason in replacement.kept_pages:
        by_reason[reason].append(page)
    if is_image:
        kept = _("以下页面仍使用原图片（%(reason)s）：%(pages)s。")
    else:
        kept = _("以下页面仍使用原文档（%(reason)s）：%(pages)s。")
    warning = "".join(
        kept % {"reason": reason, "pages": pages_in_use_titles(pages)} for reason, pages in by_reason.items()
    )
    return success, warning


class ReplaceInUseEditMixin:
    """The edit page of a document or image: an edit learners would see on a live page becomes a new object."""

    replacement: Replacement | None = None

    def save_instance(self):
        original = type(self.object).objects.get(pk=self.object.pk)
        if not must_replace(original, self.form.changed_data):
            return super().save_instance()
        edited = self.form.save(commit=False)
        self.replacement = save_as_replacement(original=original, edited=edited, user=self.request.user)
        self.form.save_m2m()
        return self.replacement.replacement

    def save_action(self):
        response = super().save_action()
        if self.replacement is not None:
            warning = replacement_messages(self.replacement)[1]
            if warning:
                messages.warning(self.request, warning)
        return response

    def get_success_message(self):
        if self.replacement is None:
            return super().get_success_message()
        return replacement_messages(self.replacement)[0]


class KeepInUseDeleteMixin:
    """The delete page of a document or image: refused while a live page uses it."""

    edit_url_name: str

    def _refuse_if_in_use(self):
        try:
            ensure_deletable(self.object)
        except MediaInUse as exc:
            messages.error(self.request, exc.message)
            return redirect(reverse(self.edit_url_name, args=[self.object.pk]))
        return None

    def get(self, request, *args, **kwargs):
        return self._refuse_if_in_use() or super().get(request, *args, **kwargs)

    def form_valid(self, form):
        return self._refuse_if_in_use() or super().form_valid(form)


class KeepInUseMultipleEditMixin:
    """The multiple-upload screen edits new uploads; a file a live page uses is changed on its own edit page."""

    def post(self, request, *args, **kwargs):
        object_id = kwargs[self.pk_url_kwarg]
        self.model = self.get_model()
        obj = get_object_or_404(self.model, pk=object_id)
        if not self.permission_policy.user_has_permission_for_instance(request.user, "change", obj):
            raise PermissionDenied
        form = self.get_edit_form_class()(
            request.POST,
            request.FILES,
            instance=type(obj).objects.get(pk=obj.pk),
            prefix=f"{self.edit_object_form_prefix}-{object_id}",
            user=request.user,
        )
        if not (form.is_valid() and must_replace(obj, form.changed_data)):
            return super().post(request, *args, **kwargs)
        if isinstance(obj, AbstractImage):
            message = _(
                "图片“%(title)s”正被已发布的页面使用，请在它的编辑页面中修改（修改会另存为新图片，审核通过后生效）。"
            )
        else:
            message = _(
                "文档“%(title)s”正被已发布的页面使用，请在它的编辑页面中修改（修改会另存为新文档，审核通过后生效）。"
            )
        form.add_error(None, message % {"title": obj.title})
        html = render_to_string(
            self.edit_form_template_name,
            {
                self.context_object_name: obj,
                "edit_action": reverse(self.edit_object_url_name, args=(object_id,)),
                "delete_action": reverse(self.delete_object_url_name, args=(object_id,)),
                "form": form,
            },
            request=request,
        )
        return JsonResponse({"success": False, self.context_object_id_name: obj.pk, "form": html})


class KeepInUseMultipleDeleteMixin:
    def post(self, request, *args, **kwargs):
        self.model = self.get_model()
        obj = get_object_or_404(self.model, pk=kwargs[self.pk_url_kwarg])
        if not self.permission_policy.user_has_permission_for_instance(request.user, "delete", obj):
            raise PermissionDenied
        try:
            ensure_deletable(obj)
        except MediaInUse as exc:
            messages.error(request, exc.message)
            return JsonResponse({"success": False, self.context_object_id_name: obj.pk, "error_message": exc.message})
        return super().post(request, *args, **kwargs)


class CurrentVersionsIndexMixin:
    """The library lists current versions; old ones when their collection (“已替换的旧版本”) is chosen."""

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        return queryset if self.request.GET.get("collection_id") else current_versions(queryset)


def current_versions_only(objects, request):
    """``construct_document_chooser_queryset`` / ``construct_image_chooser_queryset``: no replaced original."""
    return current_versions(objects)


class SupersededFormatter(LogFormatter):
    """The history line of an original a new version replaced."""

    label = gettext_lazy("被新版本替换")

    def format_message(self, log_entry):
        title = (log_entry.data or {}).get("replacement", {}).get("title", "")
        return _("被新版本“%(title)s”替换，移入“%(collection)s”") % {
            "title": title,
            "collection": SUPERSEDED_COLLECTION_NAME,
        }


def register_log_actions(actions):
    actions.register_action(SUPERSEDED_ACTION)(SupersededFormatter)


class DocumentIndexView(CurrentVersionsIndexMixin, document_views.IndexView):
    pass


class ImageIndexView(CurrentVersionsIndexMixin, image_views.IndexView):
    pass


class DocumentEditView(ReplaceInUseEditMixin, document_views.EditView):
    pass


class ImageEditView(ReplaceInUseEditMixin, image_views.EditView):
    pass


class DocumentDeleteView(KeepInUseDeleteMixin, document_views.DeleteView):
    edit_url_name = "wagtaildocs:edit"


class ImageDeleteView(KeepInUseDeleteMixin, image_views.DeleteView):
    edit_url_name = "wagtailimages:edit"


class DocumentMultipleEditView(KeepInUseMultipleEditMixin, document_multiple.EditView):
    pass


class ImageMultipleEditView(KeepInUseMultipleEditMixin, image_multiple.EditView):
    pass


class DocumentMultipleDeleteView(KeepInUseMultipleDeleteMixin, document_multiple.DeleteView):
    pass


class ImageMultipleDeleteView(KeepInUseMultipleDeleteMixin, image_multiple.DeleteView):
    pass


def admin_urls():
    """Wagtail's own addresses, answered by the views above (registered ahead of Wagtail's, ``order=-1``)."""
    return [
        path("documents/", DocumentIndexView.as_view(), name="cms_document_index"),
        path("documents/results/", DocumentIndexView.as_view(results_only=True), name="cms_document_index_results"),
        path("images/", ImageIndexView.as_view(), name="cms_image_index"),
        path("images/results/", ImageIndexView.as_view(results_only=True), name="cms_image_index_results"),
        path("documents/edit/<int:document_id>/", DocumentEditView.as_view(), name="cms_document_edit"),
        path("documents/delete/<int:document_id>/", DocumentDeleteView.as_view(), name="cms_document_delete"),
        path("documents/multiple/<int:doc_id>/", DocumentMultipleEditView.as_view(), name="cms_document_edit_multiple"),
        path(
            "documents/multiple/<int:doc_id>/delete/",
            DocumentMultipleDeleteView.as_view(),
            name="cms_document_delete_multiple",
        ),
        path("images/<int:image_id>/", ImageEditView.as_view(), name="cms_image_edit"),
        path("images/<int:image_id>/delete/", ImageDeleteView.as_view(), name="cms_image_delete"),
        path("images/multiple/<int:image_id>/", ImageMultipleEditView.as_view(), name="cms_image_edit_multiple"),
        path(
            "images/multiple/<int:image_id>/delete/",
            ImageMultipleDeleteView.as_view(),
            name="cms_image_delete_multiple",
        ),
    ]


def keep_media_in_use_in_bulk(request, action_type, objects, action_class_instance):
    """``before_bulk_action``: the bulk delete of documents or images refuses those a live page uses."""
    if action_type != "delete":
        return None
    refusals = []
    for obj in objects:
        if not isinstance(obj, (AbstractDocument, AbstractImage)):
            continue
        try:
            ensure_deletable(obj)
        except MediaInUse as exc:
            refusals.append(exc.message)
    if not refusals:
        return None
    for message in refusals:
        messages.error(request, message)
    index = "wagtailimages:index" if isinstance(objects[0], AbstractImage) else "wagtaildocs:index"
    return redirect(get_valid_next_url_from_request(request) or reverse(index))
