"""The audience pickers: their search (scope, roles, words, pages, query counts), their widget (only
the chosen values are drawn) and every audience form saving what they post."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import audience
from accounts.models import OrgUnit, Role, User
from accounts.pickers import (
    MAX_PAGE,
    PAGE_SIZE,
    PersonPicker,
    UnitPicker,
    search_people,
    search_units,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UNITS_URL = "/accounts/pickers/units/"
PEOPLE_URL = "/accounts/pickers/people/"
JSON = {"HTTP_ACCEPT": "application/json"}


def _get(client, url, **params):
    response = client.get(url, params, **JSON)
    return response, response.json()


def _labels(data) -> list[str]:
    return [item["label"] for item in data["results"]]


@pytest.fixture
def people(org_tree):
    """Two 张伟 in two counties, and one deactivated official."""
    return {
        "sc": UserFactory(employee_no="SC0001", full_name="张伟", org_unit=org_tree["shache_dept"]),
        "sf": UserFactory(employee_no="SF0001", full_name="张伟", org_unit=org_tree["shufu_dept"]),
        "left": UserFactory(
            employee_no="SC0009", full_name="张离职", org_unit=org_tree["shache_dept"], is_active=False
        ),
    }


def _bulk_people(unit: OrgUnit, count: int, *, prefix: str = "李", no_prefix: str = "LI") -> list[User]:
    password = make_password(None)  # unusable; hashing 5,000 real passwords would take minutes
    User.objects.bulk_create(
        User(employee_no=f"{no_prefix}{i:05d}", full_name=f"{prefix}{i:05d}", org_unit=unit, password=password)
        for i in range(count)
    )
    return list(User.objects.filter(employee_no__startswith=no_prefix).order_by("employee_no"))


# --- Scope and roles -----------------------------------------------------------------------------


def test_an_hr_officer_finds_only_people_of_their_county(hr_shache, people, client_for):
    client = client_for(hr_shache)
    _response, data = _get(client, PEOPLE_URL, q="张伟")
    assert [item["employee_no"] for item in data["results"]] == ["SC0001"]
    assert data["results"][0] == {
        "id": people["sc"].pk,
        "employee_no": "SC0001",
        "label": "张伟（SC0001）",
        "detail": "喀什地区/莎车县/莎车县市场监督管理局",
    }
    # Not by 工号, not by the other county's name, not a deactivated colleague.
    for query in ("SF0001", "sf0001", "疏附", "疏附县 张", "张离职", "SC0009"):
        response, data = _get(client, PEOPLE_URL, q=query)
        assert response.status_code == 200 and data == {"ok": True, "results": [], "page": 1, "has_more": False}, query


def test_a_trainer_finds_people_of_every_county(trainer, people, client_for):
    _response, data = _get(client_for(trainer), PEOPLE_URL, q="张伟")
    assert sorted(item["employee_no"] for item in data["results"]) == ["SC0001", "SF0001"]


def test_an_hr_officer_finds_only_units_of_their_county(hr_shache, org_tree, client_for):
    client = client_for(hr_shache)
    assert _labels(_get(client, UNITS_URL, q="")[1]) == ["莎车县", "莎车县市场监督管理局"]
    assert _get(client, UNITS_URL, q="疏附")[1]["results"] == []
    assert _get(client, UNITS_URL, q="KS-SF")[1]["results"] == []


def test_a_trainer_finds_units_by_name_code_and_path(trainer, org_tree, client_for):
    client = client_for(trainer)
    assert _labels(_get(client, UNITS_URL, q="疏附")[1]) == ["疏附县", "疏附县市场监督管理局"]
    assert _labels(_get(client, UNITS_URL, q="ks-sc-")[1]) == ["莎车县市场监督管理局"]
    # Every word must match: the county (in the path) and the department.
    _response, data = _get(client, UNITS_URL, q="莎车 市场监督")
    assert data["results"] == [
        {
            "id": org_tree["shache_dept"].pk,
            "code": "KS-SC-SJ",
            "label": "莎车县市场监督管理局",
            "detail": "喀什地区/莎车县",
        }
    ]
    # No words: the top of the tree, in tree order.
    assert _labels(_get(client, UNITS_URL)[1])[:2] == ["喀什地区", "莎车县"]


def test_people_are_found_by_unit_and_name_together(trainer, people, client_for):
    client = client_for(trainer)
    assert [i["employee_no"] for i in _get(client, PEOPLE_URL, q="疏附县 张")[1]["results"]] == ["SF0001"]
    assert [i["employee_no"] for i in _get(client, PEOPLE_URL, q="张伟，莎车")[1]["results"]] == ["SC0001"]
    assert [i["employee_no"] for i in _get(client, PEOPLE_URL, q="sc00")[1]["results"]] == ["SC0001"]
    # Whose own name matches comes before whose unit does; one character is a surname, not a unit.
    namesake = UserFactory(employee_no="SF0005", full_name="莎车古丽", org_unit=people["sf"].org_unit)
    assert [i["id"] for i in _get(client, PEOPLE_URL, q="莎车")[1]["results"]] == [namesake.pk, people["sc"].pk]
    assert [i["id"] for i in _get(client, PEOPLE_URL, q="莎")[1]["results"]] == [namesake.pk]
    # An empty query finds nobody (there are thousands), without asking the database.
    with CaptureQueriesContext(connection) as queries:
        assert search_people(trainer, "  ").items == []
    assert len(queries) == 0


@pytest.mark.parametrize(
    "who, units, people_status",
    [("learner", 403, 403), ("reviewer", 200, 403), ("hr_shache", 200, 200), ("admin_user", 200, 200)],
)
def test_only_roles_that_edit_audiences_may_search(request, client_for, people, who, units, people_status):
    client = client_for(request.getfixturevalue(who))
    unit_response = client.get(UNITS_URL, {"q": "莎车"}, **JSON)
    people_response = client.get(PEOPLE_URL, {"q": "张"}, **JSON)
    assert (unit_response.status_code, people_response.status_code) == (units, people_status)
    if people_status == 403:
        assert people_response.json()["ok"] is False and "张伟" not in people_response.content.decode()


def test_anonymous_visitors_find_nothing(client, people):
    response = client.get(PEOPLE_URL, {"q": "张"}, **JSON)
    assert response.status_code == 403 and "张伟" not in response.content.decode()
    assert client.post(PEOPLE_URL, {"q": "张"}).status_code in (403, 405)


# --- Pages, bad input, query counts ----------------------------------------------------------------


def test_results_come_twenty_at_a_time(trainer, org_tree, client_for):
    _bulk_people(org_tree["shache_dept"], 45)
    client = client_for(trainer)
    pages = [_get(client, PEOPLE_URL, q="李", page=n)[1] for n in (1, 2, 3)]
    assert [len(p["results"]) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 5]
    assert [p["has_more"] for p in pages] == [True, True, False]
    labels = [label for p in pages for label in _labels(p)]
    assert labels == sorted(labels) and len(set(labels)) == 45


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "张", "page": "0"}, f"页码须是 1 到 {MAX_PAGE} 之间的整数"),
        ({"q": "张", "page": "abc"}, "页码须是"),
        ({"q": "张", "page": str(MAX_PAGE + 1)}, "结果太多时请输入更多字缩小范围"),
        ({"q": "张" * 101}, "搜索内容太长：最多 100 个字。"),
        ({"q": "a b c d e f"}, "搜索词太多：最多 5 个，用空格分开。"),
    ],
)
def test_bad_queries_are_refused_with_a_message(trainer, client_for, params, message):
    response, data = _get(client_for(trainer), PEOPLE_URL, **params)
    assert response.status_code == 400 and data["ok"] is False and message in data["error"]


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, **JSON)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who, expected", [("trainer", (5, 4)), ("hr_shache", (6, 5))])
def test_a_search_costs_the_same_number_of_queries_however_many_match(request, org_tree, client_for, who, expected):
    """Session, user and roles (an HR officer's scope units too), then the units a word names and one page."""
    client = client_for(request.getfixturevalue(who))
    _bulk_people(org_tree["shache_dept"], 3)
    few = (_queries(client, PEOPLE_URL, q="李 莎车"), _queries(client, UNITS_URL, q="莎车"))
    _bulk_people(org_tree["shache_dept"], 60, prefix="李多", no_prefix="LM")
    many = (_queries(client, PEOPLE_URL, q="李 莎车 市场", page=2), _queries(client, UNITS_URL, q=""))
    assert few == many == expected


def test_the_search_itself_is_two_queries_for_people_and_one_for_units(hr_shache, org_tree):
    _bulk_people(org_tree["shache_dept"], 30)
    hr = User.objects.get(pk=hr_shache.pk)
    hr.roles  # noqa: B018 - roles and scope are read once per request, before the search
    from accounts.scope import scope_paths

    scope_paths(hr)
    with CaptureQueriesContext(connection) as captured:
        found = search_people(hr, "李 莎车", page=1)
        assert len(found.items) == PAGE_SIZE and found.has_more
        units = search_units(hr, "莎车")
        assert [u["label"] for u in units.items] == ["莎车县", "莎车县市场监督管理局"]
    assert len(captured) == 3, [q["sql"] for q in captured]


# --- The widget ------------------------------------------------------------------------------------


def test_the_widget_draws_only_the_chosen_people(org_tree):
    crowd = _bulk_people(org_tree["shache_dept"], 5000)
    from django import forms

    class Form(forms.Form):
        people = forms.ModelMultipleChoiceField(queryset=User.objects.all(), widget=PersonPicker, required=False)

    form = Form(initial={"people": [crowd[10], crowd[4000]]})
    with CaptureQueriesContext(connection) as captured:
        html = str(form["people"])
    assert len(captured) == 1  # the chosen ones only
    assert "<option" not in html
    assert html.count('type="checkbox"') == 2
    assert f'value="{crowd[10].pk}"' in html and f'value="{crowd[4000].pk}"' in html
    assert "李00010（LI00010）" in html and "李04000（LI04000）" in html and "李00011" not in html
    assert 'data-url="/accounts/pickers/people/"' in html and 'name="people__add"' in html


def test_a_posted_form_draws_what_was_posted_and_marks_what_is_unknown(org_tree, people):
    from django import forms

    class Form(forms.Form):
        units = forms.ModelMultipleChoiceField(queryset=OrgUnit.objects.all(), widget=UnitPicker, required=False)
        numbers = forms.CharField(widget=PersonPicker(value_field="employee_no", as_text=True), required=False)

    form = Form(
        {"units": [str(org_tree["shufu"].pk)], "units__add": "KS-SC 不存在的单位", "numbers": ["SC0001", "NOPE9"]}
    )
    assert not form.is_valid()
    assert "不存在的单位" in str(form.errors["units"])
    assert form.cleaned_data["numbers"] == "SC0001\nNOPE9"
    html = str(form["units"]) + str(form["numbers"])
    assert f'value="{org_tree["shache"].pk}"' in html  # the typed code became a chip
    assert "picker-chip-unknown" in html and "NOPE9" in html and "张伟（SC0001）" in html


def test_the_widget_brings_its_script_and_styles():
    media = str(PersonPicker().media)
    assert "accounts/picker.js" in media and "defer" in media and "accounts/picker.css" in media


# --- Every audience form still saves what the pickers post -----------------------------------------


def _exam_form(**overrides) -> dict:
    now = timezone.localtime()
    data = {
        "title": "2026年度学法考试",
        "description": "",
        "opens_at": (now + timezone.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timezone.timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "60",
        "attempts_allowed": "2",
        "counted_attempt": "highest",
        "pass_percent": "60",
        "year": "",
        "paper_mode": "fixed",
        "credit_hours": "2",
        "credit_category": "",
        "review_policy": "score",
        "review_from": "",
        "makeup_for": "",
    }
    for prefix in ("paper_questions", "paper_rules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(overrides)
    return data


def test_the_exam_form_saves_the_chosen_units_and_people(trainer, org_tree, people, client_for):
    from exams.models import Exam

    client = client_for(trainer)
    data = _exam_form(audience_units=[org_tree["shache"].pk], audience_users=[people["sf"].pk])
    response = client.post("/cms/exams/new/", {**data, "audience_users__add": "sc0001"})
    assert response.status_code == 302, response.content.decode()[:2000]
    exam = Exam.objects.get()
    assert list(exam.audience_units.all()) == [org_tree["shache"]]
    assert set(exam.audience_users.all()) == {people["sf"], people["sc"]}


def test_the_exam_form_draws_no_option_per_person(trainer, org_tree, people, client_for):
    from exams.models import Exam

    _bulk_people(org_tree["shache_dept"], 5000)
    exam = Exam.objects.create(
        title="莎车县专项考试",
        opens_at=timezone.now(),
        closes_at=timezone.now() + timezone.timedelta(days=1),
        duration_minutes=30,
        created_by=trainer,
    )
    exam.audience_users.set([people["sc"]])
    exam.audience_units.set([org_tree["shache"]])
    page = client_for(trainer).get(f"/cms/exams/edit/{exam.pk}/").content.decode()
    assert page.count("<option") < 100  # the other selects of the form, not 5,000 people
    assert "李01234" not in page and "张伟（SC0001）" in page
    assert page.count('name="audience_users" value=') == 1 and page.count('name="audience_units" value=') == 1
    assert "accounts/picker.js" in page
    for text in (audience.UNITS_HELP, audience.CATEGORIES_HELP, audience.PEOPLE_HELP, audience.OPEN_HELP):
        assert str(text) in page


def _session_form(org_tree, **extra) -> dict:
    return {
        "kind": "training",
        "title": "2025年第一期行政执法人员培训班",
        "starts_at": "2025-03-10T09:00",
        "ends_at": "2025-03-10T17:00",
        "hours": "6",
        "hour_category": "legal",
        "venue": "地区党校",
        "capacity": "",
        "description": "",
        "organiser": "",
        "lecturers": "",
        **extra,
    }


def test_the_session_form_saves_the_chosen_units_and_people(trainer, org_tree, people, client_for):
    from classroom.models import TrainingSession

    client = client_for(trainer)
    page = client.get(reverse("classroom:session_create")).content.decode()
    assert 'data-picker="units"' in page and 'data-picker="people"' in page and "accounts/picker.js" in page
    for text in (audience.UNITS_HELP, audience.CATEGORIES_HELP, audience.PEOPLE_HELP, audience.OPEN_HELP):
        assert str(text) in page
    assert str(audience.REQUIRED_HELP) in page
    data = _session_form(org_tree, audience_units=[org_tree["shufu"].pk], audience_people=["SC0001", "SF0001"])
    response = client.post(reverse("classroom:session_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    session = TrainingSession.objects.get()
    assert list(session.audience_units.all()) == [org_tree["shufu"]]
    assert set(session.audience_people.all()) == {people["sc"], people["sf"]}
    # Editing it draws the chosen ones as chips, checked.
    page = client.get(reverse("classroom:session_edit", args=[session.pk])).content.decode()
    assert page.count('name="audience_people" value=') == 2 and "张伟（SF0001）" in page


def test_the_session_form_without_script_takes_typed_codes(trainer, org_tree, people, client_for):
    from classroom.models import TrainingSession

    data = _session_form(org_tree, audience_units__add="KS-SF", audience_people="SC0001, NOPE1")
    response = client_for(trainer).post(reverse("classroom:session_create"), data)
    assert response.status_code == 400 and "NOPE1" in response.content.decode()
    assert not TrainingSession.objects.exists()
    data = _session_form(org_tree, audience_units__add="KS-SF", audience_people="SC0001")
    assert client_for(trainer).post(reverse("classroom:session_create"), data).status_code == 302
    session = TrainingSession.objects.get()
    assert list(session.audience_units.all()) == [org_tree["shufu"]] and list(session.audience_people.all()) == [
        people["sc"]
    ]


def test_the_plan_form_saves_the_chosen_units_and_people(hr_shache, org_tree, people, client_for):
    from plans.models import StudyPlan
    from tests.cms import course_factories as cf

    course = cf.course(title="行政处罚法")
    client = client_for(hr_shache)
    page = client.get(reverse("plans:plan_create")).content.decode()
    assert 'data-picker="units"' in page and 'data-picker="people"' in page
    for text in (audience.UNITS_HELP, audience.CATEGORIES_HELP, audience.PEOPLE_HELP, audience.OPEN_HELP):
        assert str(text) in page
    year = timezone.localdate().year
    data = {
        "year": year,
        "title": "莎车县学法清单",
        "due_on": f"{year}-12-31",
        "courses": [course.pk],
        "target_units": [org_tree["shache_dept"].pk],
        "target_people": ["SC0001"],
    }
    response = client.post(reverse("plans:plan_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = StudyPlan.objects.get()
    assert list(plan.target_units.all()) == [org_tree["shache_dept"]]
    assert list(plan.target_people.all()) == [people["sc"]]
    # A unit outside the officer's county cannot be posted either.
    response = client.post(reverse("plans:plan_create"), {**data, "target_units": [org_tree["shufu"].pk]})
    assert response.status_code == 200 and StudyPlan.objects.count() == 1
    # Nor a person; the form drawn again shows the posted 工号 as a chip it cannot place, not their unit.
    response = client.post(reverse("plans:plan_create"), {**data, "target_people": ["SF0001"]})
    page = response.content.decode()
    assert "人员不在您的管辖范围内" in page and StudyPlan.objects.count() == 1
    assert 'name="target_people" value="SF0001"' in page and "疏附县市场监督管理局" not in page


def test_the_course_editor_saves_the_chosen_units(trainer, org_tree, client_for):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    from cms.models import CoursePage
    from cms.setup import ensure_workflow_and_permissions
    from tests.cms import course_factories as cf

    ensure_workflow_and_permissions()
    index = cf.catalogue()
    client = client_for(trainer)
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "coursepage", index.pk))
    page = client.get(add_url).content.decode()
    assert 'data-picker="units"' in page and "accounts/picker.js" in page
    for text in (audience.UNITS_HELP, audience.CATEGORIES_HELP, audience.OPEN_HELP):
        assert str(text) in page
    data = nested_form_data(
        {
            "title": "行政许可法",
            "slug": "xzxk",
            "summary": "",
            "category": "legal",
            "credit_hours": "2.0",
            "law_article_links": inline_formset([]),
            "comments": inline_formset([]),
        }
    )
    response = client.post(add_url, {**data, "audience_units": [org_tree["shufu"].pk, org_tree["shache_dept"].pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    course = CoursePage.objects.get(slug="xzxk")
    assert set(course.get_latest_revision_as_object().audience_units.all()) == {
        org_tree["shufu"],
        org_tree["shache_dept"],
    }
    page = client.get(reverse("wagtailadmin_pages:edit", args=(course.pk,))).content.decode()
    assert page.count('name="audience_units" value=') == 2


def test_roles_are_read_by_the_scope_rule(trainer, reviewer, hr_shache, learner):
    from accounts.scope import can_choose_audience

    assert [can_choose_audience(u, people=True) for u in (trainer, reviewer, hr_shache, learner)] == [
        True,
        False,
        True,
        False,
    ]
    assert [can_choose_audience(u, people=False) for u in (trainer, reviewer, hr_shache, learner)] == [
        True,
        True,
        True,
        False,
    ]
    assert Role.REVIEWER in reviewer.roles
