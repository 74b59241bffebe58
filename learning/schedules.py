"""Celery beat schedules, stored in django-celery-beat so administrators can see them.

``ensure_periodic_task`` is idempotent (get-or-update by name) and can be used by
other apps from their own ``post_migrate`` handler; ``ensure_periodic_tasks``
registers the learning app's schedules.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connection


def ensure_periodic_task(
    *,
    name: str,
    task: str,
    minute: str = "0",
    hour: str = "*",
    day_of_month: str = "*",
    month_of_year: str = "*",
    day_of_week: str = "*",
    kwargs: dict | None = None,
    description: str = "",
):
    """Create or update the beat entry ``name`` to run ``task`` on the given crontab."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone=settings.TIME_ZONE,
    )
    periodic, created = PeriodicTask.objects.get_or_create(
        name=name,
        defaults={
            "task": task,
            "crontab": crontab,
            "kwargs": json.dumps(kwargs or {}),
            "description": description,
        },
    )
    if not created and (periodic.task != task or periodic.crontab_id != crontab.pk):
        periodic.task = task
        periodic.crontab = crontab
        periodic.interval = None
        periodic.save()
    return periodic


LEARNING_SCHEDULES = (
    {
        "name": "learning: 学时进度月度提醒",
        "task": "learning.tasks.send_monthly_reminders",
        "minute": "0",
        "hour": "9",
        "day_of_month": "1",
        "description": "每月 1 日 9:00 提醒进度落后的人员，并向人事/合规专员发送汇总。",
    },
)


def ensure_periodic_tasks() -> None:
    """Register the learning app's schedules (safe to run on every migrate)."""
    from django_celery_beat.models import PeriodicTask

    if PeriodicTask._meta.db_table not in connection.introspection.table_names():
        # ``migrate <some app>`` can run before django_celery_beat's tables exist;
        # the next full migrate registers the schedules.
        return
    from learning.schedules_review import REVIEW_SCHEDULES

    for spec in (*LEARNING_SCHEDULES, *REVIEW_SCHEDULES):
        ensure_periodic_task(**spec)
