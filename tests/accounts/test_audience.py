"""The audience rule (``accounts.audience``): every form of it gives the same answer in every case.

One table of cases (units only, categories only, both, named only, named + group, an inactive
person, a person without a unit, nested subtrees, empty, positions) is asked of the rule's
``Q`` and of its one-person test, of the owner-model forms (prefetched, annotated, one query,
in SQL), and of the four owners that use it: exams, classroom sessions, study plans, courses.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import audience
from accounts.audience import Audience, AudienceFields
from accounts.models import StaffCategory, User
from classroom.forms import LectureSeriesForm, SessionForm
from classroom.models import TrainingSession
from classroom.selectors.sessions import AUDIENCE as SESSION_AUDIENCE
from classroom.selectors.sessions import audience_queryset, is_in_audience
from classroom.services.sessions import NO_AUDIENCE
from cms.fields import empty_or_contains
from cms.models import CoursePage
from cms.selectors.courses import courses_for
from exams.models import Exam
from exams.selectors.exams import audience_people, in_audience, with_audience_flags
from plans.forms import StudyPlanForm
from plans.models import StudyPlan
from plans.selectors.plans import AUDIENCE as PLAN_AUDIENCE
from plans.selectors.plans import plan_people, plans_for
from tests.classroom.factories import TrainingSessionFactory
from tests.cms import course_factories as cf
from tests.exams import factories_exams as fe
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEADER, ENFORCEMENT = StaffCategory.LEADER, StaffCategory.ENFORCEMENT
EXAM_ADD_URL = "/cms/exams/new/"

#: Who is who: (unit in ``org_tree`` or None, staff category, position, active).
PEOPLE = {
    "officer": ("shache_dept", ENFORCEMENT, "", True),
    "county_leader": ("shache", LEADER, "", True),
    "chief": ("shufu_dept", ENFORCEMENT, "科长", True),
    "elsewhere": ("shufu_dept", ENFORCEMENT, "", True),
    "prefecture_leader": ("pref", LEADER, "", True),
    "left": ("shache_dept", ENFORCEMENT, "", False),
    "unitless": (None, ENFORCEMENT, "", True),
}
EVERYONE_ACTIVE = {name for name, (_u, _c, _p, active) in PEOPLE.items() if active}

#: case → (units, categories, named people, positions), and who is in the audience.
CASES = {
    "empty: everyone active": ((), (), (), (), EVERYONE_ACTIVE),
    "units only: the subtree": (("shache",), (), (), (), {"officer", "county_leader"}),
    "a unit at the bottom: itself only": (("shache_dept",), (), (), (), {"officer"}),
    "nested subtrees: the wider one counts": (
        ("pref", "shache_dept"),
        (),
        (),
        (),
        {"officer", "county_leader", "chief", "elsewhere", "prefecture_leader"},
    ),
    "categories only: any unit": ((), (LEADER,), (), (), {"county_leader", "prefecture_leader"}),
    "units and categories: both": (("shache",), (LEADER,), (), (), {"county_leader"}),
    "named only: those people only": ((), (), ("elsewhere",), (), {"elsewhere"}),
    "named and a group": (("shache_dept",), (), ("elsewhere",), (), {"officer", "elsewhere"}),
    "named and a group they are in": (("shache",), (), ("officer",), (), {"officer", "county_leader"}),
    "an inactive person, named and in the units": (("shache_dept",), (), ("left",), (), {"officer"}),
    "an inactive person named alone": ((), (), ("left",), (), set()),
    "without a unit: in a category rule": ((), (ENFORCEMENT,), (), (), {"officer", "chief", "elsewhere", "unitless"}),
    "without a unit: never in a unit rule": (("pref",), (ENFORCEMENT,), (), (), {"officer", "chief", "elsewhere"}),
    "positions (study plans)": (("pref",), (), (), ("科长",), {"chief"}),
    "positions and named people": ((), (), ("officer",), ("科长",), {"chief", "officer"}),
}
WITH_POSITIONS = {name for name, case in CASES.items() if case[3]}
WITH_NAMED = {name for name, case in CASES.items() if case[2]}

#: The plan's fields without positions, with its category column tested in SQL: ``admitting`` over a model with every other part.
PLAN_IN_SQL = AudienceFields(
    StudyPlan,
    units="target_units",
    categories="target_categories",
    people="target_people",
    categories_sql=empty_or_contains,
)


@pytest.fixture
def people(org_tree) -> dict[str, User]:
    made = {
        name: UserFactory(
            org_unit=org_tree[unit] if unit else None, staff_category=category, position=position, is_active=active
        )
        for name, (unit, category, position, active) in PEOPLE.items()
    }
    return {name: User.objects.select_related("org_unit").get(pk=user.pk) for name, user in made.items()}


def _case(name, org_tree, people):
    units, categories, named, positions, expected = CASES[name]
    return [org_tree[u] for u in units], list(categories), [people[p] for p in named], list(positions), expected


def _names(people, ids) -> set[str]:
    return {name for name, user in people.items() if user.pk in set(ids)}


def _in_sql(people, q) -> set[str]:
    return _names(people, User.objects.filter(q, pk__in=[u.pk for u in people.values()]).values_list("pk", flat=True))


def _plain(people) -> dict[str, User]:
    """The same people as a request reads them: their unit not loaded."""
    return {name: User.objects.get(pk=user.pk) for name, user in people.items()}


def _plan(units, categories, named, positions, admin) -> StudyPlan:
    plan = StudyPlan.objects.create(
        year=2026,
        title="学法清单",
        due_on=dt.date(2026, 11, 30),
        created_by=admin,
        target_categories=categories,
        target_positions=positions,
    )
    plan.target_units.set(units)
    plan.target_people.set(named)
    return plan


@pytest.mark.parametrize("case", list(CASES))
def test_the_rule_as_a_query_and_for_one_person_agree(case, org_tree, people, django_assert_num_queries):
    units, categories, named, positions, expected = _case(case, org_tree, people)
    rule = Audience.chosen(units=units, categories=categories, people=named, positions=positions)
    assert _in_sql(people, rule.q()) == expected
    with django_assert_num_queries(0):
        assert {name for name, user in people.items() if rule.admits(user)} == expected


@pytest.mark.parametrize("case", list(CASES))
def test_the_rule_over_an_owners_fields_agrees_in_every_form(
    case, org_tree, people, admin_user, django_assert_num_queries
):
    units, categories, named, positions, expected = _case(case, org_tree, people)
    plan = _plan(units, categories, named, positions, admin_user)
    plain = _plain(people)

    # Named people not loaded: the query keeps them a subquery, one person asks for them.
    assert _in_sql(people, PLAN_AUDIENCE.of(plan).q()) == expected
    assert {name for name, user in people.items() if PLAN_AUDIENCE.of(plan).admits(user)} == expected

    # Relations prefetched: no query at all.
    loaded = StudyPlan.objects.prefetch_related("target_units", "target_people").get(pk=plan.pk)
    with django_assert_num_queries(0):
        assert {name for name, user in people.items() if PLAN_AUDIENCE.admits(loaded, user)} == expected

    # Annotated for one person in the owners' own query: nothing more, not even the person's unit.
    verdicts = set()
    for name, user in plain.items():
        flagged = PLAN_AUDIENCE.with_flags(StudyPlan.objects.filter(pk=plan.pk), user).get()
        with django_assert_num_queries(0):
            if PLAN_AUDIENCE.admits(flagged, user):
                verdicts.add(name)
    assert verdicts == expected

    # Nothing loaded: one query a person, whatever the units and named people.
    for name, user in plain.items():
        fresh = StudyPlan.objects.get(pk=plan.pk)
        with django_assert_num_queries(0 if name == "left" else 1):
            assert PLAN_AUDIENCE.admits(fresh, user) == (name in expected)

    # Decided in SQL over the owners (where the category column can be tested in SQL).
    if case not in WITH_POSITIONS:
        admitted = {
            name for name, user in plain.items() if StudyPlan.objects.filter(PLAN_IN_SQL.admitting(user), pk=plan.pk)
        }
        assert admitted == expected


@pytest.mark.parametrize("case", list(CASES))
def test_every_owner_applies_the_same_rule(case, org_tree, people, admin_user):
    units, categories, named, positions, expected = _case(case, org_tree, people)
    plain = _plain(people)

    plan = _plan(units, categories, named, positions, admin_user)
    assert _names(people, plan_people(plan).values_list("pk", flat=True)) == expected
    assert {name for name, user in plain.items() if plans_for(user, 2026) == [plan]} == expected
    if case in WITH_POSITIONS:
        return  # only study plans have positions

    exam = fe.exam(audience_staff_categories=categories)
    exam.audience_units.set(units)
    exam.audience_users.set(named)
    assert _names(people, audience_people(exam).values_list("pk", flat=True)) == expected
    assert {name for name, user in plain.items() if in_audience(Exam.objects.get(pk=exam.pk), user, set())} == expected
    flagged = {name: with_audience_flags(Exam.objects.filter(pk=exam.pk), user).get() for name, user in plain.items()}
    assert {name for name, user in plain.items() if in_audience(flagged[name], user, set())} == expected

    session = TrainingSessionFactory(audience_units=units, audience_categories=categories, audience_people=named)
    assert _names(people, audience_queryset(session).values_list("pk", flat=True)) == expected
    assert {name for name, user in plain.items() if is_in_audience(session, user)} == expected
    loaded = TrainingSession.objects.prefetch_related("audience_units", "audience_people").get(pk=session.pk)
    assert {name for name, user in people.items() if SESSION_AUDIENCE.admits(loaded, user)} == expected

    if case in WITH_NAMED:
        return  # courses name no people
    course = cf.course(units=units, categories=categories)
    assert {name for name, user in plain.items() if courses_for(user).filter(pk=course.pk).exists()} == expected


def test_a_list_of_owners_is_decided_in_their_one_query(org_tree, people, admin_user):
    """``with_flags`` answers for any number of owners in the query that reads them."""
    for name in CASES:
        units, categories, named, positions, _expected = _case(name, org_tree, people)
        _plan(units, categories, named, positions, admin_user)
    person = _plain(people)["officer"]
    with CaptureQueriesContext(connection) as queries:
        mine = [p for p in PLAN_AUDIENCE.with_flags(StudyPlan.objects.all(), person) if PLAN_AUDIENCE.admits(p, person)]
    assert len(queries.captured_queries) == 1
    assert len(mine) == sum(1 for case in CASES.values() if "officer" in case[4])


def test_an_anonymous_visitor_is_in_no_audience(org_tree):
    from django.contrib.auth.models import AnonymousUser

    assert not Audience().admits(AnonymousUser())
    assert Audience().is_empty


# --- What the forms say ------------------------------------------------------------------------


def _text(value) -> str:
    return str(value or "")


def test_every_audience_form_says_the_same_in_the_same_words(admin_user, trainer, client_for):
    session_forms = [SessionForm().fields, LectureSeriesForm().fields]
    plan = StudyPlanForm(viewer=admin_user).fields
    exam = {name: Exam._meta.get_field(name) for name in ("audience_units", "audience_users")}
    course = {name: CoursePage._meta.get_field(name) for name in ("audience_units", "audience_categories")}
    units = [
        exam["audience_units"].help_text,
        course["audience_units"].help_text,
        plan["target_units"].help_text,
        *(fields["audience_units"].help_text for fields in session_forms),
    ]
    categories = [
        course["audience_categories"].help_text,
        plan["target_categories"].help_text,
        *(fields["audience_categories"].help_text for fields in session_forms),
    ]
    named = [
        exam["audience_users"].help_text,
        plan["target_people"].help_text,
        *(fields["audience_people"].help_text for fields in session_forms),
    ]
    assert all(_text(t).startswith(str(audience.UNITS_HELP)) for t in units), units
    assert all(_text(t).startswith(str(audience.CATEGORIES_HELP)) for t in categories), categories
    assert all(str(audience.PEOPLE_HELP) in _text(t) for t in named), named
    # What "empty" means is said under the last audience field of every form, in the same words.
    last = [exam["audience_users"].help_text, course["audience_categories"].help_text, *named[1:]]
    assert all(str(audience.OPEN_HELP) in _text(t) for t in last), last
    # Sessions and study plans refuse an empty audience, and say so.
    assert all(str(audience.REQUIRED_HELP) in _text(t) for t in named[1:]), named
    assert "面向全部人员" in str(NO_AUDIENCE) and "面向全部人员" in str(audience.OPEN_HELP)

    page = client_for(trainer).get(EXAM_ADD_URL).content.decode()
    for text in (audience.UNITS_HELP, audience.CATEGORIES_HELP, audience.PEOPLE_HELP, audience.OPEN_HELP):
        assert str(text) in page
