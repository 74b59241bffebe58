"""On a phone: the answer card (答题卡) jumps to a question and flags it (the flag survives a reload); a failed
attempt shows which answers were wrong and the retake; leaving the page N times hands the attempt in with its
answers; a second browser takes the attempt over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import AttemptAnswer, AttemptEvent, Exam, ExamAttempt, QuestionType
from tests.browser.conftest import DESKTOP, PHONE
from tests.exams import factories_exams as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = None  # set to a folder to keep screenshots while working on the pages


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _paper(n=8):
    return [
        f.question(QuestionType.SINGLE, correct=("B",), stem=f"<p>第{i}道：行政处罚由哪一级机关管辖？</p>")
        for i in range(n)
    ]


def _start(page, live_server, exam):
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.get_by_test_id("start-exam").click()
    page.locator("[data-countdown]").filter(has_text=":").wait_for()


def test_the_answer_card_jumps_and_flags_on_a_phone(page_at, login_as, live_server, learner):
    exam = f.exam(_paper(), title="答题卡测验")
    page = login_as(page_at(*PHONE), learner)
    _start(page, live_server, exam)
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)

    page.locator("input[name=q1][value='1']").check()
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()
    card = page.locator("[data-answer-card]")
    assert not card.is_visible()  # a bottom sheet, closed
    page.locator("[data-card-toggle]").click()
    card.wait_for(state="visible")
    assert page.locator("[data-card-count]").inner_text() == "1/8"
    assert "answered" in page.locator("[data-card-item='1']").get_attribute("class")
    _shot(page, "card-phone-open")

    page.locator("[data-card-item='7']").click()
    card.wait_for(state="hidden")
    page.wait_for_function("Math.abs(document.getElementById('q7').getBoundingClientRect().top - 84) < 120")
    page.locator("#q7 [data-flag]").click()
    assert page.locator("#q7 [data-flag]").get_attribute("aria-pressed") == "true"
    page.locator("#q7 [data-save-state]").filter(has_text="已保存").wait_for()
    assert AttemptAnswer.objects.get(item__attempt=attempt, item__position=7).flagged
    assert "flagged" in page.locator("[data-card-item='7']").get_attribute("class")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    page.reload()
    page.locator("[data-countdown]").filter(has_text=":").wait_for()
    assert page.locator("#q7 [data-flag]").inner_text() == "已标记"
    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="交卷").click()
    page.wait_for_timeout(300)
    assert messages and "还有 7 题未作答，1 题标记待查" in messages[0]


def test_the_answer_card_is_a_side_panel_on_a_pc(page_at, login_as, live_server, learner):
    exam = f.exam(_paper(12), title="答题卡测验（电脑）")
    page = login_as(page_at(*DESKTOP), learner)
    _start(page, live_server, exam)
    card = page.locator("[data-answer-card]")
    assert card.is_visible() and not page.locator("[data-card-toggle]").is_visible()
    box, paper = card.bounding_box(), page.locator("[data-exam-paper]").bounding_box()
    assert box["x"] > paper["x"] + paper["width"] - 1  # beside the paper
    page.locator("[data-card-item='12']").click()
    page.wait_for_function(
        "Math.abs(document.getElementById('q12').getBoundingClientRect().top - 84) < 120 || window.scrollY + innerHeight >= document.body.scrollHeight - 2"
    )
    _shot(page, "card-desktop")


def test_a_failed_attempt_shows_the_wrong_answers_and_the_retake(page_at, login_as, live_server, learner):
    exam = f.exam(
        _paper(3),
        title="复习测验",
        attempts_allowed=2,
        review_policy=Exam.ReviewPolicy.RESPONSES,
        review_from=timezone.now() - timedelta(minutes=1),
    )
    page = login_as(page_at(*PHONE), learner)
    page.on("dialog", lambda dialog: dialog.accept())
    _start(page, live_server, exam)
    page.locator("input[name=q1][value='1']").check()  # right
    page.locator("input[name=q2][value='0']").check()  # wrong
    page.locator("#q2 [data-save-state]").filter(has_text="已保存").wait_for()
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url("**/result/")

    assert page.get_by_test_id("verdict").inner_text() == "未通过"
    summary = page.get_by_test_id("wrong-summary")
    assert "答错或未得满分 2 题" in summary.inner_text()
    assert page.locator("[data-outcome='wrong']").count() == 2
    assert page.locator("[data-outcome='right']").count() == 1
    assert "正确答案" not in page.content()  # RESPONSES: own answers, never the key
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    _shot(page, "result-phone")

    page.get_by_role("button", name="还剩 1 次 · 再考").click()
    page.wait_for_url("**/exams/attempts/*/")
    assert ExamAttempt.objects.filter(exam=exam, user=learner).count() == 2

    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    cells = page.get_by_test_id("my-attempts").locator("td")
    assert all(cell.is_visible() for cell in cells.all())  # stacked, nothing hidden off-screen
    _shot(page, "detail-phone")


def test_leaving_the_page_three_times_hands_the_attempt_in_with_its_answers(page_at, login_as, live_server, learner):
    exam = f.exam(_paper(3), title="纪律测验", count_page_leaves=True, page_leave_limit=3)
    page = login_as(page_at(*PHONE), learner)
    _start(page, live_server, exam)
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    page.locator("input[name=q1][value='1']").check()
    page.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()

    def leave_and_return():
        page.evaluate("window.dispatchEvent(new Event('blur'))")
        page.evaluate("window.dispatchEvent(new Event('focus'))")

    leave_and_return()
    page.locator("[data-integrity-notice]").filter(has_text="您已离开答题页面 1 次，达到 3 次将自动交卷").wait_for()
    leave_and_return()
    page.locator("[data-integrity-notice]").filter(has_text="2 次").wait_for()
    page.locator("input[name=q2][value='1']").check()  # answered, and the page left before the save went out
    leave_and_return()
    page.locator("[data-exam-alert]").filter(has_text="答卷已自动提交").wait_for()
    attempt.refresh_from_db()
    assert attempt.status == ExamAttempt.Status.GRADED and attempt.finalised_by == "integrity"
    assert attempt.score == 2
    assert AttemptEvent.objects.filter(attempt=attempt, kind="left_page").count() == 3
    assert page.locator("input[name=q3]").first.is_disabled()


def test_a_second_browser_takes_the_attempt_over(page_at, login_as, live_server, learner):
    exam = f.exam(_paper(2), title="单设备测验", single_device=True)
    first = login_as(page_at(*DESKTOP), learner)
    _start(first, live_server, exam)
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    first.locator("input[name=q1][value='1']").check()
    first.locator("#q1 [data-save-state]").filter(has_text="已保存").wait_for()

    second = login_as(page_at(*PHONE), learner)
    second.goto(f"{live_server.url}/exams/attempts/{attempt.pk}/")
    second.locator("[data-countdown]").filter(has_text=":").wait_for()
    assert second.locator("input[name=q1][value='1']").is_checked()  # what the first saved is there

    first.locator("input[name=q2][value='0']").check()
    first.locator("[data-exam-alert]").filter(has_text="已在另一台设备").wait_for()
    assert first.locator("input[name=q2]").first.is_disabled()
    second.locator("input[name=q2][value='1']").check()
    second.locator("#q2 [data-save-state]").filter(has_text="已保存").wait_for()
    responses = dict(AttemptAnswer.objects.filter(item__attempt=attempt).values_list("item__position", "response"))
    assert responses == {1: "B", 2: "B"}


def test_full_screen_and_copy_blocking_on_a_pc_are_logged_for_the_trainer(
    page_at, login_as, live_server, learner, trainer
):
    exam = f.exam(_paper(2), title="全屏测验", require_fullscreen=True, block_copy_paste=True)
    page = login_as(page_at(*DESKTOP), learner)
    _start(page, live_server, exam)
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    banner = page.locator("[data-fullscreen-banner]")
    banner.wait_for(state="visible")
    page.get_by_role("button", name="进入全屏").click()
    page.wait_for_function("document.fullscreenElement !== null")
    banner.wait_for(state="hidden")
    page.evaluate("document.exitFullscreen()")
    banner.wait_for(state="visible")
    prevented = page.evaluate(
        "(() => { const e = new Event('paste', {bubbles: true, cancelable: true});"
        " document.querySelector('#q1 .option-text').dispatchEvent(e); return e.defaultPrevented; })()"
    )
    assert prevented
    page.locator("[data-integrity-notice]").filter(has_text="禁止复制、粘贴和右键菜单").wait_for()
    for _ in range(40):
        if AttemptEvent.objects.filter(attempt=attempt).count() == 2:
            break
        page.wait_for_timeout(250)
    assert sorted(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True)) == [
        "copy_blocked",
        "fullscreen_exit",
    ]

    phone = login_as(page_at(*PHONE), learner)
    phone.goto(f"{live_server.url}/exams/attempts/{attempt.pk}/")
    phone.locator("[data-countdown]").filter(has_text=":").wait_for()
    assert not phone.locator("[data-fullscreen-banner]").is_visible()  # never on phones

    staff = login_as(page_at(*DESKTOP), trainer)
    staff.goto(f"{live_server.url}/exams/stats/{exam.pk}/")
    row = staff.get_by_test_id("integrity").locator("tr", has_text=f"答卷 #{attempt.pk}")
    assert "退出全屏 × 1" in row.inner_text() and "复制、粘贴或右键被阻止 × 1" in row.inner_text()
    _shot(staff, "stats-integrity")
    learner_list = login_as(page_at(*PHONE), learner)
    learner_list.goto(f"{live_server.url}/exams/")
    _shot(learner_list, "my-exams-phone")
