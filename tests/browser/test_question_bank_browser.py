"""The bank for daily work in a browser: bulk archive from the list, a question and a paper previewed at phone width.

Screenshots of each page go to test-artifacts/question-bank-*.png (they are how the pages were looked at).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exams.models import Exam, PaperRule, Question, QuestionType
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.english_scan import english_words, visible_latin_text
from tests.exams import factories_exams as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"question-bank-{name}.png"), full_page=True)


def _no_english(page, *ignore: str) -> None:
    found = [word for text in visible_latin_text(page) for word in english_words(text, ignore=ignore)]
    assert not found, found


def test_trainer_archives_two_questions_from_the_list(page_at, login_as, live_server, trainer):
    cat = f.category("行政处罚法")
    keep = f.question(QuestionType.SINGLE, cat=cat, name="保留的题")
    archive = [f.question(QuestionType.TRUEFALSE, cat=cat, name=f"要归档的题{i}") for i in range(2)]
    page = login_as(page_at(*DESKTOP), trainer)
    page.goto(f"{live_server.url}/cms/exams_questions/")
    for question in archive:
        page.locator(f'input[data-object-id="{question.pk}"]').check()
    footer = page.locator("[data-bulk-action-footer]")
    footer.get_by_text("归档", exact=True).wait_for()
    _shot(page, "list-1280")
    _no_english(page)
    footer.get_by_text("归档", exact=True).click()
    page.get_by_text("归档下列题目？").wait_for()
    assert page.get_by_text("要归档的题0").is_visible() and page.get_by_text("保留的题").count() == 0
    _shot(page, "bulk-archive-1280")
    _no_english(page)
    page.locator("form button[type=submit]", has_text="归档").click()
    page.get_by_text("2 道题已更新。").wait_for()
    assert set(Question.objects.filter(is_archived=True)) == set(archive)
    assert not Question.objects.get(pk=keep.pk).is_archived


def test_trainer_previews_a_question_and_a_drawn_paper_at_phone_width(page_at, login_as, live_server, trainer):
    cat = f.category("行政许可法")
    question = f.question(QuestionType.MULTIPLE, cat=cat, correct=("A", "C"), name="许可的原则")
    for _ in range(4):
        f.question(QuestionType.SINGLE, cat=cat)
    exam = f.exam(paper_mode=Exam.PaperMode.RULES, title="行政许可法专项测试")
    PaperRule.objects.create(exam=exam, category=cat, question_type=QuestionType.SINGLE, count=3, points_each=2)

    page = login_as(page_at(*PHONE), trainer)
    page.goto(f"{live_server.url}/cms/exams_questions/preview/{question.pk}/")
    frame = page.frame_locator("iframe.qp-frame")
    frame.get_by_text("多选题", exact=True).wait_for()
    assert frame.locator('input[type="checkbox"]').count() == 4
    assert frame.get_by_text("答案：").is_visible()
    _shot(page, "question-preview-375")
    _no_english(page)

    page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
    page.get_by_role("link", name="电脑").click()
    frame.get_by_text("多选题", exact=True).wait_for()
    _shot(page, "question-preview-1280")

    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(f"{live_server.url}/cms/exams/paper/{exam.pk}/")
    frame.get_by_text("共 3 题，满分 6 分").wait_for()
    assert frame.locator("section.question").count() == 3
    _shot(page, "paper-preview-375")
    _no_english(page)
    page.get_by_role("link", name="再抽一次").click()
    page.wait_for_url("**draw=1**")
    frame.get_by_text("共 3 题，满分 6 分").wait_for()
    assert not exam.attempts.exists()


def test_reimporting_a_file_shows_its_duplicates_and_skips_them(page_at, login_as, live_server, trainer, tmp_path):
    cat = f.category("行政处罚法", f.category("法律知识"))
    existing = f.question(QuestionType.SINGLE, cat=cat, name="已有的题")
    existing.idnumber = "XF-59"
    existing.save(update_fields=["idnumber"])
    bank = tmp_path / "题库.xml"
    bank.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><quiz>'
        '<question type="category"><category><text>$course$/top/行政处罚法</text></category></question>'
        '<question type="multichoice"><name><text>改过的题</text></name>'
        '<questiontext format="html"><text>决定书上应当盖什么章？</text></questiontext><idnumber>XF-59</idnumber>'
        '<single>true</single><answer fraction="100"><text>行政机关印章</text></answer>'
        '<answer fraction="0"><text>当事人签名</text></answer></question>'
        '<question type="truefalse"><name><text>新题</text></name>'
        '<questiontext format="html"><text>行政处罚应当公开。</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>'
        "</quiz>",
        encoding="utf-8",
    )
    for width, height in (PHONE, DESKTOP):
        page = login_as(page_at(width, height), trainer)
        page.goto(f"{live_server.url}/cms/exams_questions/import/")
        page.locator("#id_file").set_input_files(str(bank))
        page.locator("#id_format").select_option("moodle-xml")
        page.locator("#id_category").fill("法律知识")
        page.get_by_role("button", name="检查并预览").click()
        duplicates = page.locator("[data-testid=qi-duplicates]")
        duplicates.get_by_text("其中 1 道题题库中已有").wait_for()
        assert duplicates.get_by_role("cell", name="编号相同").is_visible()
        assert duplicates.get_by_text("有变化", exact=True).is_visible()
        assert page.get_by_label("跳过（不导入题库中已有的题）").is_checked()
        _shot(page, f"import-duplicates-{width}")
        _no_english(page, bank.name)  # the uploaded file's name
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("跳过了题库中已有的 1 道题。").wait_for()
    assert Question.objects.count() == 2
    existing.refresh_from_db()
    assert existing.current_version.number == 1 and "决定书上" not in existing.current_version.stem
