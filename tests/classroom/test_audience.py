"""The audience rule of a session: units (subtrees), staff categories, named people."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import StaffCategory, User
from classroom.models import Attendance
from classroom.selectors.sessions import (
    audience_queryset,
    is_in_audience,
    upcoming_sessions_for,
)
from classroom.services.sessions import mark_attendance
from tests.factories import UserFactory

from .factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_tree):
    return {
        "shache_officer": UserFactory(org_unit=org_tree["shache_dept"]),
        "shache_leader": UserFactory(org_unit=org_tree["shache"], staff_category=StaffCategory.LEADER),
        "shufu_officer": UserFactory(org_unit=org_tree["shufu_dept"]),
        "shache_left": UserFactory(org_unit=org_tree["shache_dept"], is_active=False),
    }


def _both_agree(session, users):
    """The SQL rule and the one-person rule give the same answer for everyone."""
    in_sql = set(audience_queryset(session).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    in_python = {u.pk for u in users if is_in_audience(session, User.objects.get(pk=u.pk))}
    assert in_sql == in_python
    return in_sql


def test_unit_rule_covers_the_whole_subtree_and_only_it(org_tree, people):
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]])
    members = _both_agree(session, list(people.values()))
    assert members == {people["shache_officer"].pk, people["shache_leader"].pk}


def test_unit_and_category_rules_must_both_match(org_tree, people):
    session = TrainingSessionFactory(audience_units=[org_tree["pref"]], audience_categories=[StaffCategory.LEADER])
    assert _both_agree(session, list(people.values())) == {people["shache_leader"].pk}


def test_category_rule_alone_means_any_unit(people):
    session = TrainingSessionFactory(audience_categories=[StaffCategory.ENFORCEMENT])
    assert _both_agree(session, list(people.values())) == {people["shache_officer"].pk, people["shufu_officer"].pk}


def test_named_people_only_when_no_unit_or_category_rule(org_tree, people):
    session = TrainingSessionFactory(audience_people=[people["shufu_officer"]])
    assert _both_agree(session, list(people.values())) == {people["shufu_officer"].pk}


def test_named_people_join_a_unit_rule(org_tree, people):
    session = TrainingSessionFactory(
        audience_units=[org_tree["shache_dept"]], audience_people=[people["shufu_officer"]]
    )
    assert _both_agree(session, list(people.values())) == {people["shache_officer"].pk, people["shufu_officer"].pk}


def test_inactive_people_are_not_in_a_unit_audience(org_tree, people):
    session = TrainingSessionFactory(audience_units=[org_tree["shache_dept"]])
    assert not is_in_audience(session, people["shache_left"])


def test_upcoming_list_shows_only_sessions_in_my_audience(org_tree, people):
    me = people["shache_officer"]
    soon = timezone.now() + dt.timedelta(days=3)
    mine = TrainingSessionFactory(title="莎车县培训", starts_at=soon, audience_units=[org_tree["shache"]])
    TrainingSessionFactory(title="疏附县培训", starts_at=soon, audience_units=[org_tree["shufu"]])
    named = TrainingSessionFactory(title="点名培训", starts_at=soon, audience_people=[me])
    TrainingSessionFactory(title="很久以后", starts_at=soon + dt.timedelta(days=200), audience_units=[org_tree["pref"]])
    listed = upcoming_sessions_for(me)
    assert [item.session.pk for item in listed] == sorted([mine.pk, named.pk])


def test_upcoming_list_query_count_does_not_grow_with_sessions(org_tree, people, django_assert_max_num_queries):
    me = User.objects.select_related("org_unit").get(pk=people["shache_officer"].pk)
    for i in range(12):
        TrainingSessionFactory(starts_at=timezone.now() + dt.timedelta(days=i + 1), audience_units=[org_tree["shache"]])
    with django_assert_max_num_queries(4):
        listed = upcoming_sessions_for(me)
    assert len(listed) == 12


def test_upcoming_list_marks_what_i_attended(org_tree, people):
    me = people["shache_officer"]
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]])
    mark_attendance(session=session, user=me, method=Attendance.Method.MANUAL, marked_by=None)
    (item,) = upcoming_sessions_for(me)
    assert item.attended is True
