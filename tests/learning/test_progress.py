"""Honest study time: the server credits real elapsed time, for one lesson at a time.

Time is controlled by passing ``now`` to the service (the server's clock is its
only input about time), never by mocking the service itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from learning.models import CourseCompletion, LedgerEntry, LessonProgress, PersonYearBalance
from learning.services.progress import (
    ProgressError,
    answer_check,
    complete_course_if_done,
    heartbeat_cap,
    record_heartbeat,
)
from tests.cms import course_factories as cf
from tests.factories import UserFactory

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0, 0))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def seconds_of(user, lesson) -> int:
    return LessonProgress.objects.get(user=user, lesson=lesson).seconds_studied


@pytest.fixture
def course_and_lessons(learner):
    return cf.course_with_lessons(2, min_seconds=60)


def beat(user, lesson, t, visible=True, claim=False):
    return record_heartbeat(user=user, lesson_id=lesson.pk, visible=visible, claim=claim, now=at(t))


def test_regular_heartbeats_credit_the_time_between_them(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    assert beat(learner, lesson, 0, claim=True).credited == 0
    assert beat(learner, lesson, 15).credited == 15
    assert beat(learner, lesson, 30).credited == 15
    assert seconds_of(learner, lesson) == 30


def test_rapid_heartbeats_never_add_more_than_elapsed_time(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 0, claim=True)
    for i in range(1, 201):  # 200 beats in 20 seconds
        beat(learner, lesson, i * 0.1, claim=True)
    assert seconds_of(learner, lesson) <= 20
    assert seconds_of(learner, lesson) >= 19  # fractions carry over, so honest time is not lost


def test_a_long_silence_is_credited_at_most_the_cap(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 0, claim=True)
    state = beat(learner, lesson, 3600)  # a forged or sleeping client claims an hour
    assert state.credited == heartbeat_cap()
    assert seconds_of(learner, lesson) == heartbeat_cap()


def test_beats_from_the_past_add_nothing(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 100, claim=True)
    assert beat(learner, lesson, 50).credited == 0
    assert beat(learner, lesson, 110).credited == 10
    assert seconds_of(learner, lesson) == 10


def test_hidden_page_stops_earning(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 0, claim=True)
    assert beat(learner, lesson, 10, visible=False).credited == 10  # visible until it was hidden
    assert beat(learner, lesson, 25, visible=False).credited == 0
    assert beat(learner, lesson, 600).credited == 0  # shown again: the timer restarts
    assert beat(learner, lesson, 615).credited == 15
    assert seconds_of(learner, lesson) == 25


def test_two_tabs_on_one_lesson_do_not_double_the_time(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    for t in range(0, 121, 15):  # tab A beats at 0, 15, 30 …; tab B one second later
        beat(learner, lesson, t, claim=True)
        beat(learner, lesson, t + 1, claim=True)
    assert seconds_of(learner, lesson) <= 121


def test_two_tabs_on_two_lessons_earn_for_one_only(learner, course_and_lessons):
    _course, (first, second) = course_and_lessons
    beat(learner, first, 0, claim=True)
    beat(learner, first, 15)
    taken = beat(learner, second, 16, claim=True)  # a second tab opens another lesson
    assert taken.active
    old = beat(learner, first, 30)  # the first tab keeps beating without claiming
    assert not old.active and old.credited == 0
    beat(learner, second, 31)
    beat(learner, second, 46)
    for t in range(45, 200, 15):  # both tabs keep beating; only the timer's holder earns
        beat(learner, first, t)
        beat(learner, second, t + 1)
    total = seconds_of(learner, first) + seconds_of(learner, second)
    assert seconds_of(learner, first) == 15
    assert total <= 200


def test_a_quiet_timer_is_taken_over_without_a_claim(learner, course_and_lessons):
    _course, (first, second) = course_and_lessons
    beat(learner, first, 0, claim=True)
    beat(learner, first, 10, visible=False)  # first page closed
    assert beat(learner, second, 20).active
    assert beat(learner, second, 35).credited == 15


def test_learner_cannot_post_progress_to_an_unpublished_course(learner, client_for):
    course_page = cf.course(live=False)
    lesson = cf.lesson(course_page)  # a live lesson under a draft course
    response = client_for(learner).post(
        "/learning/progress/heartbeat/", {"lesson": lesson.pk, "visible": True}, content_type="application/json"
    )
    assert response.status_code == 404
    assert "未发布" in response.json()["error"]
    assert not LessonProgress.objects.filter(user=learner).exists()


def test_learner_cannot_post_progress_to_a_course_for_another_unit(learner, org_tree, client_for):
    course_page = cf.course(units=[org_tree["shufu"]])
    lesson = cf.lesson(course_page)
    client = client_for(learner)
    for url, payload in (
        ("/learning/progress/heartbeat/", {"lesson": lesson.pk, "visible": True, "claim": True}),
        ("/learning/progress/check/", {"lesson": lesson.pk, "choice": 2}),
    ):
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code in (400, 404)
        assert response.json()["error"]
    assert not LessonProgress.objects.filter(user=learner).exists()
    with pytest.raises(ProgressError):
        record_heartbeat(user=learner, lesson_id=lesson.pk, visible=True, now=at(0))


def test_learner_cannot_post_progress_to_an_unpublished_lesson(learner):
    course_page = cf.course()
    draft = cf.lesson(course_page, live=False)
    with pytest.raises(ProgressError):
        record_heartbeat(user=learner, lesson_id=draft.pk, visible=True, now=at(0))


def test_heartbeat_endpoint_accepts_json_and_beacon_form_data(learner, client_for, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    client = client_for(learner)
    first = client.post(
        "/learning/progress/heartbeat/",
        {"lesson": lesson.pk, "visible": True, "claim": True},
        content_type="application/json",
    ).json()
    assert first == {
        "active": True,
        "credited": 0,
        "seconds": 0,
        "required": 60,
        "check_passed": False,
        "completed": False,
        "course_completed": False,
    }
    beacon = client.post("/learning/progress/heartbeat/", {"lesson": lesson.pk, "visible": "0"})
    assert beacon.status_code == 200
    assert LessonProgress.objects.get(user=learner, lesson=lesson).seconds_studied <= 1


def test_anonymous_heartbeat_is_refused(client, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    response = client.post("/learning/progress/heartbeat/", {"lesson": lesson.pk}, content_type="application/json")
    assert response.status_code == 401


def test_lesson_completes_only_with_time_and_a_correct_answer(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 0, claim=True)
    for t in range(15, 76, 15):
        beat(learner, lesson, t)
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.seconds_studied >= 60 and progress.completed_at is None  # time alone is not enough
    wrong = answer_check(user=learner, lesson_id=lesson.pk, choice=1, now=at(80))
    assert not wrong.correct and wrong.explanation == "" and not wrong.state.lesson_completed
    right = answer_check(user=learner, lesson_id=lesson.pk, choice=2, now=at(90))
    assert right.correct and "第五条" in right.explanation
    assert right.state.lesson_completed
    progress.refresh_from_db()
    assert progress.check_passed and progress.check_attempts == 2 and progress.completed_at == at(90)


def test_a_correct_answer_before_enough_time_waits_for_the_time(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    assert not answer_check(user=learner, lesson_id=lesson.pk, choice=2, now=at(0)).state.lesson_completed
    beat(learner, lesson, 0, claim=True)
    states = [beat(learner, lesson, t) for t in (15, 30, 45, 60)]
    assert [s.lesson_completed for s in states] == [False, False, False, True]


def test_an_invalid_choice_is_refused_with_a_clear_message(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    with pytest.raises(ProgressError, match="3 个选项"):
        answer_check(user=learner, lesson_id=lesson.pk, choice=7)
    assert not LessonProgress.objects.filter(user=learner, check_attempts__gt=0).exists()


def test_min_study_time_can_be_shortened_in_settings(learner, settings, course_and_lessons):
    settings.LESSON_MIN_SECONDS_OVERRIDE = 3
    _course, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 0, claim=True)
    answer_check(user=learner, lesson_id=lesson.pk, choice=2, now=at(1))
    assert beat(learner, lesson, 4).lesson_completed


def _study(user, lessons, start=0):
    t = start
    for lesson in lessons:
        beat(user, lesson, t, claim=True)
        t += 30
        beat(user, lesson, t)
        t += 30
        beat(user, lesson, t)
        answer_check(user=user, lesson_id=lesson.pk, choice=2, now=at(t))
        t += 1
    return t


def test_completing_a_course_credits_its_hours_once(learner, settings):
    course_page, lessons = cf.course_with_lessons(2, min_seconds=60, hours="2.5", category="professional")
    t = _study(learner, lessons)
    completion = CourseCompletion.objects.get(user=learner, course=course_page)
    entry = LedgerEntry.objects.get(user=learner)
    assert completion.ledger_entry_id == entry.pk
    assert entry.hours == Decimal("2.50") and entry.category_id == "professional"
    assert entry.source_key == f"course:{course_page.pk}:{learner.pk}"
    assert entry.source_ref == course_page.title
    # Studying again, answering again, and asking again all leave one credit.
    _study(learner, lessons, start=t + 100)
    assert complete_course_if_done(user=learner, course_id=course_page.pk)
    assert LedgerEntry.objects.filter(user=learner).count() == 1
    assert CourseCompletion.objects.filter(user=learner).count() == 1
    assert PersonYearBalance.objects.get(user=learner, year=2026).total_hours == Decimal("2.50")


def test_a_course_is_not_complete_while_a_published_lesson_is_not(learner):
    course_page, lessons = cf.course_with_lessons(3, min_seconds=60)
    _study(learner, lessons[:2])
    assert not CourseCompletion.objects.filter(user=learner).exists()
    assert not LedgerEntry.objects.filter(user=learner).exists()
    lessons[2].unpublish()  # the remaining lesson is withdrawn: the course is now complete
    assert complete_course_if_done(user=learner, course_id=course_page.pk)
    assert LedgerEntry.objects.filter(user=learner).count() == 1


def test_completion_issues_a_course_certificate(learner, django_capture_on_commit_callbacks):
    from certificates.models import Certificate

    course_page, lessons = cf.course_with_lessons(1, min_seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        _study(learner, lessons)
    assert Certificate.objects.filter(holder=learner, course=course_page).count() == 1


def test_one_learner_does_not_affect_another(learner, course_and_lessons):
    _course, (lesson, _other) = course_and_lessons
    other = UserFactory(org_unit=learner.org_unit)
    beat(learner, lesson, 0, claim=True)
    beat(other, lesson, 5, claim=True)
    beat(learner, lesson, 15)
    beat(other, lesson, 20)
    assert seconds_of(learner, lesson) == 15 and seconds_of(other, lesson) == 15


def test_unpublishing_a_course_stops_earning_at_the_next_beat(learner, course_and_lessons):
    course_page, (lesson, _other) = course_and_lessons
    beat(learner, lesson, 0, claim=True)
    assert beat(learner, lesson, 15).credited == 15  # access was checked recently: a cheap beat
    course_page.unpublish()
    with pytest.raises(ProgressError):
        beat(learner, lesson, 30)
    assert seconds_of(learner, lesson) == 15


def test_moving_a_learner_out_of_the_audience_stops_earning_within_the_recheck_window(learner, org_tree):
    from learning.services.progress import ACCESS_RECHECK_SECONDS

    course_page = cf.course(units=[org_tree["shache"]])
    lesson = cf.lesson(course_page)
    beat(learner, lesson, 0, claim=True)
    learner.org_unit = org_tree["shufu_dept"]
    learner.save()
    t = 15
    credited = 0
    with pytest.raises(ProgressError):
        while t <= ACCESS_RECHECK_SECONDS + 30:
            credited += beat(learner, lesson, t).credited
            t += 15
    assert credited <= ACCESS_RECHECK_SECONDS


def _in_threads(count, target):
    """Run ``target(i)`` in ``count`` threads that start together; each closes its own connection."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_beats_credit_each_interval_once(org_tree):
    learner = UserFactory(org_unit=org_tree["shache_dept"])
    _course, (lesson, _other) = cf.course_with_lessons(2, min_seconds=600)
    beat(learner, lesson, 0, claim=True)
    same_moment = _in_threads(8, lambda i: beat(learner, lesson, 15).credited)
    assert sum(same_moment) == 15
    staggered = _in_threads(8, lambda i: beat(learner, lesson, 20 + i).credited)
    assert sum(staggered) <= 27 - 15
    assert seconds_of(learner, lesson) == sum(same_moment) + sum(staggered) <= 27


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_completion_credits_the_course_once(org_tree):
    learner = UserFactory(org_unit=org_tree["shache_dept"])
    course_page, lessons = cf.course_with_lessons(2, min_seconds=60, hours="3")
    for lesson in lessons:
        LessonProgress.objects.create(
            user=learner, lesson=lesson, seconds_studied=60, check_passed=True, completed_at=at(0)
        )
    done = _in_threads(6, lambda i: complete_course_if_done(user=learner, course_id=course_page.pk, now=at(5)))
    assert all(done)
    assert LedgerEntry.objects.filter(user=learner).count() == 1
    assert CourseCompletion.objects.filter(user=learner).count() == 1
    assert PersonYearBalance.objects.get(user=learner, year=2026).total_hours == Decimal("3.00")


def test_a_course_with_an_exam_completes_when_the_exam_is_passed(learner, django_capture_on_commit_callbacks):
    from django.utils import timezone as tz

    from exams.models import ExamAttempt
    from exams.services.attempts import credit_pass
    from tests.exams import factories_exams

    exam = factories_exams.exam(title="行政处罚法结业考试")
    course_page, lessons = cf.course_with_lessons(1, min_seconds=60, hours="2")
    course_page.exam = exam
    course_page.save_revision().publish()
    _study(learner, lessons)
    assert not CourseCompletion.objects.filter(user=learner).exists()  # lessons done, exam not yet passed
    started = tz.now()
    attempt = ExamAttempt.objects.create(
        exam=exam,
        user=learner,
        number=1,
        started_at=started,
        deadline=started + dt.timedelta(minutes=30),
        status=ExamAttempt.Status.GRADED,
        passed=True,
    )
    with django_capture_on_commit_callbacks(execute=True):  # what exams does when grading a pass
        credit_pass(attempt)
    assert CourseCompletion.objects.filter(user=learner, course=course_page).exists()
    assert LedgerEntry.objects.filter(user=learner, source_key=f"course:{course_page.pk}:{learner.pk}").count() == 1
