"""The CMS and the trainer's pages speak Chinese: no English on any page a trainer or a reviewer uses.

Each of them signs in through the real form with their password and TOTP code, then walks
the pages of their work — the dashboard, the page explorer at each level, the course and
lesson editors with their side panels and block menu, history and revision comparison,
Wagtail's workflow pages, documents and images, the question bank and exams, reports,
search, the whole-course review and the law-amendment flags, and the trainer's classroom
pages — and every text on screen is scanned for English words (``english_scan``). The
failure lists each page with the English found on it: our own strings are fixed in our
code, Wagtail's get Chinese through our catalogue.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.files.base import ContentFile
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Workflow

from accounts.models import Role
from cms.setup import ensure_workflow_and_permissions
from exams.models import QuestionType
from tests.browser.conftest import DESKTOP
from tests.browser.english_scan import english_words, visible_latin_text
from tests.classroom.factories import LectureSeriesFactory, TrainingSessionFactory
from tests.cms import course_factories as cf
from tests.conftest import enable_totp
from tests.exams import factories_exams as f
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIP = Path(__file__).resolve().parents[1] / "fixtures" / "lesson_clip.webm"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def cms_content(org_tree):
    """A catalogue with a course of two lessons (one with a document, an image and a video), revisions, files,
    a page sent back by the 法制审核 workflow, a question bank, an exam and classroom sessions."""
    # The root collection first: the trainers' document and image permissions are granted on it (a live-server
    # test before this one may have flushed what the migrations made).
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_workflow_and_permissions()
    author = UserFactory(full_name="课程作者", org_unit=org_tree["pref"], roles=[Role.TRAINER], is_staff=True)
    document = get_document_model().objects.create(
        title="行政处罚决定书范本", file=ContentFile(b"%PDF-1.4\n", name="fanben.pdf"), uploaded_by_user=author
    )
    video = get_document_model().objects.create(
        title="听证程序讲解视频", file=ContentFile(CLIP.read_bytes(), name="tingzheng.webm"), uploaded_by_user=author
    )
    image = get_image_model().objects.create(
        title="执法现场示意图", file=ContentFile(_png(), name="xianchang.png"), uploaded_by_user=author
    )
    course = cf.course(title="《行政处罚法》精讲")
    lesson = cf.lesson(course, title="第一章 总则")
    cf.lesson(course, title="第二章 行政处罚的种类和设定")
    lesson.body.append(("document", {"document": document, "title": ""}))
    lesson.body.append(("image", {"image": image, "caption": "执法现场"}))
    lesson.body.append(("video", {"file": video, "embed": None, "caption": "听证程序"}))
    lesson.save_revision(user=author).publish()
    course.summary = "行政处罚的设定、实施与程序（修订）"
    course.save_revision(user=author)

    index = cf.catalogue()
    index.save_revision(user=author)
    reviewer = UserFactory(full_name="退回人", org_unit=org_tree["pref"], roles=[Role.REVIEWER], is_staff=True)
    state = Workflow.objects.get(name="法制审核").start(index, author)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, reviewer, "reject", comment="请补充法条依据")

    category = f.category("行政处罚法")
    questions = [f.question(QuestionType.SINGLE, cat=category), f.question(QuestionType.FILL, cat=category)]
    exam = f.exam(questions, title="2026年度行政执法人员法律知识考试")
    session = TrainingSessionFactory(organiser=author, audience_units=[org_tree["pref"]])
    LectureSeriesFactory(organiser=author)
    return {
        "course": course,
        "lesson": lesson,
        "index": index,
        "document": document,
        "image": image,
        "category": category,
        "question": questions[0],
        "exam": exam,
        "session": session,
    }


def _staff(org_tree, role) -> tuple:
    user = UserFactory(full_name="李建华", org_unit=org_tree["pref"], roles=[role], is_staff=True)
    return user, enable_totp(user)


def _sign_in(page, base_url, user, secret):
    page.goto(base_url + "/cms/")
    page.get_by_label("工号或邮箱").fill(user.employee_no)
    page.get_by_label("密码").fill("pass12345")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(base_url + "/cms/")


class Walk:
    """Visits pages as one signed-in person and collects the English on screen, page by page."""

    def __init__(self, page, base_url, user):
        self.page, self.base_url = page, base_url
        self.own = frozenset({user.employee_no})  # the sidebar shows the sign-in name: the person's own data
        self.found: dict[str, list[str]] = {}
        self.visited: list[str] = []

    def scan(self, where: str):
        self.page.wait_for_timeout(300)  # late widgets (choosers, counters) draw after load
        for text in visible_latin_text(self.page):
            if english_words(text, ignore=self.own):
                self.found.setdefault(where, [])
                if text not in self.found[where]:
                    self.found[where].append(text)

    def visit(self, path: str, *, expect: str | None = None):
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        assert response.status < 400, f"{path} answered {response.status}"
        if expect is not None:
            assert self.page.url.startswith(self.base_url + expect), f"{path} went to {self.page.url}"
        self.visited.append(path)
        self.scan(path)
        return self.page

    def open_editor_panels(self, path: str):
        """The page editor's side panels (status, checks, comments, preview, history) and its block menu."""
        page = self.visit(path, expect=path)
        toggles = page.locator("[data-side-panel-toggle]")
        for i in range(toggles.count()):
            toggle = toggles.nth(i)
            if toggle.is_visible():
                toggle.click()
                self.scan(f"{path} · {toggle.get_attribute('data-side-panel-toggle')}")
        add_block = page.locator("button.c-sf-add-button")
        if add_block.count():
            add_block.first.click()
            self.scan(f"{path} · +")
            page.keyboard.press("Escape")
        more = page.locator("footer [data-w-dropdown-target='toggle']")
        if more.count():
            more.first.click()
            self.scan(f"{path} · actions")

    def report(self) -> str:
        return "\n".join(f"{where}:\n    " + "\n    ".join(texts) for where, texts in self.found.items())


def _walk_common(walk: Walk, content: dict):
    course, lesson, index = content["course"], content["lesson"], content["index"]
    walk.visit("/cms/", expect="/cms/")
    walk.visit("/cms/pages/")
    walk.visit(f"/cms/pages/{index.get_parent().pk}/")
    walk.visit(f"/cms/pages/{index.pk}/", expect=f"/cms/pages/{index.pk}/")
    walk.visit(f"/cms/pages/{course.pk}/", expect=f"/cms/pages/{course.pk}/")
    walk.visit(f"/cms/pages/{index.pk}/?q=行政")
    walk.visit(f"/cms/pages/{index.pk}/?q=行政&search_all=1")
    walk.visit("/cms/pages/search/?q=行政", expect="/cms/pages/search/")
    walk.open_editor_panels(f"/cms/pages/{course.pk}/edit/")
    walk.open_editor_panels(f"/cms/pages/{lesson.pk}/edit/")
    walk.open_editor_panels(f"/cms/pages/{index.pk}/edit/")
    walk.visit(f"/cms/pages/{course.pk}/history/", expect=f"/cms/pages/{course.pk}/history/")
    walk.visit(f"/cms/pages/{lesson.pk}/history/")
    walk.visit(f"/cms/pages/{lesson.pk}/revisions/compare/earliest...latest/", expect=f"/cms/pages/{lesson.pk}/")
    walk.visit(f"/cms/pages/{course.pk}/revisions/compare/live...latest/")
    walk.visit(f"/cms/pages/{index.pk}/workflow_history/", expect=f"/cms/pages/{index.pk}/workflow_history/")
    state = index.workflow_states.first()
    walk.visit(f"/cms/pages/{index.pk}/workflow_history/detail/{state.pk}/")
    walk.visit("/cms/reports/workflow/", expect="/cms/reports/workflow/")
    walk.visit("/cms/reports/workflow_tasks/")
    walk.visit("/cms/reports/site-history/")
    walk.visit("/cms/reports/aging-pages/")
    walk.visit("/cms/reports/page-types-usage/")
    walk.visit("/cms/course-reviews/", expect="/cms/course-reviews/")
    walk.visit("/cms/law-flags/", expect="/cms/law-flags/")
    walk.visit("/cms/account/", expect="/cms/account/")


def test_a_trainer_meets_no_english_in_the_cms_or_their_pages(live_server, page_at, org_tree, cms_content):
    trainer, secret = _staff(org_tree, Role.TRAINER)
    page = page_at(*DESKTOP)
    _sign_in(page, live_server.url, trainer, secret)
    walk = Walk(page, live_server.url, trainer)
    content = cms_content

    _walk_common(walk, content)
    walk.visit(f"/cms/pages/add/cms/lessonpage/{content['course'].pk}/")
    walk.visit("/cms/documents/", expect="/cms/documents/")
    walk.visit(f"/cms/documents/edit/{content['document'].pk}/", expect="/cms/documents/edit/")
    walk.visit("/cms/documents/add/")
    walk.visit("/cms/images/", expect="/cms/images/")
    walk.visit(f"/cms/images/{content['image'].pk}/", expect="/cms/images/")
    walk.visit("/cms/images/add/")
    walk.visit("/cms/exams_questions/", expect="/cms/exams_questions/")
    walk.visit(f"/cms/exams_questions/edit/{content['question'].pk}/")
    walk.visit(f"/cms/exams_questions/new/?type={QuestionType.MULTIPLE}")
    walk.visit("/cms/exams_questions/import/")
    walk.visit("/cms/exams_categories/")
    walk.visit(f"/cms/exams_categories/edit/{content['category'].pk}/")
    walk.visit("/cms/exams/", expect="/cms/exams/")
    page = walk.visit(f"/cms/exams/edit/{content['exam'].pk}/")
    page.locator("input[name=opens_at]").click()  # the date and time picker draws its months and weekdays
    walk.scan(f"/cms/exams/edit/{content['exam'].pk}/ · date picker")
    walk.visit("/cms/exams/new/")
    walk.visit("/exams/stats/")
    session = content["session"]
    walk.visit("/learning/sessions/manage/", expect="/learning/sessions/manage/")
    walk.visit("/learning/sessions/manage/new/")
    walk.visit(f"/learning/sessions/manage/{session.pk}/")
    walk.visit(f"/learning/sessions/manage/{session.pk}/edit/")
    walk.visit(f"/learning/sessions/manage/{session.pk}/import/")
    walk.visit("/learning/sessions/manage/series/")

    assert not walk.found, (
        f"English on {len(walk.found)} of {len(walk.visited)} pages a trainer uses:\n" + walk.report()
    )


def test_a_reviewer_meets_no_english_in_the_cms(live_server, page_at, org_tree, cms_content):
    reviewer, secret = _staff(org_tree, Role.REVIEWER)
    page = page_at(*DESKTOP)
    _sign_in(page, live_server.url, reviewer, secret)
    walk = Walk(page, live_server.url, reviewer)

    _walk_common(walk, cms_content)

    assert not walk.found, (
        f"English on {len(walk.found)} of {len(walk.visited)} pages a reviewer uses:\n" + walk.report()
    )


def test_the_scan_finds_english_and_lets_formats_and_file_names_pass():
    assert english_words("Changes requested") == ["Changes", "requested"]
    assert english_words("第 1-14 项，共 14 个None") == ["None"]
    assert english_words("上传 PDF 或 Excel；视频 mp4/webm，最大 10.0 MB") == []
    assert english_words("fanben.pdf · 听证程序讲解.webm · liming@example.cn") == []
    assert english_words("demo_trainer 李建华", ignore=["demo_trainer"]) == []
