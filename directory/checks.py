"""System checks of the directory sync's settings (``manage.py check``, and at every start)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning


def check_directory_sync(app_configs=None, **kwargs):
    from directory.importers.staff import CATEGORY_BY_LABEL
    from directory.schedules import schedule_fields

    problems = []
    schedule = settings.DIRECTORY_SYNC_SCHEDULE.strip()
    if schedule:
        try:
            schedule_fields(schedule)
        except ValueError as exc:
            problems.append(Error(str(exc), id="directory.E001"))
        if not settings.DIRECTORY_LDAP_URL:
            problems.append(
                Warning(
                    "DIRECTORY_SYNC_SCHEDULE 已设置，但未配置 DIRECTORY_LDAP_URL：定时同步每次都会失败。",
                    id="directory.W001",
                )
            )
    if settings.DIRECTORY_SYNC_DEFAULT_CATEGORY not in CATEGORY_BY_LABEL:
        problems.append(
            Error(
                f"DIRECTORY_SYNC_DEFAULT_CATEGORY“{settings.DIRECTORY_SYNC_DEFAULT_CATEGORY}”无效，应为：执法人员、领导干部、其他。",
                id="directory.E002",
            )
        )
    return problems
