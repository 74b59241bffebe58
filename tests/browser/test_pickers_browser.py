"""The audience pickers as a trainer uses them: on a phone, choosing a unit and a person by typing;
in the Wagtail exam editor, where the script comes as the widget's media."""

import re

import pytest
from playwright.sync_api import expect

from classroom.models import TrainingSession
from tests.factories import UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def officials(org_tree):
    return {
        "ayi": UserFactory(employee_no="SC0002", full_name="阿依古丽·吐尔逊", org_unit=org_tree["shache_dept"]),
        "ali": UserFactory(employee_no="SC0003", full_name="阿力木", org_unit=org_tree["shache_dept"]),
        "sf": UserFactory(employee_no="SF0002", full_name="阿依努尔", org_unit=org_tree["shufu_dept"]),
    }


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def test_a_trainer_chooses_a_unit_and_a_person_by_typing_on_a_phone(
    live_server, page_at, login_as, trainer, org_tree, officials
):
    page = login_as(page_at(*PHONE), trainer)
    errors = _csp_errors(page)
    page.goto(live_server.url + "/learning/sessions/manage/new/")
    page.locator("#id_title").fill("莎车县行政执法培训")
    page.locator("#id_starts_at").fill("2026-03-10T09:00")
    page.locator("#id_ends_at").fill("2026-03-10T17:00")
    page.locator("#id_hours").fill("6")

    units = page.locator('[data-picker="units"]')
    box = page.get_by_role("combobox", name="参训单位")
    box.press_sequentially("莎车")
    options = units.get_by_role("option")
    expect(options).to_have_count(2)  # the county and its department, in tree order
    expect(options.first.locator(".picker-option-label")).to_have_text("莎车县")
    expect(options.first.locator(".picker-option-detail")).to_have_text("喀什地区")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(".+"))
    box.press("Enter")  # chooses the highlighted unit; never submits the form
    expect(units.locator(".picker-chip")).to_have_count(1)
    expect(units.locator(".picker-chip-label")).to_have_text("莎车县")
    assert page.url.endswith("/learning/sessions/manage/new/")
    box.press("Escape")
    expect(units.get_by_role("listbox")).to_be_hidden()

    people = page.locator('[data-picker="people"]')
    person_box = page.get_by_role("combobox", name="指定参训人员")
    person_box.press_sequentially("阿")
    expect(people.get_by_role("option")).to_have_count(3)  # 阿依古丽, 阿力木 and 阿依努尔 (a trainer sees every county)
    people.get_by_role("option", name=re.compile("阿依古丽·吐尔逊（SC0002）")).click()
    people.get_by_role("option", name=re.compile("阿力木（SC0003）")).click()
    expect(people.locator(".picker-chip")).to_have_count(2)
    expect(people.get_by_role("option", name=re.compile("阿力木"))).to_have_attribute("aria-selected", "true")
    # A chip goes with its remove button; the focus stays in the picker.
    people.get_by_role("button", name="移除 阿力木（SC0003）").click()
    expect(people.locator(".picker-chip")).to_have_count(1)
    expect(people.locator("[role=status]")).to_contain_text("已移除：阿力木（SC0003）")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/learning/sessions/manage/\d+/$"))
    session = TrainingSession.objects.get(title="莎车县行政执法培训")
    assert list(session.audience_units.all()) == [org_tree["shache"]]
    assert list(session.audience_people.all()) == [officials["ayi"]]
    assert errors == []


def test_the_exam_editor_searches_people_in_the_wagtail_admin(live_server, page_at, login_as, trainer, officials):
    page = login_as(page_at(*DESKTOP), trainer)
    errors = _csp_errors(page)
    page.goto(live_server.url + "/cms/exams/new/")
    page.get_by_role("tab", name="参考人员").click()
    people = page.locator('[data-picker="people"]')
    box = people.get_by_role("combobox")
    box.press_sequentially("sf00")
    option = people.get_by_role("option", name=re.compile("阿依努尔（SF0002）"))
    expect(option).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    chip = people.locator(".picker-chip")
    expect(chip).to_contain_text("阿依努尔（SF0002）")
    # The chip posts the person's key under the field's name, as the plain select did.
    assert people.locator('input[type=checkbox][name="audience_users"]').get_attribute("value") == str(
        officials["sf"].pk
    )
    # Twenty at a time: the last option of the list fetches the next page.
    for n in range(23):
        UserFactory(employee_no=f"WG{n:04d}", full_name=f"王刚{n:02d}", org_unit=officials["sf"].org_unit)
    box.fill("")
    box.press_sequentially("王刚")
    options = people.get_by_role("option")
    expect(options).to_have_count(21)
    expect(options.last).to_have_text("显示更多结果")
    box.press("ArrowUp")  # from the box, up wraps to the last option
    box.press("Enter")
    expect(options).to_have_count(23)
    expect(options.last).to_contain_text("王刚22（WG0022）")
    assert errors == []
