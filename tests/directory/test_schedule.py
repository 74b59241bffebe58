"""The directory sync runs on beat only when DIRECTORY_SYNC_SCHEDULE asks for it."""

from __future__ import annotations

from celery import current_app
from django.core.checks import run_checks
from django_celery_beat.models import PeriodicTask

from directory.schedules import NAME, TASK, ensure_periodic_tasks


def test_there_is_no_running_schedule_by_default(db, settings):
    assert settings.DIRECTORY_SYNC_SCHEDULE == ""
    ensure_periodic_tasks()
    assert not PeriodicTask.objects.filter(name=NAME, enabled=True).exists()


def test_a_configured_schedule_is_registered_once_and_switched_off_when_the_setting_is_cleared(db, settings):
    import directory.tasks  # noqa: F401  (what the worker's autodiscovery imports)

    settings.DIRECTORY_SYNC_SCHEDULE = "30 2 * * 1-5"
    ensure_periodic_tasks()
    ensure_periodic_tasks()
    (periodic,) = PeriodicTask.objects.filter(name=NAME).select_related("crontab")
    assert periodic.task == TASK and TASK in current_app.tasks and periodic.enabled
    crontab = periodic.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "30",
        "2",
        "*",
        "*",
        "1-5",
    )
    assert str(crontab.timezone) == "Asia/Shanghai"

    settings.DIRECTORY_SYNC_SCHEDULE = ""
    ensure_periodic_tasks()
    periodic.refresh_from_db()
    assert not periodic.enabled

    settings.DIRECTORY_SYNC_SCHEDULE = "0 3 * * *"
    ensure_periodic_tasks()
    periodic.refresh_from_db()
    assert periodic.enabled and periodic.crontab.hour == "3"


def test_a_schedule_that_is_not_a_crontab_is_a_system_check_error_and_never_runs(db, settings):
    settings.DIRECTORY_SYNC_SCHEDULE = "every night"
    settings.DIRECTORY_LDAP_URL = "ldaps://ldap.example.cn/"
    errors = [e for e in run_checks() if e.id.startswith("directory.")]
    assert [e.id for e in errors] == ["directory.E001"]
    assert "5 个以空格分隔的 crontab 字段" in errors[0].msg
    ensure_periodic_tasks()
    assert not PeriodicTask.objects.filter(name=NAME, enabled=True).exists()

    settings.DIRECTORY_SYNC_SCHEDULE = "61 2 * * *"
    assert [e.id for e in run_checks() if e.id.startswith("directory.")] == ["directory.E001"]


def test_a_schedule_without_a_server_is_warned_about(db, settings):
    settings.DIRECTORY_SYNC_SCHEDULE = "30 2 * * *"
    assert [e.id for e in run_checks() if e.id.startswith("directory.")] == ["directory.W001"]
