"""The directory sync's beat entry: there only when ``DIRECTORY_SYNC_SCHEDULE`` asks for it.

Registered idempotently after every ``migrate`` (``DirectoryConfig.ready``). With
the setting empty the sync never runs by itself, and an entry a previous
configuration created is switched off, not left running.
"""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from core.schedules import disable_periodic_task, ensure_periodic_task

NAME = "directory: 目录同步"
TASK = "directory.tasks.sync_directory"
CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def schedule_fields(text: str) -> dict[str, str]:
    """``"30 2 * * *"`` → the crontab fields; ``ValueError`` with a Chinese message when it is not one."""
    parts = text.split()
    if len(parts) != len(CRONTAB_FIELDS):
        raise ValueError(
            _("DIRECTORY_SYNC_SCHEDULE“%(v)s”应为 5 个以空格分隔的 crontab 字段（分 时 日 月 周），例如“30 2 * * *”。")
            % {"v": text}
        )
    fields = dict(zip(CRONTAB_FIELDS, parts, strict=True))
    try:
        crontab(**fields)
    except ValueError as exc:
        raise ValueError(
            _("DIRECTORY_SYNC_SCHEDULE“%(v)s”不是有效的 crontab：%(err)s") % {"v": text, "err": exc}
        ) from None
    return fields


def ensure_periodic_tasks() -> None:
    """Create, update or switch off the sync's beat entry to match the setting (safe on every migrate)."""
    text = settings.DIRECTORY_SYNC_SCHEDULE.strip()
    if not text:
        disable_periodic_task(NAME)
        return
    try:
        fields = schedule_fields(text)
    except ValueError:
        # The system check (``directory.checks``) reports it; migrate goes on.
        disable_periodic_task(NAME)
        return
    from django_celery_beat.models import PeriodicTask

    if PeriodicTask._meta.db_table not in connection.introspection.table_names():
        return  # ``migrate directory`` before beat's tables: the next full migrate registers it
    periodic = ensure_periodic_task(
        name=NAME,
        task=TASK,
        description="按 DIRECTORY_SYNC_SCHEDULE 从 LDAP 目录同步单位和人员（docs/directory_sync.md）。",
        **fields,
    )
    if not periodic.enabled:
        periodic.enabled = True
        periodic.save()
