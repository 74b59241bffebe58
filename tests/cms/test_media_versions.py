"""Reviewed content stays reviewed, attachments included (DESIGN invariant 8; cms/services/media.py).

A trainer who replaces the PDF (or image, or video) of a live lesson in the CMS gets a new
document: learners keep the reviewed file until the lesson's new draft is approved and published,
whichever way that happens. Deleting a file a live page uses is refused.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, ModelLogEntry, Page
from wagtail.rich_text import RichText

from cms.models import HomePage, LessonPage
from cms.services.media import replace_references
from cms.setup import ensure_workflow_and_permissions
from tests.auth import sign_in
from tests.cms import course_factories as cf
from tests.cms import media_helpers as mh

Document, Image = get_document_model(), get_image_model()
NEW_PDF = mh.pdf_bytes("the new, unreviewed handout")


@pytest.fixture
def files(org_tree):
    ensure_workflow_and_permissions()
    return mh.lesson_files(org_tree)


def content_of(obj) -> bytes:
    with obj.file.open("rb") as handle:
        return handle.read()


def uses(page, kind: str) -> int | None:
    """The id of the document/video/image a lesson's body shows in its ``kind`` block."""
    field = {"document": "document", "video": "file", "image": "image"}[kind]
    return next(item["value"][field] for item in page.body.raw_data if item["type"] == kind)


def draft_of(page):
    return Page.objects.get(pk=page.pk).specific.get_latest_revision_as_object()


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def document_form(document, **changes) -> dict:
    return {"title": document.title, "collection": Collection.get_first_root_node().pk, "tags": "", **changes}


def image_form(image, **changes) -> dict:
    data = {"title": image.title, "description": image.description, "collection": image.collection_id, "tags": ""}
    for name in ("focal_point_x", "focal_point_y", "focal_point_width", "focal_point_height"):
        value = getattr(image, name)
        data[name] = "" if value is None else value
    return {**data, **changes}


def edit_document(client, document, **changes):
    return client.post(reverse("wagtaildocs:edit", args=[document.pk]), document_form(document, **changes))


# --- the story of the issue: a replaced PDF waits for the review ------------------------------


def test_a_replaced_pdf_reaches_learners_only_when_the_lessons_new_revision_is_published(
    files, trainer, reviewer, learner
):
    original, lesson = files["document"], files["lesson"]
    reviewed = content_of(original)
    response = edit_document(sign_in(Client(), trainer), original, file=SimpleUploadedFile("new.pdf", NEW_PDF))
    assert response.status_code == 302

    # A new document holds the new file; the original, its row and its file, is as reviewed.
    replacement = Document.objects.exclude(pk__in=[original.pk, files["video"].pk]).get()
    assert content_of(replacement) == NEW_PDF and replacement.uploaded_by_user == trainer
    original.refresh_from_db()
    assert content_of(original) == reviewed and original.file.name != replacement.file.name

    # The live lesson still shows the original; its new draft (by the trainer) shows the new one.
    lesson.refresh_from_db()
    assert lesson.has_unpublished_changes
    assert uses(lesson, "document") == original.pk
    assert uses(draft_of(lesson), "document") == replacement.pk
    assert lesson.get_latest_revision().user == trainer
    assert uses(draft_of(lesson), "video") == files["video"].pk  # the rest of the draft is as it was

    (message,) = said(response)
    assert "正被已发布的页面使用" in message and "另存为新文档" in message and "原文档保持不变" in message
    assert f"“{lesson.title}”" in message and "待审核通过并发布后学员才会看到" in message

    learner_client = sign_in(Client(), learner)
    page_html = learner_client.get(lesson.url).content.decode()
    assert original.url in page_html and replacement.url not in page_html
    assert mh.read(learner_client.get(original.url)) == reviewed
    assert learner_client.get(replacement.url).status_code == 404

    # The reviewer approves the lesson's new revision: now the learners get the new file.
    lesson.get_latest_revision().publish(user=reviewer)
    lesson.refresh_from_db()
    assert uses(lesson, "document") == replacement.pk
    page_html = learner_client.get(lesson.url).content.decode()
    assert replacement.url in page_html and original.url not in page_html
    assert mh.read(learner_client.get(replacement.url)) == NEW_PDF
    assert learner_client.get(original.url).status_code == 404  # no live page uses it any more


def test_a_replaced_video_follows_the_same_rule(files, trainer, learner):
    video, lesson = files["video"], files["lesson"]
    response = edit_document(
        sign_in(Client(), trainer), video, file=SimpleUploadedFile("new.mp4", b"\x00\x00\x00\x18ftypmp42new")
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert uses(lesson, "video") == video.pk
    new_video = draft_of(lesson)
    assert uses(new_video, "video") != video.pk
    assert content_of(Document.objects.get(pk=uses(new_video, "video"))).endswith(b"new")


def test_an_image_whose_crop_changes_is_saved_as_a_new_image(files, trainer, learner):
    picture, lesson = files["image"], files["lesson"]
    reviewed_rendition = files["rendition"]
    response = sign_in(Client(), trainer).post(
        reverse("wagtailimages:edit", args=[picture.pk]),
        image_form(picture, focal_point_x=10, focal_point_y=10, focal_point_width=8, focal_point_height=8),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    picture.refresh_from_db()
    assert picture.focal_point_x is None and picture.renditions.filter(pk=reviewed_rendition.pk).exists()
    replacement = Image.objects.exclude(pk=picture.pk).get()
    assert replacement.focal_point_x == 10
    # The same pixels, in a file of its own (deleting either image deletes only its own file).
    assert content_of(replacement) == content_of(picture) and replacement.file.name != picture.file.name
    lesson.refresh_from_db()
    assert uses(lesson, "image") == picture.pk and uses(draft_of(lesson), "image") == replacement.pk
    assert "另存为新图片" in said(response)[0]
    assert sign_in(Client(), learner).get(reviewed_rendition.url).status_code == 200


def test_a_new_title_is_a_new_document_with_a_copy_of_the_file(files, trainer):
    original = files["document"]
    edit_document(sign_in(Client(), trainer), original, title="听证程序讲义（修订）")
    original.refresh_from_db()
    assert original.title == "听证程序讲义"
    replacement = Document.objects.get(title="听证程序讲义（修订）")
    assert content_of(replacement) == content_of(original) and replacement.file.name != original.file.name


def test_tags_change_nothing_learners_see_and_are_saved_in_place(files, trainer):
    original = files["document"]
    count = Document.objects.count()
    edit_document(sign_in(Client(), trainer), original, tags="听证")
    assert Document.objects.count() == count
    assert list(original.tags.names()) == ["听证"]


def test_a_file_no_live_page_uses_is_edited_in_place(org_tree, trainer):
    ensure_workflow_and_permissions()
    draft_only = mh.document("草稿附件")
    mh.lesson_with_files(cf.course(units=[org_tree["shache"]]), document=draft_only, live=False)
    count = Document.objects.count()
    response = edit_document(sign_in(Client(), trainer), draft_only, file=SimpleUploadedFile("new.pdf", NEW_PDF))
    assert response.status_code == 302
    draft_only.refresh_from_db()
    assert Document.objects.count() == count and content_of(draft_only) == NEW_PDF


def test_every_draft_using_the_file_is_pointed_at_the_new_one_and_pages_the_trainer_may_not_edit_are_named(
    files, trainer
):
    original = files["document"]
    unpublished = mh.lesson_with_files(files["course"], document=original, live=False)
    home = HomePage.objects.get()
    home.intro = f'<p>请阅读<a id="{original.pk}" linktype="document">讲义</a></p>'
    home.save_revision().publish()

    response = edit_document(sign_in(Client(), trainer), original, file=SimpleUploadedFile("new.pdf", NEW_PDF))
    replacement = Document.objects.get(file__startswith="documents/new")
    assert uses(draft_of(files["lesson"]), "document") == replacement.pk
    assert uses(draft_of(unpublished), "document") == replacement.pk
    # Trainers may not edit the home page: it keeps the original, and the trainer is told.
    home.refresh_from_db()
    assert f'id="{original.pk}"' in draft_of(home).intro and not home.has_unpublished_changes
    success, warning = said(response)
    assert files["lesson"].title in success and unpublished.title in success and home.title not in success
    assert "仍使用原文档" in warning and f"“{home.title}”" in warning and "您无权编辑" in warning


# --- the library offers the current version; the replaced original is an old version ----------


def listed_ids(response, kind: str) -> set[int]:
    """The ids of the documents or images a library listing or chooser shows (by their edit or choose links)."""
    html = response.content.decode()
    if kind == "document":
        found = re.findall(r"/cms/documents/(?:edit|chooser/chosen)/(\d+)/", html)
    else:
        found = re.findall(r"/cms/images/(?:chooser/chosen/)?(\d+)/", html)
    return {int(pk) for pk in found}


def test_the_replaced_original_leaves_the_library_and_the_chooser_but_keeps_serving_its_live_page(
    files, trainer, learner
):
    original, lesson = files["document"], files["lesson"]
    root = Collection.get_first_root_node()
    client = sign_in(Client(), trainer)
    edit_document(client, original, file=SimpleUploadedFile("new.pdf", NEW_PDF))
    replacement = Document.objects.get(file__startswith="documents/new")

    # Same title, but only one of them is current: the original waits in “已替换的旧版本” below its collection.
    original.refresh_from_db()
    assert original.title == replacement.title == "听证程序讲义"
    assert replacement.collection == root and root.name == "默认集合"  # not Wagtail's "Root", now listed beside it
    assert original.collection.name == "已替换的旧版本" and original.collection.get_parent() == root

    listing = listed_ids(client.get(reverse("wagtaildocs:index")), "document")
    assert replacement.pk in listing and original.pk not in listing
    results = listed_ids(client.get(reverse("wagtaildocs:index_results") + "?q=听证"), "document")
    assert replacement.pk in results and original.pk not in results
    chooser = listed_ids(client.get(reverse("wagtaildocs_chooser:choose")), "document")
    assert replacement.pk in chooser and original.pk not in chooser
    old_versions = client.get(reverse("wagtaildocs:index") + f"?collection_id={original.collection_id}")
    assert listed_ids(old_versions, "document") == {original.pk}

    # Learners of the live lesson still get the reviewed original, title and file.
    learner_client = sign_in(Client(), learner)
    lesson.refresh_from_db()
    assert uses(lesson, "document") == original.pk
    assert mh.read(learner_client.get(original.url)) == content_of(original) != NEW_PDF
    assert "听证程序讲义" in learner_client.get(lesson.url).content.decode()

    # Its history says what happened.
    entry = ModelLogEntry.objects.filter(object_id=str(original.pk), action="cms.media_superseded").get()
    assert entry.user == trainer and entry.data["replacement"]["id"] == replacement.pk
    assert entry.message == "被新版本“听证程序讲义”替换，移入“已替换的旧版本”"


def test_a_replaced_image_leaves_the_image_library_and_chooser(files, trainer):
    picture = files["image"]
    client = sign_in(Client(), trainer)
    response = client.post(
        reverse("wagtailimages:edit", args=[picture.pk]), image_form(picture, description="新的说明")
    )
    assert response.status_code == 302
    replacement = Image.objects.exclude(pk=picture.pk).get()
    picture.refresh_from_db()
    assert picture.collection.name == "已替换的旧版本" and picture.description == ""

    for url in (reverse("wagtailimages:index"), reverse("wagtailimages_chooser:choose")):
        listed = listed_ids(client.get(url), "image")
        assert replacement.pk in listed and picture.pk not in listed, url


def test_each_replacement_leaves_one_current_version_and_keeps_one_old_versions_collection(files, trainer):
    client = sign_in(Client(), trainer)
    first = files["document"]
    edit_document(client, first, file=SimpleUploadedFile("new.pdf", NEW_PDF))
    second = Document.objects.get(file__startswith="documents/new")
    Page.objects.get(pk=files["lesson"].pk).get_latest_revision().publish()  # the new version goes live
    edit_document(client, second, title="听证程序讲义（第三版）")

    root = Collection.get_first_root_node()
    current = Document.objects.filter(title__startswith="听证程序讲义", collection=root)
    assert [d.title for d in current] == ["听证程序讲义（第三版）"]
    old = Collection.objects.get(name="已替换的旧版本")
    assert set(Document.objects.filter(collection=old).values_list("pk", flat=True)) == {first.pk, second.pk}


def test_an_old_version_edited_again_gives_a_current_version(files, trainer):
    client = sign_in(Client(), trainer)
    original = files["document"]
    edit_document(client, original, file=SimpleUploadedFile("new.pdf", NEW_PDF))
    original.refresh_from_db()

    # The live lesson still uses the original; an edit of it is again a new version, current this time.
    edit_document(client, original, title="听证程序讲义（勘误）", collection=original.collection_id)
    corrected = Document.objects.get(title="听证程序讲义（勘误）")
    assert corrected.collection == Collection.get_first_root_node()
    assert corrected.pk in listed_ids(client.get(reverse("wagtaildocs:index")), "document")


# --- deleting a file in use is refused ----------------------------------------------------------


def test_deleting_a_document_a_live_lesson_uses_is_refused(files, admin_user):
    """Administrators may delete documents (trainers may not delete any): not one a live lesson uses."""
    original, lesson = files["document"], files["lesson"]
    delete_url = reverse("wagtaildocs:delete", args=[original.pk])
    for method in ("get", "post"):
        response = getattr(sign_in(Client(), admin_user), method)(delete_url)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtaildocs:edit", args=[original.pk])
        (message,) = said(response)
        assert (
            message
            == f"文档“{original.title}”正被已发布的页面使用，不能删除：“{lesson.title}”。请先在这些页面中换用其他文档并发布。"
        )
        assert Document.objects.filter(pk=original.pk).exists()


def test_deleting_an_image_in_use_is_refused_on_every_delete_route(files, admin_user):
    picture = files["image"]
    client = sign_in(Client(), admin_user)
    response = client.post(reverse("wagtailimages:delete", args=[picture.pk]))
    assert response.status_code == 302 and "不能删除" in said(response)[0]
    response = client.post(reverse("wagtailimages:delete_multiple", args=[picture.pk]))
    assert json.loads(response.content)["success"] is False
    bulk = reverse("wagtail_bulk_action", args=("wagtailimages", "image", "delete"))
    response = client.post(f"{bulk}?id={picture.pk}&next={reverse('wagtailimages:index')}")
    assert response.status_code == 302 and response["Location"] == reverse("wagtailimages:index")
    assert any("不能删除" in message for message in said(response))
    assert Image.objects.filter(pk=picture.pk).exists()
    assert content_of(picture)


def test_deleting_a_video_in_use_in_bulk_is_refused(files, admin_user):
    video = files["video"]
    client = sign_in(Client(), admin_user)
    bulk = reverse("wagtail_bulk_action", args=("wagtaildocs", "document", "delete"))
    response = client.post(f"{bulk}?id={video.pk}")
    assert response.status_code == 302 and response["Location"] == reverse("wagtaildocs:index")
    assert Document.objects.filter(pk=video.pk).exists()
    response = client.post(reverse("wagtaildocs:delete_multiple", args=[video.pk]))
    assert json.loads(response.content)["success"] is False and Document.objects.filter(pk=video.pk).exists()


def test_a_file_no_live_page_uses_can_be_deleted(files, admin_user):
    unused = mh.document("未使用")
    response = sign_in(Client(), admin_user).post(reverse("wagtaildocs:delete", args=[unused.pk]))
    assert response.status_code == 302
    assert not Document.objects.filter(pk=unused.pk).exists()


def test_the_multiple_upload_screen_does_not_change_a_file_in_use(files, trainer):
    original = files["document"]
    prefix = f"doc-{original.pk}"
    response = sign_in(Client(), trainer).post(
        reverse("wagtaildocs:edit_multiple", args=[original.pk]),
        {
            f"{prefix}-title": "改过的标题",
            f"{prefix}-collection": Collection.get_first_root_node().pk,
            f"{prefix}-tags": "",
        },
    )
    answer = json.loads(response.content)
    assert answer["success"] is False and "请在它的编辑页面中修改" in answer["form"]
    original.refresh_from_db()
    assert original.title == "听证程序讲义"


def test_wagtails_edit_and_delete_addresses_are_answered_by_the_guarded_views():
    from django.urls import resolve

    from cms import media_admin

    expected = {
        reverse("wagtaildocs:edit", args=[1]): media_admin.DocumentEditView,
        reverse("wagtaildocs:delete", args=[1]): media_admin.DocumentDeleteView,
        reverse("wagtaildocs:edit_multiple", args=[1]): media_admin.DocumentMultipleEditView,
        reverse("wagtaildocs:delete_multiple", args=[1]): media_admin.DocumentMultipleDeleteView,
        reverse("wagtailimages:edit", args=[1]): media_admin.ImageEditView,
        reverse("wagtailimages:delete", args=[1]): media_admin.ImageDeleteView,
        reverse("wagtailimages:edit_multiple", args=[1]): media_admin.ImageMultipleEditView,
        reverse("wagtailimages:delete_multiple", args=[1]): media_admin.ImageMultipleDeleteView,
        reverse("wagtaildocs:index"): media_admin.DocumentIndexView,
        reverse("wagtaildocs:index_results"): media_admin.DocumentIndexView,
        reverse("wagtailimages:index"): media_admin.ImageIndexView,
        reverse("wagtailimages:index_results"): media_admin.ImageIndexView,
    }
    assert {url: resolve(url).func.view_class for url in expected} == expected


# --- rewriting a page's references ------------------------------------------------------------


def test_every_kind_of_reference_is_pointed_at_the_new_object(org_tree):
    old_doc, other_doc, new_doc = mh.document(), mh.document(), mh.document()
    old_image, new_image = mh.image(), mh.image()
    course_page = cf.course()
    course_page.cover = old_image
    assert replace_references(course_page, old_image, new_image) and course_page.cover_id == new_image.pk
    lesson = LessonPage(
        title="引用",
        slug="refs",
        body=[
            (
                "paragraph",
                RichText(
                    f'<p><a linktype="document" id="{old_doc.pk}">讲义</a> <a linktype="document" id="{other_doc.pk}">'
                    f'其他</a> <a linktype="page" id="{old_doc.pk}">页面</a></p>'
                    f'<embed alt="图" embedtype="image" format="fullwidth" id="{old_image.pk}"/>'
                ),
            ),
            ("document", {"document": old_doc, "title": ""}),
            ("video", {"file": old_doc, "embed": None, "caption": ""}),
            ("image", {"image": old_image, "caption": ""}),
        ],
    )
    assert replace_references(lesson, old_doc, new_doc)
    html = lesson.body.raw_data[0]["value"]
    assert f'linktype="document" id="{new_doc.pk}"' in html
    assert f'id="{other_doc.pk}">其他' in html and f'linktype="page" id="{old_doc.pk}"' in html
    assert uses(lesson, "document") == new_doc.pk and uses(lesson, "video") == new_doc.pk
    assert uses(lesson, "image") == old_image.pk
    assert replace_references(lesson, old_image, new_image)
    assert uses(lesson, "image") == new_image.pk and f'id="{new_image.pk}"/>' in lesson.body.raw_data[0]["value"]
    assert not replace_references(lesson, old_doc, new_doc)
