"""Races on real PostgreSQL: two reviewers deciding the same round at once, two submissions of one course at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from wagtail.models import Page

from cms.models import CourseSubmission
from cms.services.course_review import CourseReviewError, approve_submission, request_changes, submit_course
from cms.setup import ensure_workflow_and_permissions
from tests.cms.course_review_helpers import draft_course
from tests.conftest import enable_totp
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _in_threads(n, fn):
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            return fn(i)
        except Exception as exc:  # the test inspects what each thread got
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_one_round_is_decided_once_when_two_reviewers_click_at_once(org_tree, trainer, reviewer):
    from accounts.models import Role

    ensure_workflow_and_permissions()
    second_reviewer = UserFactory(full_name="审核员二", org_unit=org_tree["pref"], roles=[Role.REVIEWER], is_staff=True)
    enable_totp(second_reviewer)
    course, lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)

    def decide(i):
        if i == 0:
            return approve_submission(submission=submission, reviewer=reviewer)
        return request_changes(submission=submission, reviewer=second_reviewer, comment="请修改")

    results = _in_threads(2, decide)

    errors = [r for r in results if isinstance(r, CourseReviewError)]
    assert len(errors) == 1, results
    submission.refresh_from_db()
    live = [Page.objects.get(pk=p.pk).live for p in (course, *lessons)]
    if submission.status == CourseSubmission.Status.APPROVED:
        assert live == [True, True, True]
    else:
        assert submission.status == CourseSubmission.Status.CHANGES_REQUESTED and live == [False, False, False]


def test_two_submissions_of_one_course_at_once_leave_one_pending(trainer):
    ensure_workflow_and_permissions()
    course, _lessons = draft_course(trainer)

    results = _in_threads(3, lambda i: submit_course(course=course, user=trainer))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert CourseSubmission.objects.filter(course=course, status=CourseSubmission.Status.PENDING).count() == 1
    assert CourseSubmission.objects.filter(course=course, status=CourseSubmission.Status.WITHDRAWN).count() == 2
