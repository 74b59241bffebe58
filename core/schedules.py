"""Celery beat schedules, stored in django-celery-beat so administrators can see them.

Each app lists its entries (``name``, ``task``, crontab fields, ``description``) and
registers them from its own ``post_migrate`` handler with ``ensure_schedules``;
``ensure_periodic_task`` is idempotent (get-or-update by name).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

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


def ensure_schedules(specs: Iterable[dict]) -> None:
    """Register ``specs`` (safe to run on every migrate).

    ``migrate <some app>`` can run before django_celery_beat's tables exist; the next
    full migrate registers the schedules then.
    """
    from django_celery_beat.models import PeriodicTask

    if PeriodicTask._meta.db_table not in connection.introspection.table_names():
        return
    for spec in specs:
        ensure_periodic_task(**spec)


def disable_periodic_task(name: str) -> None:
    """Switch off the beat entry ``name`` if there is one (a schedule its setting no longer asks for)."""
    from django_celery_beat.models import PeriodicTask

    if PeriodicTask._meta.db_table not in connection.introspection.table_names():
        return
    for periodic in PeriodicTask.objects.filter(name=name, enabled=True):
        periodic.enabled = False
        periodic.save()
