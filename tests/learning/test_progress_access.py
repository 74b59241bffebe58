"""A heartbeat's access check: cached per learner and lesson, forgotten by whatever changes it.

Every revocation — the course unpublished or moved, the audience narrowed, the
learner moved, recategorised or deactivated, their unit moved in the tree —
stops the earning at the very next beat, whose credit stays at what was earned
before. With the cache unreachable, every beat asks the audience rule itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import StaffCategory
from cms import access_cache
from cms.models import CourseIndexPage
from learning.models import LessonProgress
from learning.services.progress import ACCESS_RECHECK_SECONDS, ProgressError, record_heartbeat
from tests.cms import course_factories as cf
from tests.factories import UserFactory

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0, 0))
AUDIENCE_TABLE = "cms_coursepage_audience_units"
#: A cached beat: the snapshot read and the timer's compare-and-set with the credit (two writes on SQLite).
CACHED_BEAT_QUERIES = 2 if connection.vendor == "postgresql" else 3


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def beat(user, lesson, t, visible=True, claim=False):
    return record_heartbeat(
        user=user, lesson_id=lesson.pk, visible=visible, claim=claim, now=T0 + dt.timedelta(seconds=t)
    )


def seconds_of(user, lesson) -> int:
    return LessonProgress.objects.get(user=user, lesson=lesson).seconds_studied


def asks_the_rule(queries) -> bool:
    return any(AUDIENCE_TABLE in q["sql"] for q in queries)


@pytest.fixture
def restricted(org_tree):
    """A course for 莎车县 (the learner's county) with one long lesson."""
    course_page = cf.course(units=[org_tree["shache"]])
    lesson = cf.lesson(course_page, min_seconds=3600)
    return course_page, lesson


def _earning(learner, lesson):
    beat(learner, lesson, 0, claim=True)
    assert beat(learner, lesson, 15).credited == 15


def _stops_at_next_beat(learner, lesson):
    with pytest.raises(ProgressError):
        beat(learner, lesson, 30)
    assert seconds_of(learner, lesson) == 15


# --- the cached beat ------------------------------------------------------------------------


def test_a_beat_with_a_cached_grant_is_one_read_and_one_write(learner, restricted, django_assert_num_queries):
    _course, lesson = restricted
    _earning(learner, lesson)
    with django_assert_num_queries(CACHED_BEAT_QUERIES) as captured:
        state = beat(learner, lesson, 30)
    assert state.credited == 15 and state.seconds_studied == 30
    assert not asks_the_rule(captured.captured_queries)
    assert seconds_of(learner, lesson) == 30


def test_the_first_beat_asks_the_rule_and_the_next_ones_do_not(learner, restricted, django_assert_num_queries):
    _course, lesson = restricted
    with CaptureQueriesContext(connection) as first:
        beat(learner, lesson, 0, claim=True)
    assert asks_the_rule(first.captured_queries)
    for t in (15, 30, 45):
        with django_assert_num_queries(CACHED_BEAT_QUERIES) as later:
            beat(learner, lesson, t)
        assert not asks_the_rule(later.captured_queries)


def test_a_draft_of_the_course_keeps_the_grant(learner, restricted, django_assert_num_queries):
    course_page, lesson = restricted
    _earning(learner, lesson)
    course_page.title = "草稿标题"
    course_page.save_revision()  # saved, not published: learners see nothing new
    with django_assert_num_queries(CACHED_BEAT_QUERIES):
        assert beat(learner, lesson, 30).credited == 15


def test_one_learners_grant_does_not_let_another_in(learner, org_tree, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    outsider = UserFactory(org_unit=org_tree["shufu_dept"])
    with pytest.raises(ProgressError):
        beat(outsider, lesson, 20, claim=True)
    assert not LessonProgress.objects.filter(user=outsider).exists()


def test_a_grant_is_asked_again_after_the_recheck_window(learner, restricted, django_assert_num_queries):
    _course, lesson = restricted
    _earning(learner, lesson)
    with django_assert_num_queries(CACHED_BEAT_QUERIES):
        beat(learner, lesson, ACCESS_RECHECK_SECONDS - 1)  # the grant was stored at 0 s: still valid
    with CaptureQueriesContext(connection) as late:
        beat(learner, lesson, ACCESS_RECHECK_SECONDS)
    assert asks_the_rule(late.captured_queries)


def test_a_change_behind_the_signals_back_stops_earning_when_the_grant_expires(learner, org_tree, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    through = course_page.audience_units.through
    through.objects.filter(coursepage_id=course_page.pk).update(orgunit=org_tree["shufu"])  # raw update, no signal
    t, credited = 30, 0
    with pytest.raises(ProgressError):
        while t <= 15 + ACCESS_RECHECK_SECONDS + 15:
            credited += beat(learner, lesson, t).credited
            t += 15
    assert credited <= ACCESS_RECHECK_SECONDS


# --- revocation: each stops the earning at the next beat -------------------------------------


def test_unpublishing_the_course_stops_earning_at_the_next_beat(learner, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    course_page.unpublish()
    _stops_at_next_beat(learner, lesson)


def test_unpublishing_the_lesson_stops_earning_at_the_next_beat(learner, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    lesson.unpublish()
    _stops_at_next_beat(learner, lesson)


def test_publishing_an_audience_without_the_learners_unit_stops_earning_at_the_next_beat(learner, org_tree, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    course_page.audience_units = [org_tree["shufu"]]
    course_page.save_revision().publish()
    _stops_at_next_beat(learner, lesson)


def test_saving_narrower_audience_units_stops_earning_at_the_next_beat(learner, org_tree):
    course_page = cf.course()  # open to everyone
    lesson = cf.lesson(course_page, min_seconds=3600)
    _earning(learner, lesson)
    course_page.audience_units.set([org_tree["shufu"]])
    course_page.save()
    _stops_at_next_beat(learner, lesson)


def test_narrowing_the_audience_from_the_units_side_stops_earning_at_the_next_beat(learner, org_tree, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    course_page.audience_units.through.objects.all().delete()
    course_page.refresh_from_db()
    org_tree["shufu"].audience_courses.add(course_page)  # m2m_changed from the unit's side
    _stops_at_next_beat(learner, lesson)


def test_publishing_an_audience_for_another_staff_category_stops_earning_at_the_next_beat(learner, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    course_page.audience_categories = [StaffCategory.LEADER]
    course_page.save_revision().publish()
    _stops_at_next_beat(learner, lesson)


def test_moving_the_learner_to_another_unit_stops_earning_at_the_next_beat(learner, org_tree, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    learner.org_unit = org_tree["shufu_dept"]
    learner.save()
    _stops_at_next_beat(learner, lesson)


def test_recategorising_the_learner_stops_earning_at_the_next_beat(learner, org_tree):
    course_page = cf.course(categories=[StaffCategory.ENFORCEMENT])
    lesson = cf.lesson(course_page, min_seconds=3600)
    _earning(learner, lesson)
    learner.staff_category = StaffCategory.OTHER
    learner.save()
    _stops_at_next_beat(learner, lesson)


def test_deactivating_the_learner_stops_earning_at_the_next_beat(learner, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    learner.is_active = False
    learner.save()
    _stops_at_next_beat(learner, lesson)


def test_a_deactivated_learners_page_is_refused_at_the_next_beat(learner, restricted, client_for):
    _course, lesson = restricted
    client = client_for(learner)
    url = "/learning/progress/heartbeat/"
    assert client.post(url, {"lesson": lesson.pk, "visible": True, "claim": True}, content_type="application/json")
    learner.is_active = False
    learner.save()
    response = client.post(url, {"lesson": lesson.pk, "visible": True}, content_type="application/json")
    assert response.status_code == 401


def test_moving_the_learners_unit_out_of_the_audience_stops_earning_at_the_next_beat(learner, org_tree, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    department = org_tree["shache_dept"]
    department.save()  # what the unit admin's move form does: save, then move (in one transaction)
    department.move(org_tree["shufu"], pos="sorted-child")
    learner.refresh_from_db()
    _stops_at_next_beat(learner, lesson)


def test_unpublishing_the_catalogue_stops_earning_at_the_next_beat(learner, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    course_page.get_parent().specific.unpublish()
    _stops_at_next_beat(learner, lesson)


def test_moving_the_course_to_an_unpublished_catalogue_stops_earning_at_the_next_beat(learner, restricted):
    course_page, lesson = restricted
    _earning(learner, lesson)
    home = course_page.get_parent().get_parent()
    hidden = home.add_child(instance=CourseIndexPage(title="旧课程", slug="old-courses", live=False))
    course_page.move(hidden, pos="last-child")
    _stops_at_next_beat(learner, lesson)


def test_moving_the_lesson_to_a_course_for_another_unit_stops_earning_at_the_next_beat(learner, org_tree, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    elsewhere = cf.course(units=[org_tree["shufu"]])
    lesson.move(elsewhere, pos="last-child")
    _stops_at_next_beat(learner, lesson)


# --- the cache unreachable -------------------------------------------------------------------


class UnreachableCache(LocMemCache):
    """A cache without core.cache's forgiveness whose server is gone: every call raises."""

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache server unreachable")

    get = get_many = set = add = incr = delete = _fail


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.dummy.DummyCache", f"{__name__}.UnreachableCache"],
    ids=["reads-miss", "calls-raise"],
)
def test_without_the_cache_every_beat_asks_the_rule(learner, org_tree, restricted, settings, backend):
    _course, lesson = restricted
    outsider = UserFactory(org_unit=org_tree["shufu_dept"])
    settings.CACHES = {"default": {"BACKEND": backend}}
    beat(learner, lesson, 0, claim=True)
    for t in (15, 30):
        with CaptureQueriesContext(connection) as captured:
            assert beat(learner, lesson, t).credited == 15
        assert asks_the_rule(captured.captured_queries)
    with pytest.raises(ProgressError):
        beat(outsider, lesson, 40, claim=True)
    learner.org_unit = org_tree["shufu_dept"]
    learner.save()
    with pytest.raises(ProgressError):
        beat(learner, lesson, 45)
    assert seconds_of(learner, lesson) == 30


def test_a_lost_generation_is_started_again_without_matching_old_grants(learner, restricted):
    _course, lesson = restricted
    _earning(learner, lesson)
    cache.delete(access_cache.GLOBAL_KEY)  # evicted, or Redis restarted without its data
    with CaptureQueriesContext(connection) as captured:
        assert beat(learner, lesson, 30).credited == 15
    assert asks_the_rule(captured.captured_queries)
