"""The beat entry that rescues stalled jobs, created idempotently after ``migrate`` (editable in the admin)."""

from __future__ import annotations

from django.conf import settings

NAME = "jobs: 恢复停滞的后台任务"
TASK = "jobs.tasks.resume_stale_jobs"


def ensure_schedules() -> None:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*", hour="*", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "description": "每分钟检查进行中的后台任务，恢复或标记停滞的任务。",
        },
    )
