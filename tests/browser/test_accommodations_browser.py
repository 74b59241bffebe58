"""Accommodations as people use them: a trainer gives one person 15 more minutes from the exam's admin
(choosing the person by typing), and that person, on a phone, is told so and gets the longer deadline."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from exams.models import ExamAccommodation, ExamAttempt
from tests.browser.english_scan import english_words, visible_latin_text
from tests.exams import factories_exams as f
from tests.factories import UserFactory

from .conftest import ARTIFACTS, DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _no_english(page, *own) -> None:
    found = [w for text in visible_latin_text(page) for w in english_words(text, ignore=own)]
    assert found == []


def test_a_trainer_grants_fifteen_minutes_and_the_learner_sees_it_on_a_phone(
    live_server, page_at, login_as, trainer, org_tree
):
    exam = f.exam(f.mixed_paper(), title="2026年度学法考试")
    slow = UserFactory(employee_no="SC0009", full_name="阿依古丽·吐尔逊", org_unit=org_tree["shache_dept"])
    ARTIFACTS.mkdir(exist_ok=True)

    page = login_as(page_at(*DESKTOP), trainer)
    page.goto(live_server.url + f"/cms/exams/edit/{exam.pk}/")
    with translation.override("zh-hans"):
        actions = translation.gettext("Actions")  # the label of Wagtail's header menu ("…")
    page.get_by_role("button", name=actions).click()
    page.get_by_role("link", name="特殊安排").click()
    page.wait_for_url(f"**/cms/exam-accommodations/{exam.pk}/")
    page.get_by_test_id("accommodation-add").click()
    people = page.locator('[data-picker="people"]')
    box = people.get_by_role("combobox")
    box.press_sequentially("SC00")
    people.get_by_role("option", name="阿依古丽·吐尔逊（SC0009）").click()
    expect(people.locator(".picker-chip")).to_contain_text("阿依古丽·吐尔逊（SC0009）")
    page.locator("#id_extra_minutes").fill("15")
    page.locator("#id_reason").fill("视力障碍，需放大字体作答")
    _no_english(page, trainer.employee_no, "SC0009")
    page.screenshot(path=str(ARTIFACTS / "accommodation-form-1280.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    listing = page.get_by_test_id("accommodations")
    expect(listing).to_contain_text("阿依古丽·吐尔逊（SC0009）")
    expect(listing).to_contain_text("延长 15 分钟")
    _no_english(page, trainer.employee_no, "SC0009")
    page.screenshot(path=str(ARTIFACTS / "accommodations-1280.png"), full_page=True)
    assert ExamAccommodation.objects.get().user == slow

    phone = login_as(page_at(*PHONE), slow)
    phone.goto(live_server.url + f"/exams/{exam.pk}/")
    expect(phone.get_by_test_id("accommodation")).to_have_text("您有延长 15 分钟的安排。")
    _no_english(phone, "SC0009")
    phone.screenshot(path=str(ARTIFACTS / "accommodation-learner-375.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    phone.get_by_test_id("start-exam").click()
    phone.wait_for_url("**/attempts/**")
    attempt = ExamAttempt.objects.get(user=slow)
    assert (attempt.deadline - attempt.started_at).total_seconds() == 45 * 60
