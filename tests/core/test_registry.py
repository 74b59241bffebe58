"""The navigation and home-page cards are collected from what each app registers in ``AppConfig.ready()``.

The expected lists below are what the collectors that found ``<app>.navigation`` /
``<app>.dashboard`` by module name returned, captured before the registry replaced them:
same links, same cards, same order (ties of equal ``order`` included).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from certificates.models import Certificate, CertificateKind
from cms.dashboard import dashboard_context
from core import dashboard, navigation, timeutil
from core.registry import Registry
from plans.services.plans import save_plan
from tests.classroom.factories import TrainingSessionFactory
from tests.cms import course_factories as cf
from tests.exams.factories_exams import exam

OUR_APPS = (
    "accounts",
    "cms",
    "learning",
    "plans",
    "classroom",
    "certificates",
    "review",
    "exams",
    "jobs",
    "notifications",
    "directory",
)

LEARNER_MAIN = [
    ("我的学时", "/learning/hours/"),
    ("达标路径", "/learning/path/"),
    ("我的学法清单", "/learning/plans/mine/"),
    ("课程中心", "/courses/"),
    ("近期培训", "/learning/sessions/"),
    ("我的考试", "/exams/"),
    ("练习", "/exams/practice/"),
    ("法规库", "/laws/"),
    ("我的证书", "/certificates/"),
    ("搜索", "/search/"),
]

EXPECTED = {
    "admin_user": [
        *LEARNER_MAIN,
        ("学时达标", "/learning/compliance/"),
        ("面授培训", "/learning/sessions/manage/"),
        ("成绩统计", "/exams/stats/"),
        ("执法证年审", "/learning/review/"),
        ("学法清单管理", "/learning/plans/"),
        ("批量颁发证书", "/certificates/bulk/"),
        ("人员名册", "/staff/"),
        ("消息", "/learning/messages/"),
        ("后台任务", "/jobs/"),
        ("内容管理", "/cms/"),
        ("系统管理", "/admin/"),
        ("使用说明", "/help/"),
    ],
    "hr_shache": [
        *LEARNER_MAIN,
        ("学时达标", "/learning/compliance/"),
        ("成绩统计", "/exams/stats/"),
        ("执法证年审", "/learning/review/"),
        ("学法清单管理", "/learning/plans/"),
        ("批量颁发证书", "/certificates/bulk/"),
        ("人员名册", "/staff/"),
        ("消息", "/learning/messages/"),
        ("后台任务", "/jobs/"),
        ("使用说明", "/help/"),
    ],
    "trainer": [
        *LEARNER_MAIN,
        ("面授培训", "/learning/sessions/manage/"),
        ("成绩统计", "/exams/stats/"),
        ("阅卷", "/exams/grading/"),
        ("消息", "/learning/messages/"),
        ("内容管理", "/cms/"),
        ("使用说明", "/help/"),
    ],
    "learner": [*LEARNER_MAIN, ("消息", "/learning/messages/")],
}

TOOLS = {"学时达标", "面授培训", "成绩统计", "阅卷", "执法证年审", "学法清单管理", "批量颁发证书", "人员名册"}
TOOLS |= {"后台任务", "内容管理", "系统管理", "使用说明"}


@pytest.fixture
def site(trainer):
    """A course catalogue (its link needs one) and an open exam the trainer grades."""
    cf.catalogue()
    exam().graders.add(trainer)


def _labelled(items) -> list[tuple[str, str]]:
    return [(str(item.label), item.url) for item in items]


def test_every_app_registers_its_navigation_and_its_cards():
    def app_of(provider):
        return provider.__module__.split(".")[0]

    assert {app_of(p) for p in navigation.providers()} == set(OUR_APPS)
    assert {app_of(p) for p in dashboard.providers()} == {
        "learning",
        "plans",
        "classroom",
        "certificates",
        "review",
        "exams",
    }


@pytest.mark.parametrize("who", EXPECTED)
def test_each_role_gets_todays_navigation_in_todays_order(request, site, who):
    user = request.getfixturevalue(who)
    assert _labelled(navigation.collect(user)) == EXPECTED[who]


@pytest.mark.parametrize("who", EXPECTED)
def test_every_providers_items_are_collected_for_the_roles_that_see_them(request, site, who):
    user = request.getfixturevalue(who)
    collected = _labelled(navigation.collect(user))
    for provider in navigation.providers():
        assert set(_labelled(provider(user))) <= set(collected), provider


def test_the_page_splits_the_navigation_into_main_links_and_tools(site, hr_shache, client_for):
    context = client_for(hr_shache).get("/").context
    assert _labelled(context["nav_main"]) == [i for i in EXPECTED["hr_shache"] if i[0] not in TOOLS]
    assert _labelled(context["nav_tools"]) == [i for i in EXPECTED["hr_shache"] if i[0] in TOOLS]


def test_the_home_page_lists_every_card_in_todays_order(site, learner, admin_user):
    year = timeutil.current_year()
    save_plan(
        actor=admin_user,
        year=year,
        title="学法清单",
        due_on=dt.date(year, 11, 30),
        courses=[cf.course_with_lessons(1)[0]],
        people=[learner],
    )
    TrainingSessionFactory(starts_at=timezone.now() + dt.timedelta(days=2), audience_people=[learner])
    Certificate.objects.create(
        kind=CertificateKind.ANNUAL, holder=learner, year=year - 1, serial="T-1", verification_code="T1", details={}
    )
    cards = dashboard_context(learner)["dashboard_cards"]
    assert [card["template"] for card in cards] == [
        "learning/cards/year_hours.html",
        "review/cards/my_path.html",
        "plans/_card.html",
        "classroom/cards/upcoming_sessions.html",
        "certificates/cards/certificates.html",
        "exams/dashboard_card.html",
    ]


def test_ready_run_again_lists_nothing_twice(site, admin_user):
    before = (navigation.providers(), dashboard.providers(), _labelled(navigation.collect(admin_user)))
    for label in OUR_APPS:
        apps.get_app_config(label).ready()
    assert (navigation.providers(), dashboard.providers(), _labelled(navigation.collect(admin_user))) == before


def test_a_provider_registered_twice_is_listed_once():
    registry: Registry[str] = Registry("test")

    def first(user):
        return ["a"]

    def second(user):
        return ["b"]

    registry.register(second, rank=2)
    registry.register(first, rank=1)
    registry.register(second, rank=2)
    assert registry.providers() == [first, second]


def test_the_order_of_providers_is_their_rank_and_ranks_cannot_clash():
    registry: Registry[str] = Registry("test")

    def first(user):
        return ["a"]

    def second(user):
        return ["b"]

    registry.register(first, rank=1)
    with pytest.raises(ValueError, match="clashes"):
        registry.register(second, rank=1)
    with pytest.raises(ValueError, match="clashes"):
        registry.register(first, rank=3)
    assert registry.providers() == [first]
