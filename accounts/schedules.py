"""The accounts app's beat schedule, registered idempotently after every migrate.

Both tasks are daily and early in the morning (Asia/Shanghai), before people
sign in and before the annual review's nightly re-check reads credential status.
"""

from __future__ import annotations

from core.schedules import ensure_schedules

ACCOUNT_SCHEDULES = (
    {
        "name": "accounts: 离职人员停用账号",
        "task": "accounts.tasks.deactivate_departed_staff",
        "minute": "10",
        "hour": "1",
        "description": "每天 1:10 停用离职日期已过的人员账号（其学时、考试等记录保留）。",
    },
    {
        "name": "accounts: 执法证到期失效",
        "task": "accounts.tasks.expire_credentials",
        "minute": "20",
        "hour": "1",
        "description": "每天 1:20 把超过有效期的执法证标记为已过期，并记入证件变更记录。",
    },
)


def ensure_periodic_tasks() -> None:
    """Register the accounts app's schedules (safe to run on every migrate)."""
    ensure_schedules(ACCOUNT_SCHEDULES)
