"""Attachments go only to the people allowed to see a live page that uses them (cms/media_access.py).

Documents and videos through Wagtail's document view and its ``before_serve_document`` hook,
images and renditions (and anything else under ``MEDIA_ROOT``) through ``/media/…``; behind
nginx both answer with ``X-Accel-Redirect`` (``MEDIA_ACCEL_REDIRECT``). The sweep at the end
requests every routed URL with the names and ids of real files and proves none of them hands
a file to someone the rule does not admit.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from cms.media_access import page_models, serves_everyone
from cms.models import HomePage
from cms.setup import ensure_workflow_and_permissions
from tests.auth import sign_in
from tests.cms import course_factories as cf
from tests.cms import media_helpers as mh
from tests.factories import UserFactory

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml", "HTTP_SEC_FETCH_DEST": "document"}
EMBEDDED = {"image": {"HTTP_SEC_FETCH_DEST": "image"}, "video": {"HTTP_SEC_FETCH_DEST": "video"}}


@pytest.fixture
def files(org_tree):
    ensure_workflow_and_permissions()
    return mh.lesson_files(org_tree)


@pytest.fixture
def outsider(org_tree):
    """A learner of 疏附县: not in the 莎车县 course's audience."""
    return UserFactory(full_name="疏附学员", org_unit=org_tree["shufu_dept"])


def urls(files) -> dict[str, str]:
    return {
        "document": files["document"].url,
        "video": files["video"].url,
        "image": files["image"].file.url,
        "rendition": files["rendition"].url,
    }


def content_of(obj) -> bytes:
    with obj.file.open("rb") as handle:
        return handle.read()


def signed_in(user) -> Client:
    return sign_in(Client(), user)


# --- who receives a file ------------------------------------------------------------------


def test_a_learner_of_the_audience_receives_the_lessons_document_video_image_and_rendition(files, learner):
    client = signed_in(learner)
    for kind, url in urls(files).items():
        response = client.get(url)
        assert response.status_code == 200, (kind, url)
        assert mh.read(response) == content_of(files[kind]), kind
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "X-Accel-Redirect" not in response
    assert client.get(urls(files)["rendition"])["Content-Type"] == "image/png"


def test_the_lesson_page_links_the_files_through_the_guarded_addresses(files, learner):
    html = signed_in(learner).get(files["lesson"].url).content.decode()
    assert f'href="{files["document"].url}"' in html and files["document"].url.startswith("/documents/")
    assert f'src="{files["video"].url}"' in html
    assert files["rendition"].url in html and files["rendition"].url.startswith(settings.MEDIA_URL)


@pytest.mark.parametrize("kind", ["document", "video", "image", "rendition"])
def test_a_visitor_who_is_not_signed_in_is_refused(files, kind):
    url = urls(files)[kind]
    opened = Client().get(url, **HTML)
    assert opened.status_code == 302
    assert opened["Location"] == redirect_to_login(url)["Location"]
    embedded = Client().get(url, **EMBEDDED["video" if kind == "video" else "image"])
    assert embedded.status_code == 403
    for response in (opened, embedded):
        assert "X-Accel-Redirect" not in response
        assert content_of(files[kind]) not in mh.read(response)


@pytest.mark.parametrize("kind", ["document", "video", "image", "rendition"])
def test_a_learner_outside_the_audience_gets_not_found(files, outsider, kind):
    response = signed_in(outsider).get(urls(files)[kind])
    assert response.status_code == 404
    assert content_of(files[kind]) not in mh.read(response)


def test_a_file_of_an_unpublished_lesson_or_course_is_not_the_learners(org_tree, learner):
    ensure_workflow_and_permissions()
    course_page = cf.course(units=[org_tree["shache"]])
    draft_lesson_doc, live_lesson_doc = mh.document(), mh.document()
    mh.lesson_with_files(course_page, document=draft_lesson_doc, live=False)
    live_lesson = mh.lesson_with_files(course_page, document=live_lesson_doc)
    client = signed_in(learner)
    assert client.get(draft_lesson_doc.url).status_code == 404
    assert client.get(live_lesson_doc.url).status_code == 200
    course_page.unpublish()
    assert client.get(live_lesson_doc.url).status_code == 404
    assert live_lesson.get_latest_revision() is not None


def test_a_file_only_in_a_lessons_draft_waits_for_the_review(files, learner, trainer):
    """Added to the draft of a live lesson: the trainer (preview) receives it, learners only once published."""
    new_document = mh.document("补充材料")
    lesson = files["lesson"]
    draft = lesson.get_latest_revision_as_object()
    draft.body = [*draft.body.raw_data, {"type": "document", "value": {"document": new_document.pk, "title": ""}}]
    revision = draft.save_revision(user=trainer)
    assert signed_in(learner).get(new_document.url).status_code == 404
    assert signed_in(trainer).get(new_document.url).status_code == 200
    revision.publish()
    assert signed_in(learner).get(new_document.url).status_code == 200


def test_a_course_cover_goes_to_the_courses_audience(org_tree, learner, outsider):
    cover = mh.image("封面")
    course_page = cf.course(units=[org_tree["shache"]])
    course_page.cover = cover
    course_page.save_revision().publish()
    rendition = cover.get_rendition("fill-640x360")
    assert rendition.url in signed_in(learner).get(cf.catalogue().url).content.decode()
    assert signed_in(learner).get(rendition.url).status_code == 200
    assert signed_in(outsider).get(rendition.url).status_code == 404


def test_cms_users_receive_any_document_or_image_and_other_roles_do_not(
    files, trainer, reviewer, admin_user, hr_shache
):
    unused_document, unused_image = mh.document("未使用"), mh.image("未使用")
    for user in (trainer, reviewer, admin_user):
        client = signed_in(user)
        assert client.get(unused_document.url).status_code == 200, user
        assert client.get(unused_image.file.url).status_code == 200, user
        assert client.get(files["rendition"].url).status_code == 200, user
    hr = signed_in(hr_shache)
    assert hr.get(unused_document.url).status_code == 404
    assert hr.get(unused_image.file.url).status_code == 404


def test_files_that_belong_to_nothing_are_not_served(files, admin_user):
    default_storage.save("stray/notes.txt", mh.ContentFile(b"secret notes"))
    default_storage.save("original_images/orphan.png", mh.ContentFile(mh.png_bytes()))
    client = signed_in(admin_user)
    for path in ("stray/notes.txt", "original_images/orphan.png", "original_images/../stray/notes.txt", "nothing.pdf"):
        response = client.get(settings.MEDIA_URL + path)
        assert response.status_code == 404, path
        assert b"secret notes" not in mh.read(response)


def test_a_signed_in_learner_is_asked_at_most_a_few_queries_per_file(files, learner, django_assert_max_num_queries):
    client = signed_in(learner)
    client.get("/")  # the session and the user are loaded once before counting
    with django_assert_max_num_queries(8):
        assert client.get(files["rendition"].url).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(files["document"].url).status_code == 200


def test_every_page_type_says_whose_files_it_shares():
    """A page type either has the set form of its access rule, or is served to everyone by Wagtail."""
    undecided = [m.__name__ for m in page_models() if not hasattr(m, "pages_open_to") and not serves_everyone(m)]
    assert undecided == []
    assert serves_everyone(HomePage) and not serves_everyone(cf.CoursePage)


def test_a_home_page_image_goes_to_everyone_signed_in(learner, outsider):
    picture = mh.image("首页图片")
    home = HomePage.objects.get()
    home.intro = f'<p>欢迎</p><embed alt="x" embedtype="image" format="fullwidth" id="{picture.pk}"/>'
    home.save_revision().publish()
    assert signed_in(outsider).get(picture.file.url).status_code == 200
    assert Client().get(picture.file.url).status_code == 403


# --- behind nginx: X-Accel-Redirect ---------------------------------------------------------


def test_behind_nginx_the_bytes_are_handed_to_the_internal_location(files, learner, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    client = signed_in(learner)
    for kind, url in urls(files).items():
        response = client.get(url)
        assert response.status_code == 200, kind
        assert response.content == b""
        accel = response["X-Accel-Redirect"]
        assert accel == "/_media/" + quote(files[kind].file.name)
        # nginx maps /_media/ onto MEDIA_ROOT: the named file is the one the page shows.
        assert default_storage.open(unquote(accel.removeprefix("/_media/"))).read() == content_of(files[kind])
    document = signed_in(learner).get(files["document"].url)
    assert document["Content-Type"] == "application/pdf"
    video = signed_in(learner).get(files["video"].url)
    assert video["Content-Type"] == "video/mp4"


def test_behind_nginx_a_chinese_file_name_is_percent_encoded(org_tree, learner, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    course_page = cf.course(units=[org_tree["shache"]])
    handout = mh.document("讲义", filename="行政处罚法讲义.pdf")
    mh.lesson_with_files(course_page, document=handout)
    response = signed_in(learner).get(handout.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_media/" + quote(handout.file.name)
    assert "行政处罚法讲义" in unquote(response["X-Accel-Redirect"])
    assert response["X-Accel-Redirect"].isascii()


def test_behind_nginx_refusals_name_no_file(files, outsider, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    for client in (Client(), signed_in(outsider)):
        for url in urls(files).values():
            response = client.get(url)
            assert response.status_code in (403, 404)
            assert "X-Accel-Redirect" not in response


# --- the sweep: no route hands a file to someone the rule does not admit --------------------

ANY_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*(?:\([^()]*\)[^()]*)*\)|\([^()?]*(?:\([^()]*\)[^()]*)*\)")
CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _route_samples(route: str, ids: list[str], names: list[str]) -> list[str]:
    """Every way to fill a route's converters with the sweep's ids (int) and file names (the rest)."""
    samples = [""]
    for piece in re.split(r"(<[^>]+>)", route):
        match = CONVERTER.fullmatch(piece)
        if not match:
            samples = [s + piece for s in samples]
            continue
        values = ids if match.group("conv") == "int" else names
        samples = [s + value for s in samples for value in values]
    return samples


def _regex_samples(regex: str, ids: list[str], names: list[str]) -> list[str]:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    samples = [""]
    position = 0
    for match in ANY_GROUP.finditer(text):
        literal = text[position : match.start()].replace("\\", "").replace("?", "")
        values = ids if "\\d" in match.group(0) else names
        samples = [s + literal + value for s in samples for value in values]
        position = match.end()
    tail = text[position:].replace("\\", "").replace("?", "")
    return [s + tail for s in samples]


def sweep_paths(samples: list[tuple[str, str]]) -> list[str]:
    """Every routed pattern, once per ``(id, name)`` sample: int parameters get the id, the others the name.

    A file route names a file by its id and its file name together (``/documents/<id>/<name>``) or by
    its path (``/media/<path>``); filling each pattern with one file's id and name at a time reaches
    them without trying every combination of every parameter.
    """
    found: set[str] = set()
    for id_value, name in samples:

        def walk(patterns, prefix: str, id_value=id_value, name=name) -> None:
            for entry in patterns:
                pattern = entry.pattern
                if isinstance(pattern, RoutePattern):
                    piece = _route_samples(str(pattern._route), [id_value], [name])[0]
                elif isinstance(pattern, RegexPattern):
                    piece = _regex_samples(pattern._regex, [id_value], [name])[0]
                else:
                    piece = str(pattern)
                if isinstance(entry, URLResolver):
                    walk(entry.url_patterns, prefix + piece)
                elif isinstance(entry, URLPattern):
                    found.add(prefix + piece)

        walk(get_resolver().url_patterns, "/")
    return sorted(found)


def test_the_sweep_reaches_the_file_routes():
    """The sweep's samples include the addresses files are really served from (else it would prove nothing)."""
    paths = sweep_paths([("7", "documents/a.pdf"), ("7", "a.pdf"), ("7", "max-100x100")])
    assert "/documents/7/a.pdf" in paths
    assert "/media/documents/a.pdf" in paths
    assert "/cms/images/7/preview/max-100x100/" in paths


def leaks(paths, outsider, secrets) -> list[str]:
    """The requests of ``paths`` by a visitor and by ``outsider`` that got a file's bytes or nginx's hand-over."""
    visitor = Client(raise_request_exception=False)
    outsider_client = sign_in(Client(raise_request_exception=False), outsider)
    found = []
    for path in paths:
        try:
            resolve(path)
        except Exception:
            continue
        for who, client in (("visitor", visitor), ("outsider", outsider_client)):
            response = client.get(path)
            body = mh.read(response)
            if "X-Accel-Redirect" in response or any(secret in body for secret in secrets):
                found.append(f"{who} {path} -> {response.status_code}")
    return found


def test_no_route_hands_a_file_to_a_visitor_or_a_learner_outside_the_audience(files, outsider, settings):
    """Every routed URL, filled with the ids and names of real files, answers a visitor and the outsider
    with none of their bytes and no X-Accel-Redirect.

    Behind nginx (``MEDIA_ACCEL_REDIRECT``) the file routes answer with the header and an empty body; a
    route streaming a file itself would show its bytes: one pass catches both.
    """
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    document, video, picture, rendition = (files[kind] for kind in ("document", "video", "image", "rendition"))
    samples = [
        (str(obj.pk), name)
        for obj in (document, video, picture)
        for name in (obj.file.name, obj.file.name.rsplit("/", 1)[-1])
    ]
    samples += [(str(rendition.pk), rendition.file.name), (str(picture.pk), rendition.file.name.rsplit("/", 1)[-1])]
    samples += [(str(picture.pk), mh.RENDITION_SPEC)]
    secrets = [content_of(obj) for obj in (document, video, picture, rendition)]
    paths = sweep_paths(samples)
    assert document.url in paths and video.url in paths and rendition.url in paths and picture.file.url in paths
    # The outsider is no CMS user: the rule's only way for them is a live page they may open.
    assert not outsider.has_perm("wagtailadmin.access_admin")
    assert leaks(paths, outsider, secrets) == []


def test_the_sweep_would_notice_a_leak(files, outsider, settings, monkeypatch):
    """With the rule switched off, the same check finds the file routes handing the bytes over."""
    settings.MEDIA_ACCEL_REDIRECT = ""
    monkeypatch.setattr("cms.views.media.may_receive", lambda user, media: True)
    monkeypatch.setattr("cms.views.media.may_receive_object", lambda user, owner: True)
    secrets = [content_of(files[kind]) for kind in ("document", "rendition")]
    found = leaks([files["document"].url, files["rendition"].url], outsider, secrets)
    assert sorted(found) == [
        f"outsider {files['document'].url} -> 200",
        f"outsider {files['rendition'].url} -> 200",
        f"visitor {files['document'].url} -> 200",
    ]
