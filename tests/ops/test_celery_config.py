"""Every task of ours has a queue and a time limit, and Redis redelivers a dead worker's task in minutes."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from django.conf import settings

from config.celery import app

OUR_APPS = ("accounts.", "learning.", "exams.", "cms.", "core.", "jobs.", "directory.", "notifications.")
QUEUES = {"default", "bulk"}


def _our_tasks():
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    return {name: task for name, task in app.tasks.items() if name.startswith(OUR_APPS)}


def _route_of(name: str) -> dict | None:
    for pattern, route in settings.CELERY_TASK_ROUTES.items():
        if fnmatchcase(name, pattern):
            return route
    return None


def _hard_limit(task) -> int | None:
    return task.time_limit or app.conf.task_time_limit


def test_our_tasks_are_found():
    names = set(_our_tasks())
    assert "exams.tasks.finalise_overdue_attempts" in names
    assert "learning.tasks.send_monthly_reminders" in names
    assert len(names) >= 10


def test_every_task_of_ours_is_routed_to_a_known_queue():
    unrouted = [name for name in _our_tasks() if _route_of(name) is None]
    assert not unrouted, f"add these to CELERY_TASK_ROUTES (config/settings/base.py): {unrouted}"
    for name in _our_tasks():
        assert app.amqp.router.route({}, name)["queue"].name in QUEUES, name
    assert {q.name for q in app.conf.task_queues} == QUEUES


def test_every_route_names_a_task_that_exists():
    """A renamed task would silently fall back to the default queue."""
    names = set(_our_tasks())
    stale = [p for p in settings.CELERY_TASK_ROUTES if not any(fnmatchcase(n, p) for n in names)]
    assert not stale
    stale = [name for name in settings.CELERY_TASK_ANNOTATIONS if name not in names]
    assert not stale


@pytest.mark.parametrize(
    "name",
    [
        "exams.tasks.finalise_overdue_attempts",
        "exams.tasks.issue_exam_certificate",
        "learning.tasks_certificates.render_certificate",
        "accounts.tasks.send_identifier_change_notice",
    ],
)
def test_what_a_learner_waits_for_goes_to_the_default_queue(name):
    assert app.amqp.router.route({}, name)["queue"].name == "default"


@pytest.mark.parametrize(
    "name",
    [
        "jobs.tasks.run_job_chunk",
        "jobs.tasks.finish_job",
        "learning.tasks.send_monthly_reminders",
        "learning.tasks_review.send_review_reminders",
        "learning.tasks_review.run_annual_review_task",
    ],
)
def test_bulk_work_goes_to_the_bulk_queue(name):
    assert app.amqp.router.route({}, name)["queue"].name == "bulk"


def test_every_task_of_ours_has_a_soft_and_a_hard_time_limit():
    for name, task in _our_tasks().items():
        hard = _hard_limit(task)
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard and soft, name
        assert soft < hard, name


def test_long_tasks_get_more_time_than_the_default():
    tasks = _our_tasks()
    assert tasks["learning.tasks.send_monthly_reminders"].time_limit > app.conf.task_time_limit
    assert tasks["jobs.tasks.finish_job"].time_limit > app.conf.task_time_limit


def test_visibility_timeout_outlasts_the_longest_task_but_not_an_hour():
    longest = max(_hard_limit(task) for task in _our_tasks().values())
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert longest <= visibility < 3600
