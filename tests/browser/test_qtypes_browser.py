"""On a phone (375 px): a learner answers one question of every registered type right, hands in, and gets
full marks for every automatically graded one (short answer waits for its grader)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams import qtypes
from exams.models import AttemptAnswer, ExamAttempt
from tests.browser.conftest import PHONE
from tests.exams import factories_exams as f
from tests.exams.qtype_samples import SAMPLES, make_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(section, answer):
    how, value = answer
    if how == "choose":
        for text in value:
            section.locator("label.option", has_text=text).locator("input").check()
    elif how == "type":
        section.locator("[data-answer]").fill(value)
    elif how == "parts":
        for index, (kind, text) in enumerate(value):
            part = section.locator(f"[data-part='{index}']")
            if kind == "select":
                part.locator("select").select_option(label=text)
            elif kind == "radio":
                part.locator("label", has_text=text).locator("input").check()
            else:
                part.locator("input[type=text]").fill(text)
    elif how == "order":
        for target, text in enumerate(value):
            # Move the item up until it stands at ``target`` (the items above it are already in place).
            while True:
                items = section.locator("[data-part]").all_inner_texts()
                now = next(i for i, t in enumerate(items) if text in t)
                if now == target:
                    break
                section.locator("[data-part]").nth(now).locator("[data-move='up']").click()
    else:
        raise AssertionError(f"unknown answer {answer!r}")


def test_every_type_is_answered_on_a_phone_and_graded(page_at, login_as, live_server, learner):
    names = [t.name for t in qtypes.all_types()]
    assert set(names) <= set(SAMPLES), f"a type without a sample: {set(names) - set(SAMPLES)}"
    questions = [make_sample(name) for name in names]
    exam = f.exam(questions, title="各种题型", partial_credit=True)
    page = login_as(page_at(*PHONE), learner)
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.get_by_test_id("start-exam").click()
    page.locator("[data-countdown]").filter(has_text=":").wait_for()
    for position, name in enumerate(names, start=1):
        section = page.locator(f"#q{position}")
        assert section.get_attribute("data-qtype") == name
        _answer(section, SAMPLES[name].answer)
        section.locator("[data-save-state]").filter(has_text="已保存").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    attempt = ExamAttempt.objects.get(exam=exam, user=learner)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/**")
    attempt.refresh_from_db()
    scores = dict(AttemptAnswer.objects.filter(item__attempt=attempt).values_list("item__qtype", "score"))
    for name in names:
        if qtypes.get(name).manual:
            assert scores[name] is None
        else:
            assert scores[name] == SAMPLES[name].points, f"{name}: {scores[name]}"
    assert attempt.status == ExamAttempt.Status.SUBMITTED  # the short answer waits for a grader
    auto = sum((SAMPLES[n].points for n in names if not qtypes.get(n).manual), Decimal(0))
    assert sum((s for s in scores.values() if s is not None), Decimal(0)) == auto
