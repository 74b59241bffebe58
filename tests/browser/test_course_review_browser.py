"""A course reviewed as a whole, in the browser: a trainer builds a course of two lessons in the CMS and submits
it once; the reviewer sends it back with a comment; the trainer sees it on the dashboard and resubmits; the
reviewer approves; only then does a learner see the course, whole, and download its PDF. The trainer then replaces
the PDF in the CMS: it is saved as a new document that only the lesson's draft uses, so learners keep the reviewed
file until the course is approved again. Nobody signed out receives the PDF."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin

import pytest
from django.urls import reverse
from reportlab.pdfgen import canvas
from wagtail.documents import get_document_model

from cms.models import CoursePage, CourseSubmission, Law, LawArticle, LawVersion, LessonPage
from cms.setup import ensure_workflow_and_permissions
from tests.cms import course_factories as cf

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pdf(text: str) -> bytes:
    """A real one-page PDF saying ``text`` (two calls with different texts give different bytes)."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, invariant=1)
    sheet.drawString(72, 720, text)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


#: The document block's file as first reviewed, and the file the trainer replaces it with after publication.
PDF = _pdf("Administrative reconsideration application form, 2023 edition")
NEW_PDF = _pdf("Administrative reconsideration application form, revised edition")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def review_law(db):
    import datetime as dt

    law = Law.objects.create(slug="行政复议法", title="中华人民共和国行政复议法", short_name="行政复议法")
    version = LawVersion.objects.create(
        law=law, label="2023", title=law.title, effective_date=dt.date(2023, 9, 1), is_current=True
    )
    return LawArticle.objects.create(
        version=version,
        number=11,
        number_text="第十一条",
        text="有下列情形之一的，公民、法人或者其他组织可以申请行政复议。",
    )


def _save_draft(page):
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/cms/pages/\d+/edit/"))


def _submit_whole_course(page):
    """The editor's "提交整门课程审核": it saves the draft and opens the submit page."""
    page.get_by_role("button", name="更多动作").click()
    page.get_by_role("button", name="提交整门课程审核").click()
    page.wait_for_url(re.compile(r"/cms/course-reviews/submit/\d+/"))


def _set_slug(page, slug: str) -> None:
    """The address is on the 推荐 tab (typed, so that the test does not depend on the title-to-slug script)."""
    page.get_by_role("tab", name="推荐").click()
    page.locator("#id_slug").fill(slug)
    page.get_by_role("tab", name="内容").click()


def _add_block(page, label: str) -> None:
    page.locator("[data-contentpath='body'] button.c-sf-add-button").last.click()
    page.get_by_role("option", name=label).click()


def _build_course(page, base: str, pdf_path) -> CoursePage:
    index = cf.catalogue()
    page.goto(base + reverse("wagtailadmin_pages:add", args=("cms", "coursepage", index.pk)))
    page.locator("#id_title").fill("《行政复议法》新课")
    _set_slug(page, "xingzheng-fuyi")
    page.locator("#id_summary").fill("学习 2023 年修订的《行政复议法》：复议范围、申请与受理、审理和决定。")
    _save_draft(page)
    course = CoursePage.objects.get(title="《行政复议法》新课")

    # Lesson 1: a law citation, a PDF document and a check question.
    page.goto(base + reverse("wagtailadmin_pages:add", args=("cms", "lessonpage", course.pk)))
    page.locator("#id_title").fill("第一课 复议范围")
    _set_slug(page, "fuyi-fanwei")
    page.locator("#id_min_study_seconds").fill("300")
    _add_block(page, "法条引用")
    page.get_by_role("button", name="选择法条").click()
    modal = page.locator(".modal-content")
    modal.locator("input[name=q]").fill("第十一条")
    modal.locator("a[data-chooser-modal-choice]", has_text="行政复议法 第十一条").click()
    modal.wait_for(state="hidden")
    _add_block(page, "文档")
    page.get_by_role("button", name="选择一个文档").click()
    modal = page.locator(".modal-content")
    modal.get_by_role("tab", name="上传").click()
    modal.locator("input[name='document-chooser-upload-title']").fill("行政复议申请书范本")
    modal.locator("input[name='document-chooser-upload-file']").set_input_files(str(pdf_path))
    modal.get_by_role("button", name="上传").click()
    modal.wait_for(state="hidden")
    page.locator("input[name='body-1-value-title']").fill("申请书范本（PDF）")
    _add_block(page, "随堂检测题")
    page.locator("textarea[name='body-2-value-question']").fill("对行政处罚决定不服，可以怎样寻求救济？")
    page.locator("input[name='body-2-value-options-0-value']").fill("只能信访")
    page.locator("[data-contentpath='options'] button.c-sf-add-button").last.click()
    page.locator("input[name='body-2-value-options-1-value']").fill("申请行政复议或提起行政诉讼")
    page.locator("input[name='body-2-value-answer']").fill("2")
    _save_draft(page)

    # Lesson 2, then the whole course goes to review from its editor.
    page.goto(base + reverse("wagtailadmin_pages:add", args=("cms", "lessonpage", course.pk)))
    page.locator("#id_title").fill("第二课 复议程序")
    _set_slug(page, "fuyi-chengxu")
    _add_block(page, "小标题")
    page.locator("input[name='body-0-value']").fill("申请、受理与审理")
    _submit_whole_course(page)
    return course


def _pdf_shown(page) -> tuple[str, bytes]:
    """The address of the PDF link on the lesson the learner has open, and what the learner receives from it."""
    link = page.locator(".lesson-document a")
    link.wait_for()
    href = link.get_attribute("href")
    response = page.request.get(urljoin(page.url, href))  # with the learner's session, as a click on the link
    assert response.status == 200, (href, response.status)
    assert response.headers["content-type"] == "application/pdf"
    return href, response.body()


def _replace_pdf_in_cms(page, base: str, pdf_path) -> None:
    """The trainer opens CMS 文档, the course's PDF, chooses another file and saves."""
    page.goto(base + reverse("wagtaildocs:index"))
    page.get_by_role("link", name="行政复议申请书范本", exact=True).click()
    page.wait_for_url(re.compile(r"/cms/documents/edit/\d+/"))
    page.locator("#id_file").set_input_files(str(pdf_path))
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r"/cms/documents/(\?.*)?$"))


def _approve_from_dashboard(page, base: str) -> None:
    page.goto(base + reverse("wagtailadmin_home"))
    page.get_by_test_id("cr-panel-awaiting").get_by_role("link", name="《行政复议法》新课").click()
    page.wait_for_url(re.compile(r"/cms/course-reviews/\d+/$"))  # loaded, not only committed
    page.get_by_test_id("cr-detail").wait_for()
    page.get_by_test_id("cr-approve").click()
    page.get_by_text("整门课程已一起发布").wait_for()


def test_a_course_is_reviewed_whole_and_its_replaced_pdf_reaches_learners_only_after_the_next_approval(
    live_server, page_at, login_as, trainer, reviewer, learner, review_law, tmp_path
):
    ensure_workflow_and_permissions()
    pdf_path = tmp_path / "fuyi-shenqingshu.pdf"
    pdf_path.write_bytes(PDF)
    base = live_server.url

    # The trainer builds the course and submits it, with both lessons, once.
    trainer_page = login_as(page_at(*DESKTOP), trainer)
    course = _build_course(trainer_page, base, pdf_path)
    rows = trainer_page.locator("[data-testid=cr-submit-rows] tbody tr")
    assert rows.count() == 3
    assert "填写完整" in trainer_page.locator("[data-testid=cr-submit-rows]").inner_text()
    trainer_page.locator("#cr-note").fill("新课程，共两课时。")
    trainer_page.get_by_test_id("cr-submit-button").click()
    trainer_page.get_by_text("已提交“《行政复议法》新课”整门课程审核，共 3 个页面").wait_for()
    submission = CourseSubmission.objects.get()
    lesson_one, lesson_two = LessonPage.objects.child_of(course).order_by("path")
    assert not any(p.live for p in (course, lesson_one, lesson_two))

    # A learner sees nothing of it.
    learner_page = login_as(page_at(*PHONE), learner)
    learner_page.goto(base + cf.catalogue().url)
    assert "《行政复议法》新课" not in learner_page.locator("main").inner_text()
    assert learner_page.goto(base + lesson_one.url).status == 404

    # The reviewer finds it on the dashboard, reads the changes and sends it back with a comment, once.
    reviewer_page = login_as(page_at(*PHONE), reviewer)
    reviewer_page.goto(base + reverse("wagtailadmin_home"))
    reviewer_page.get_by_test_id("cr-panel-awaiting").get_by_role("link", name="《行政复议法》新课").click()
    reviewer_page.wait_for_url(re.compile(r"/cms/course-reviews/\d+/$"))  # loaded, not only committed
    detail = reviewer_page.get_by_test_id("cr-detail")
    detail.wait_for()
    text = detail.inner_text()
    for expected in (
        "行政复议法 第十一条",
        "行政复议申请书范本",
        "对行政处罚决定不服，可以怎样寻求救济？",
        "申请、受理与审理",
    ):
        assert expected in text, expected
    assert reviewer_page.get_by_test_id("cr-page").count() == 3
    assert reviewer_page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    reviewer_page.locator(f"#comment-{lesson_one.pk}").fill("请在本课补充第十二条（不属于复议范围的事项）。")
    reviewer_page.locator("#cr-overall").fill("结构清楚，补充后即可发布。")
    reviewer_page.get_by_test_id("cr-request-changes").click()
    reviewer_page.get_by_text("培训管理员会在工作台看到您的意见").wait_for()
    submission.refresh_from_db()
    assert submission.status == CourseSubmission.Status.CHANGES_REQUESTED
    assert learner_page.goto(base + course.url).status == 404

    # The trainer sees the comments on the CMS dashboard, edits the lesson and resubmits from the editor.
    trainer_page.goto(base + reverse("wagtailadmin_home"))
    mine = trainer_page.get_by_test_id("cr-panel-mine")
    assert "需修改" in mine.inner_text()
    assert "请在本课补充第十二条（不属于复议范围的事项）。" in mine.inner_text()
    assert "结构清楚，补充后即可发布。" in mine.inner_text()
    trainer_page.goto(base + reverse("wagtailadmin_pages:edit", args=[lesson_one.pk]))
    trainer_page.locator("#id_title").fill("第一课 复议范围（含排除事项）")
    _submit_whole_course(trainer_page)
    assert "请在本课补充第十二条" in trainer_page.get_by_test_id("cr-sent-back").inner_text()
    trainer_page.get_by_test_id("cr-submit-button").click()
    trainer_page.get_by_text("已提交“《行政复议法》新课”整门课程审核").wait_for()
    second = CourseSubmission.objects.exclude(pk=submission.pk).get()

    # The reviewer approves the new round once: everything goes live together.
    reviewer_page.goto(base + reverse("wagtailadmin_home"))
    reviewer_page.get_by_test_id("cr-panel-awaiting").get_by_role("link", name="《行政复议法》新课").click()
    reviewer_page.wait_for_url(re.compile(r"/cms/course-reviews/\d+/$"))  # loaded, not only committed
    assert "上次审核意见" in reviewer_page.get_by_test_id("cr-detail").inner_text()
    reviewer_page.get_by_test_id("cr-approve").click()
    reviewer_page.get_by_text("整门课程已一起发布").wait_for()
    second.refresh_from_db()
    assert second.status == CourseSubmission.Status.APPROVED
    assert all(p.live for p in CoursePage.objects.filter(pk=course.pk)) and all(
        p.live for p in LessonPage.objects.child_of(course)
    )

    # Now the learner sees the whole course, and the lesson as approved.
    learner_page.goto(base + cf.catalogue().url)
    learner_page.get_by_role("link", name="《行政复议法》新课").click()
    learner_page.get_by_role("link", name="第二课 复议程序").wait_for()
    learner_page.get_by_role("link", name="第一课 复议范围（含排除事项）").click()
    learner_page.get_by_text("对行政处罚决定不服，可以怎样寻求救济？").wait_for()
    body = learner_page.locator("main").inner_text()
    assert "有下列情形之一的，公民、法人或者其他组织可以申请行政复议。" in body
    assert "申请书范本（PDF）" in body
    assert "对行政处罚决定不服，可以怎样寻求救济？" in body
    assert learner_page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    # The learner downloads the PDF the lesson shows: the file as uploaded.
    reviewed_href, received = _pdf_shown(learner_page)
    assert received == PDF

    # The trainer replaces the PDF on its CMS edit page: a new document, used by the lesson's draft only.
    Document = get_document_model()
    original = Document.objects.get()
    new_pdf_path = tmp_path / "fuyi-shenqingshu-xiuding.pdf"
    new_pdf_path.write_bytes(NEW_PDF)
    _replace_pdf_in_cms(trainer_page, base, new_pdf_path)
    told = trainer_page.locator(".messages")
    told.get_by_text("以下页面的草稿已改用新文档").wait_for()
    message = told.inner_text()
    assert (
        "文档“行政复议申请书范本”正被已发布的页面使用，不能直接修改：您的修改已另存为新文档，原文档保持不变。"
        in message
    )
    assert "以下页面的草稿已改用新文档，待审核通过并发布后学员才会看到：“第一课 复议范围（含排除事项）”。" in message
    assert "仍使用原文档" not in message
    replacement = Document.objects.exclude(pk=original.pk).get()
    with replacement.file.open("rb") as handle:
        assert handle.read() == NEW_PDF

    # The live lesson is unchanged: the learner still receives the reviewed PDF from the same link.
    learner_page.reload()
    assert _pdf_shown(learner_page) == (reviewed_href, PDF)

    # The trainer submits the whole course again and the reviewer approves: now the learner gets the new PDF.
    trainer_page.goto(base + reverse("wagtailadmin_pages:edit", args=[lesson_one.pk]))
    _submit_whole_course(trainer_page)
    trainer_page.get_by_test_id("cr-submit-button").click()
    trainer_page.get_by_text("已提交“《行政复议法》新课”整门课程审核").wait_for()
    third = CourseSubmission.objects.exclude(pk__in=[submission.pk, second.pk]).get()
    learner_page.reload()
    assert _pdf_shown(learner_page) == (reviewed_href, PDF)  # submitted is not approved
    _approve_from_dashboard(reviewer_page, base)
    third.refresh_from_db()
    assert third.status == CourseSubmission.Status.APPROVED
    learner_page.reload()
    new_href, received = _pdf_shown(learner_page)
    assert received == NEW_PDF
    assert new_href != reviewed_href and new_href == replacement.url
    # No live page uses the reviewed file any more: the learner no longer receives it.
    assert learner_page.request.get(urljoin(learner_page.url, reviewed_href)).status == 404

    # Signed out, the PDF is refused: opened as a page, the sign-in page; fetched directly, 403; never the bytes.
    anonymous = page_at(*PHONE)
    for href in (new_href, reviewed_href):
        response = anonymous.goto(base + href)
        assert anonymous.url.startswith(base + reverse("account_login")), anonymous.url
        assert b"%PDF" not in response.body()
        direct = anonymous.request.get(base + href, max_redirects=0)
        assert direct.status == 403 and b"%PDF" not in direct.body()
