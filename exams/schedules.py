"""The exams app's beat schedule, registered idempotently after every migrate."""

from __future__ import annotations

from django.db import connection

EXAM_SCHEDULES = (
    {
        "name": "exams: 到时自动收卷",
        "task": "exams.tasks.finalise_overdue_attempts",
        "minute": "*",
        "description": "每分钟把超过截止时间仍未交卷的答卷按已保存的答案收卷并评分。",
    },
)


def ensure_periodic_tasks() -> None:
    from django_celery_beat.models import PeriodicTask

    from learning.schedules import ensure_periodic_task

    if PeriodicTask._meta.db_table not in connection.introspection.table_names():
        return
    for spec in EXAM_SCHEDULES:
        ensure_periodic_task(**spec)
