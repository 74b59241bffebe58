"""The screenshots of the staff guides (``docs/img/``), taken from the demo with headless Chromium.

``prepare()`` adds what the pictures show to a seeded demo database (idempotently): an
example course whose first lesson has a law citation, a document, an uploaded video and a
check question, a draft change waiting to be submitted, and a training class running now
with a few people checked in; ``prepare_review()`` a second course in its second round of
整门课程审核 (sent back once, corrected, submitted again) for the reviewer's pictures.
``take(base_url=…, out=…)`` then signs in through the real
form (password and TOTP of the demo accounts) to a server running on the same database and
saves each picture at 1280 px wide (the learner's check-in at 375 px), cropped to what the
guide explains and reduced to a 256-colour PNG.

Run by ``manage.py help_screenshots`` on a throw-away demo database: it changes demo data.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from wagtail.rich_text import RichText

from accounts.drilldown import child_units
from accounts.models import User
from classroom import checkin_codes
from classroom.models import TrainingSession
from classroom.services.sessions import mark_manually, save_session
from cms.models import CoursePage, LawArticle, LessonPage
from cms.setup import ensure_course_index
from demo.people import DEMO_PASSWORD, DEMO_TOTP_SECRETS

EXAMPLE_COURSE = "执法文书制作与送达（示例）"
EXAMPLE_CLASS = "行政执法文书规范培训班（示例）"
EXAMPLE_REVIEW_COURSE = "行政执法证据的收集与审查（示例）"
CLIP = Path(__file__).resolve().parent / "data" / "lesson_clip.webm"
DESKTOP = {"width": 1280, "height": 800}
#: The editor without Wagtail's sidebar menu (the guide says where things are in the menu).
EDITOR = {"x": 200, "y": 0, "width": 1080, "height": 800}
PHONE = {"width": 375, "height": 700}
DESKTOP_CLIP = {"x": 0, "y": 0, **DESKTOP}
WRONG_RULE_COMMENT = "“以非法手段取得的证据，可以作为认定案件事实的根据”与《行政处罚法》第四十六条相反，请改正。"
REVIEW_PICTURES = ("review-dashboard", "review-list", "review-round-page", "review-round-decide")


@dataclass(frozen=True)
class Prepared:
    index_id: int
    course_id: int
    lesson_id: int
    lesson_url: str
    session_id: int
    import_rows: tuple  # (工号, 姓名, 签到时间) of people not yet checked in: the import's example file
    review_id: int | None = None  # the pending round of the review pictures (``prepare_review``)


def _png(color=(40, 90, 160)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), color).save(buffer, "PNG")
    return buffer.getvalue()


def _example_lesson_body(document, video, article) -> list:
    return [
        ("heading", "送达的方式"),
        (
            "paragraph",
            RichText(
                "<p>行政处罚决定书应当在宣告后当场交付当事人；当事人不在场的，应当在七日内依照民事诉讼法的有关规定送达。</p>"
            ),
        ),
        ("law_citation", {"article": article, "note": "重点理解送达期限"}),
        ("document", {"document": document, "title": "行政处罚决定书（范本）"}),
        ("video", {"file": video, "embed": None, "caption": "送达程序讲解"}),
        (
            "check",
            {
                "question": "当事人不在场的，行政处罚决定书应当在几日内送达？",
                "options": ["三日", "五日", "七日", "十五日"],
                "answer": 3,
                "explanation": "《行政处罚法》第六十一条：当事人不在场的，行政机关应当在七日内送达。",
            },
        ),
    ]


@transaction.atomic
def prepare() -> Prepared:
    """The example course, its draft change and the running training class (created once)."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    trainer = User.objects.get(employee_no="demo_trainer")
    index = ensure_course_index()
    course = CoursePage.objects.filter(title=EXAMPLE_COURSE).first()
    if course is None:
        documents, images = get_document_model(), get_image_model()
        document = documents.objects.create(
            title="行政处罚决定书（范本）", file=ContentFile(b"%PDF-1.4\n", name="fanben.pdf"), uploaded_by_user=trainer
        )
        video = documents.objects.create(
            title="送达程序讲解", file=ContentFile(CLIP.read_bytes(), name="songda.webm"), uploaded_by_user=trainer
        )
        cover = images.objects.create(
            title="执法文书封面", file=ContentFile(_png(), name="wenshu.png"), uploaded_by_user=trainer
        )
        article = (
            LawArticle.objects.filter(text__contains="七日内依照").order_by("-pk").first()
            or LawArticle.objects.order_by("pk").first()
        )
        course = CoursePage(
            title=EXAMPLE_COURSE,
            slug="wenshu-example",
            summary="行政处罚决定书的制作要点、送达方式与期限。",
            cover=cover,
            category="professional",
            credit_hours=Decimal("1.5"),
        )
        index.add_child(instance=course)
        course.save_revision(user=trainer).publish()
        lesson = LessonPage(
            title="第一课 决定书的送达",
            slug="songda",
            min_study_seconds=300,
            body=_example_lesson_body(document, video, article),
        )
        course.add_child(instance=lesson)
        lesson.save_revision(user=trainer).publish()
        second = LessonPage(
            title="第二课 常见错误",
            slug="cuowu",
            min_study_seconds=300,
            body=[("paragraph", RichText("<p>送达回证的填写与常见错误。</p>"))],
        )
        course.add_child(instance=second)
        second.save_revision(user=trainer).publish()
        # A change saved as a draft: what "提交整门课程审核" lists.
        second = LessonPage.objects.get(pk=second.pk)
        second.title = "第二课 送达回证与常见错误"
        second.save_revision(user=trainer)
    lesson = LessonPage.objects.child_of(course).order_by("path").first()

    session = TrainingSession.objects.filter(title=EXAMPLE_CLASS).first()
    if session is None:
        now = timezone.now()
        prefecture = child_units(None, None)[0]
        session = save_session(
            session=None,
            fields={
                "kind": TrainingSession.Kind.TRAINING,
                "title": EXAMPLE_CLASS,
                "description": "执法文书的制作、送达与归档。",
                "starts_at": now - dt.timedelta(minutes=20),
                "ends_at": now + dt.timedelta(hours=3),
                "hours": Decimal("3"),
                "hour_category_id": "professional",
                "venue": "地区司法局三楼报告厅",
                "capacity": 120,
                "audience_categories": [],
            },
            lecturers=[trainer],
            audience_units=[prefecture],
            audience_people=[],
            by=trainer,
        )
        present = User.objects.filter(is_active=True, employee_no__startswith="KS").order_by("employee_no")[:6]
        mark_manually(session=session, users=list(present), by=trainer)
    newcomers = (
        User.objects.filter(is_active=True, employee_no__startswith="KS")
        .exclude(attendances__session=session)
        .order_by("employee_no")[:3]
    )
    return Prepared(
        index_id=index.pk,
        course_id=course.pk,
        lesson_id=lesson.pk,
        lesson_url=lesson.url,
        session_id=session.pk,
        import_rows=tuple((p.employee_no, p.full_name, "") for p in newcomers),
    )


def _edit_blocks(lesson, values: dict, add: str = "") -> None:
    """Change the values of ``lesson``'s body blocks by position (ids kept) and append a paragraph."""
    import uuid

    from wagtail.blocks import StreamValue

    raw = [dict(block) for block in lesson.body.raw_data]
    for position, value in values.items():
        raw[position]["value"] = value
    if add:
        raw.append({"type": "paragraph", "value": add, "id": str(uuid.uuid4())})
    lesson.body = StreamValue(LessonPage._meta.get_field("body").stream_block, raw, is_lazy=True)


@transaction.atomic
def prepare_review() -> int:
    """A course in its second round of 整门课程审核 (created once); returns the pending submission's pk.

    The course and its first lesson are live; the trainer edited that lesson and added a
    second one, submitted, was sent back with a comment on the first lesson, corrected it
    and submitted again: the round shows a diff, a new page shown whole, the previous
    comment and "与上次提交相比".
    """
    from cms.models import CourseSubmission
    from cms.services.course_review import request_changes, submit_course

    trainer = User.objects.get(employee_no="demo_trainer")
    reviewer = User.objects.get(employee_no="demo_reviewer")
    course = CoursePage.objects.filter(title=EXAMPLE_REVIEW_COURSE).first()
    if course is None:
        course = CoursePage(
            title=EXAMPLE_REVIEW_COURSE,
            slug="zhengju-example",
            summary="行政执法证据的种类、收集程序与审查要点。",
            category="professional",
            credit_hours=Decimal("1"),
        )
        ensure_course_index().add_child(instance=course)
        course.save_revision(user=trainer).publish()
        first = LessonPage(
            title="第一课 证据的种类",
            slug="zhonglei",
            min_study_seconds=300,
            body=[
                ("heading", "法定证据种类"),
                (
                    "paragraph",
                    RichText(
                        "<p>证据包括书证、物证、视听资料、电子数据、证人证言、当事人的陈述、鉴定意见、勘验笔录和现场笔录。</p>"
                    ),
                ),
            ],
        )
        course.add_child(instance=first)
        first.save_revision(user=trainer).publish()
        # Edits as the editor saves them: the blocks keep their ids, so the diff shows what changed.
        first = LessonPage.objects.get(pk=first.pk)
        _edit_blocks(
            first,
            {
                1: "<p>证据包括书证、物证、视听资料、电子数据、证人证言、当事人的陈述、鉴定意见、勘验笔录和现场笔录。证据必须经查证属实，方可作为认定案件事实的根据。</p>"
            },
            add="<p>以非法手段取得的证据，可以作为认定案件事实的根据。</p>",
        )
        first.save_revision(user=trainer)
        second = LessonPage(
            title="第二课 证据的收集程序",
            slug="shouji",
            min_study_seconds=300,
            live=False,
            body=[
                ("heading", "收集证据的要求"),
                ("paragraph", RichText("<p>执法人员不得少于两人，并应当主动向当事人或者有关人员出示执法证件。</p>")),
            ],
        )
        course.add_child(instance=second)
        second.save_revision(user=trainer)
        first_round = submit_course(course=course, user=trainer, note="新增第二课；第一课补充了证据的查证要求。")
        request_changes(
            submission=first_round,
            reviewer=reviewer,
            comment="第二课内容可以发布，第一课请按意见修改。",
            page_comments={str(first.pk): WRONG_RULE_COMMENT},
        )
        first = LessonPage.objects.get(pk=first.pk).get_latest_revision_as_object()
        _edit_blocks(first, {2: "<p>以非法手段取得的证据，不得作为认定案件事实的根据。</p>"})
        first.save_revision(user=trainer)
        submit_course(course=course, user=trainer, note="已按审核意见修改第一课第三段。")
    submission = (
        CourseSubmission.objects.filter(course=course, status=CourseSubmission.Status.PENDING).order_by("-pk").first()
    )
    if submission is None:
        raise RuntimeError(f"{EXAMPLE_REVIEW_COURSE} has no pending review: take the pictures on a fresh demo database")
    return submission.pk


def _totp(username: str) -> str:
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(DEMO_TOTP_SECRETS[username], int(time.time()) // mfa_settings.TOTP_PERIOD))


def _sign_in(page, base_url: str, username: str) -> None:
    for _attempt in range(3):
        page.goto(base_url + "/accounts/login/")
        if "/accounts/login/" not in page.url:  # already signed in
            return
        page.get_by_label("工号或邮箱").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        if username not in DEMO_TOTP_SECRETS:
            return
        page.locator("input[name=code]").fill(_totp(username))
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        if "/2fa/" not in page.url and "/accounts/login/" not in page.url:
            return
        # A code is accepted once: a sign-in moments ago used this one. Wait for the next.
        time.sleep(30 - time.time() % 30 + 1)
    raise RuntimeError(f"{username} could not sign in")


def _save(png: bytes, path: Path) -> None:
    """A 256-colour PNG: screenshots of text stay sharp at a fraction of the size."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


class Camera:
    def __init__(self, browser, base_url: str, out: Path, only: str = ""):
        self.browser, self.base_url, self.out, self.only = browser, base_url, out, only
        self.saved: list[Path] = []

    def page(self, username: str, viewport=DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(20000)
        _sign_in(page, self.base_url, username)
        return page

    def open(self, page, path: str):
        response = page.goto(self.base_url + path)
        if response is None or response.status >= 400:
            raise RuntimeError(f"{path} answered {response.status if response else 'nothing'}: no picture of an error")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(400)
        return page

    def wanted(self, name: str) -> bool:
        return name.startswith(self.only)

    def shoot(self, page, name: str, *, clip: dict | None = None, element=None, full_page: bool = False) -> None:
        if element is not None:
            png = element.screenshot()
        else:
            png = page.screenshot(clip=clip, full_page=full_page)
        path = self.out / f"{name}.png"
        _save(png, path)
        self.saved.append(path)


def _scroll_to(page, locator) -> None:
    """Bring ``locator`` to the top of the window, below the editor's sticky header."""
    locator.evaluate(
        """(el) => {
          let box = el.parentElement;  // the nearest ancestor that scrolls (Wagtail's editor scrolls a panel)
          while (box && !(box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
            box = box.parentElement;
          }
          (box || document.scrollingElement).scrollBy({ top: el.getBoundingClientRect().top - 90, behavior: "instant" });
        }"""
    )
    page.wait_for_timeout(300)


def _serve_clip_with_ranges(page) -> None:
    """Answer the video with byte ranges, as nginx does in production (the development server cannot seek)."""
    data = CLIP.read_bytes()

    def fulfil(route):
        wanted = route.request.headers.get("range", "")
        start, end = 0, len(data) - 1
        if wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            start, end = int(first or 0), int(last) if last else len(data) - 1
        headers = {"Content-Type": "video/webm", "Accept-Ranges": "bytes"}
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        route.fulfill(status=206 if wanted else 200, headers=headers, body=data[start : end + 1])

    page.route("**/*.webm", fulfil)


def course_pictures(camera: Camera, prepared: Prepared) -> None:
    page = camera.page("demo_trainer")
    top = {"x": 0, "y": 0, "width": 1280, "height": 620}
    if camera.wanted("courses-explorer"):
        camera.shoot(camera.open(page, f"/cms/pages/{prepared.index_id}/"), "courses-explorer", clip=top)
    if camera.wanted("courses-lessons"):
        camera.shoot(
            camera.open(page, f"/cms/pages/{prepared.course_id}/"),
            "courses-lessons",
            clip={"x": 0, "y": 0, "width": 1280, "height": 420},
        )
    if camera.wanted("courses-course-form") or camera.wanted("courses-audience"):
        camera.open(page, f"/cms/pages/{prepared.course_id}/edit/")
        if camera.wanted("courses-course-form"):
            camera.shoot(page, "courses-course-form", clip=EDITOR)
        if camera.wanted("courses-audience"):
            _scroll_to(page, page.get_by_role("heading", name="学习对象"))
            camera.shoot(page, "courses-audience", clip=EDITOR)
    if any(camera.wanted(n) for n in ("courses-lesson-blocks", "courses-video", "courses-check", "courses-law")):
        camera.open(page, f"/cms/pages/{prepared.lesson_id}/edit/")
        if camera.wanted("courses-video"):
            _scroll_to(page, page.get_by_text("视频文件", exact=True).first)
            camera.shoot(page, "courses-video", clip=EDITOR)
        if camera.wanted("courses-check"):
            _scroll_to(page, page.get_by_text("随堂检测题", exact=True).last)
            camera.shoot(page, "courses-check", clip=EDITOR)
        if camera.wanted("courses-law-citation"):
            _scroll_to(page, page.get_by_text("法条引用", exact=True).first)
            # The chosen article's menu holds "更换法条": open the chooser the way that item does.
            chooser = page.locator("[data-chooser-url*='law-article-chooser'] .chooser__choose-button").first
            chooser.evaluate("(b) => b.click()")
            modal = page.locator(".modal-content")
            modal.locator("table, .listing").first.wait_for()
            modal.locator("input[name=q]").fill("送达")
            page.wait_for_timeout(1500)  # the chooser searches as one types
            camera.shoot(page, "courses-law-citation", clip={"x": 0, "y": 0, "width": 1280, "height": 800})
            page.keyboard.press("Escape")
        if camera.wanted("courses-lesson-blocks"):
            camera.open(page, f"/cms/pages/{prepared.lesson_id}/edit/")
            page.locator("button.c-sf-add-button").first.click()
            page.wait_for_timeout(500)
            camera.shoot(page, "courses-lesson-blocks", clip=EDITOR)
    if camera.wanted("courses-submit"):
        camera.shoot(
            camera.open(page, f"/cms/course-reviews/submit/{prepared.course_id}/"),
            "courses-submit",
            clip={"x": 0, "y": 0, "width": 1280, "height": 700},
        )
    page.context.close()
    if camera.wanted("courses-video-learner"):
        learner = camera.page("demo_learner")
        # Tall enough that nothing scrolls: the site's header and the study panel stay where they belong.
        learner.set_viewport_size({"width": 1280, "height": 1400})
        _serve_clip_with_ranges(learner)
        camera.open(learner, prepared.lesson_url)
        video = learner.locator("video[data-lesson-video]")
        # Watch two seconds, then try to skip ahead: the player returns to the furthest point and says so.
        video.evaluate("(v) => { v.muted = true; return v.play(); }")
        learner.wait_for_timeout(2500)
        video.evaluate("(v) => { v.pause(); v.currentTime = v.duration - 1; }")
        learner.locator("[data-video-note].warn").wait_for()
        learner.wait_for_timeout(800)
        top = learner.locator(".breadcrumbs").bounding_box()["y"]
        box = learner.locator("[data-video-note]").bounding_box()
        camera.shoot(
            learner,
            "courses-video-learner",
            clip={"x": 0, "y": top - 12, "width": 1280, "height": box["y"] + box["height"] - top + 28},
        )
        learner.context.close()


def classroom_pictures(camera: Camera, prepared: Prepared) -> None:
    page = camera.page("demo_trainer")
    session = prepared.session_id
    if camera.wanted("classroom-list"):
        camera.shoot(
            camera.open(page, "/learning/sessions/manage/"),
            "classroom-list",
            clip={"x": 0, "y": 0, "width": 1280, "height": 640},
        )
    if camera.wanted("classroom-form"):
        camera.shoot(camera.open(page, "/learning/sessions/manage/new/"), "classroom-form", clip=None)
    if camera.wanted("classroom-detail"):
        camera.shoot(camera.open(page, f"/learning/sessions/manage/{session}/"), "classroom-detail")
    if camera.wanted("classroom-qr"):
        camera.shoot(camera.open(page, f"/learning/sessions/manage/{session}/qr/"), "classroom-qr")
    if camera.wanted("classroom-import"):
        from core.xlsx import write_workbook

        workbook = write_workbook(["工号", "姓名", "签到时间"], prepared.import_rows, title="签到名单")
        camera.open(page, f"/learning/sessions/manage/{session}/import/")
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "签到名单.xlsx", "mimeType": "application/octet-stream", "buffer": workbook}]
        )
        page.get_by_role("button", name="上传并导入").click()
        page.get_by_test_id("import-result").wait_for()
        camera.shoot(page, "classroom-import", full_page=True)
    if camera.wanted("classroom-series"):
        camera.open(page, "/learning/sessions/manage/series/")
        start = timezone.localdate() + dt.timedelta(days=70)
        page.get_by_label("开始日期").fill(start.isoformat())
        page.get_by_label("结束日期").fill((start + dt.timedelta(days=30)).isoformat())
        page.get_by_label("地点").fill("地区司法局三楼报告厅")
        camera.shoot(page, "classroom-series", clip={"x": 0, "y": 0, "width": 1280, "height": 800})
    page.context.close()
    if camera.wanted("classroom-checkin-phone"):
        learner = camera.page("demo_learner", PHONE)
        window = checkin_codes.window_at()
        code = checkin_codes.code_for(session, window)
        camera.shoot(
            camera.open(learner, f"/learning/sessions/checkin/{session}/{window}/{code}/"), "classroom-checkin-phone"
        )
        learner.context.close()


def review_pictures(camera: Camera, prepared: Prepared) -> None:
    """The reviewer's side of 整门课程审核: the dashboard panel, the list, one round."""
    if prepared.review_id is None:
        return
    submission = prepared.review_id
    page = camera.page("demo_reviewer")
    if camera.wanted("review-dashboard"):
        camera.open(page, "/cms/")
        panel = page.locator("section", has=page.get_by_test_id("cr-panel-awaiting")).last
        panel.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = panel.bounding_box()
        camera.shoot(
            page,
            "review-dashboard",
            clip={"x": 0, "y": max(box["y"] - 16, 0), "width": 1280, "height": min(box["height"] + 32, 800)},
        )
    if camera.wanted("review-list"):
        camera.shoot(
            camera.open(page, "/cms/course-reviews/"),
            "review-list",
            clip={"x": 0, "y": 0, "width": 1280, "height": 520},
        )
    if camera.wanted("review-round-page") or camera.wanted("review-round-decide"):
        camera.open(page, f"/cms/course-reviews/{submission}/")
        if camera.wanted("review-round-page"):
            # The summary, then the edited lesson: its diff, last round's comment and the comment box.
            page.locator("details.cr-since").evaluate_all("(all) => all.forEach((d) => { d.open = true; })")
            page.set_viewport_size({"width": 1280, "height": 1200})
            page.wait_for_timeout(300)
            camera.shoot(page, "review-round-page", clip={"x": 0, "y": 0, "width": 1280, "height": 1200})
            page.set_viewport_size(DESKTOP)
        if camera.wanted("review-round-decide"):
            page.get_by_label("总体意见").fill("内容准确，同意发布。")
            _scroll_to(page, page.locator(".cr-verdict"))
            page.evaluate("window.scrollBy(0, -260)")
            page.wait_for_timeout(300)
            camera.shoot(page, "review-round-decide", clip=DESKTOP_CLIP)
    page.context.close()


def take(*, base_url: str, out: Path, chromium: str, only: str = "", pictures: Callable | None = None) -> list[Path]:
    """Prepare the demo and save the guides' pictures into ``out``; return the files written."""
    from playwright.sync_api import sync_playwright

    prepared = prepare()
    if any(name.startswith(only) for name in REVIEW_PICTURES):
        # Before Playwright starts: its event loop keeps the database out of reach.
        prepared = replace(prepared, review_id=prepare_review())
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # The browser's own widgets (file and date inputs) in Chinese, as officials see them: Debian's
        # chromium-l10n package and a Chinese UI language.
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
            env={"LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"},
            headless=True,
        )
        camera = Camera(browser, base_url.rstrip("/"), out, only)
        for shoot in pictures or (course_pictures, classroom_pictures, review_pictures):
            shoot(camera, prepared)
        browser.close()
    return camera.saved


__all__ = ["prepare", "prepare_review", "take"]
